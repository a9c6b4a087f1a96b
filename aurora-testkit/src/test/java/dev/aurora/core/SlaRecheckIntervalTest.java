package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.SlaPolicy;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How soon a drain held back by an SLA looks again, and a refusing coordinator is asked again: configurable. */
class SlaRecheckIntervalTest {
  final AtomicInteger asked = new AtomicInteger();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .scheduler(b -> b.slaRecheckInterval(Duration.ofMinutes(2)).slaCoordinator("ops", task -> {
        asked.incrementAndGet();
        return CompletableFuture.completedFuture(false);
      }));

  @Test
  void aRefusingCoordinatorIsAskedAgainAfterTheConfiguredInterval() {
    JobConfig job = Job.service("a/prod/coordinated").instances(2)
        .task(t -> t.process("server", "./server").cpus(1).ramMb(256).slaPolicy(SlaPolicy.coordinator("ops")))
        .constraint(Constraint.limit("host", 1))
        .build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    String host = aurora.running(job.key()).get(0).host().orElseThrow();
    aurora.scheduler().setMaintenance(java.util.Set.of(host), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(asked).hasValue(1);

    aurora.advance(Duration.ofSeconds(110)); // past the default 10 s, not yet the configured 2 minutes
    assertThat(asked).hasValue(1);
    aurora.advance(Duration.ofSeconds(20));
    assertThat(asked).hasValue(2);
    aurora.advance(Duration.ofMinutes(2));
    assertThat(asked).hasValue(3);
  }

  @Test
  void aRecheckIntervalThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> Scheduler.builder().slaRecheckInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SLA recheck interval");
    assertThatThrownBy(() -> Scheduler.builder().slaRecheckInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SLA recheck interval");
  }
}
