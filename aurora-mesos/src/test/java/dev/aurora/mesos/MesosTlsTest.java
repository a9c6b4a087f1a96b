package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS end to end: a master serving HTTPS with a self-signed certificate, a backend trusting it. */
class MesosTlsTest {
  static SelfSignedTls tls;

  @BeforeAll
  static void certificate(@TempDir Path dir) throws Exception {
    tls = SelfSignedTls.generate(dir);
  }

  @Test
  void aBackendTrustingTheMastersCertificateSubscribesAndLaunchesOverHttps() throws Exception {
    try (Harness h = new Harness(FakeMesosMaster.builder().agents(1).https(tls.serverContext())
        .requireAuthentication("aurora", "s3cret"))) {
      assertThat(h.master.leader().getScheme()).isEqualTo("https");
      h.start(b -> b.sslContext(trusting()).principal("aurora", "s3cret"));
      Harness.await("subscribed over TLS", h.backend::subscribed);

      Offer offer = h.freshOffer();
      TaskId id = h.launch(offer, Harness.task("./server"));

      Harness.await("the task running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
      Harness.await("its updates acknowledged", () -> h.master.unacknowledged() == 0);
      assertThat(h.master.violations()).isEmpty();
    }
  }

  @Test
  void aBackendThatDoesNotTrustTheCertificateNeverSubscribesAndKeepsTrying() throws Exception {
    try (Harness h = new Harness(FakeMesosMaster.builder().agents(1).https(tls.serverContext()))) {
      h.start(b -> { });   // the JVM's trust store: the self-signed certificate is not in it
      Harness.await("several refused attempts", () -> h.registry.counter("aurora.mesos.reconnects").count() >= 3);
      assertThat(h.backend.subscribed()).isFalse();
      assertThat(h.master.subscriptions()).isEmpty();
    }
  }

  private static javax.net.ssl.SSLContext trusting() {
    try {
      return tls.trustingContext();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
