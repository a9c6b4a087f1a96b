package dev.aurora.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.core.SchedulerEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class EventHubTest {

  /** A client whose connection takes nothing until released. */
  static final class StuckClient extends OutputStream {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch writing = new CountDownLatch(1);
    final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      synchronized (this) {
        written.write(b, off, len);
      }
    }

    synchronized String text() {
      return written.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void aSlowClientIsDroppedAndNeverHoldsUpTheScheduler() throws Exception {
    EventHub hub = new EventHub(100, 4, 8, Duration.ofSeconds(30));
    StuckClient client = new StuckClient();
    Reply reply = hub.stream(Optional.empty());
    CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
      try {
        reply.stream().write(client);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    client.writing.await();
    assertThat(hub.clients()).isEqualTo(1);
    // the client takes nothing, yet publishing 1000 events goes on at once (bounded only to fail, not to time)
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (int i = 0; i < 1000; i++) {
        hub.publish(new SchedulerEvent.JobCreated(Instant.EPOCH, JobKey.of("r", "e", "j" + i), Principal.of("a")));
      }
    });
    client.release.countDown();
    serving.get();
    assertThat(client.text()).contains("event: dropped");
    assertThat(client.text()).doesNotContain("r/e/j999");
    assertThat(hub.clients()).isZero();
    hub.close();
  }
}
