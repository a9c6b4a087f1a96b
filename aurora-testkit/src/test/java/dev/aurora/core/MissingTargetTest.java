package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An operation on something that does not exist throws an exception that names what is missing. */
class MissingTargetTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10);

  private JobConfig running(int instances) {
    JobConfig job = Job.service("www-data/prod/hello").instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(256))
        .build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    return job;
  }

  @Test
  void pulsingAnUnknownUpdateThrowsNoSuchUpdate() {
    UpdateId unknown = new UpdateId("no-such-update");
    NoSuchUpdateException e = catchThrowableOfType(NoSuchUpdateException.class,
        () -> aurora.scheduler().pulseUpdate(unknown, TEST_PRINCIPAL));
    assertThat(e.update()).isEqualTo(unknown);
    assertThat(e).hasMessage("no update no-such-update is known");
  }

  @Test
  void removingAQuotaThatIsNotSetThrowsNoSuchQuota() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 1000, 0), TEST_PRINCIPAL);
    NoSuchQuotaException e = catchThrowableOfType(NoSuchQuotaException.class,
        () -> aurora.scheduler().removeQuota("analytics", TEST_PRINCIPAL));
    assertThat(e.role()).isEqualTo("analytics");
    assertThat(e).hasMessage("role analytics has no quota to remove");
    assertThat(aurora.scheduler().quotas()).isEqualTo(Map.of("www-data", ResourceQuota.of(2, 2048, 1000, 0)));
  }

  @Test
  void killingAMissingInstanceThrowsNoSuchInstanceAndKillsNothing() {
    JobConfig job = running(3);
    NoSuchInstanceException e = catchThrowableOfType(NoSuchInstanceException.class,
        () -> aurora.scheduler().killInstances(job.key(), Set.of(1, 7, 9), TEST_PRINCIPAL));
    assertThat(e).isNotInstanceOf(JobConflictException.class);
    assertThat(e.job()).isEqualTo(job.key());
    assertThat(e.instances()).containsExactly(7, 9);
    assertThat(e).hasMessage("www-data/prod/hello: no active instances [7, 9]");
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(3);
  }

  @Test
  void restartingAMissingInstanceThrowsNoSuchInstance() {
    JobConfig job = running(2);
    NoSuchInstanceException e = catchThrowableOfType(NoSuchInstanceException.class,
        () -> aurora.scheduler().restartInstances(job.key(), Set.of(2), TEST_PRINCIPAL));
    assertThat(e.instances()).containsExactly(2);
  }
}
