package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reconciliation is not only at start: every {@code explicit} interval the scheduler asks the backend
 * about every task it believes is on an agent, and every {@code implicit} interval about whatever
 * the backend runs, so a status update lost in transit is made good.
 */
class PeriodicReconciliationTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .scheduler(b -> b.reconciliation(Duration.ofMinutes(10), Duration.ofMinutes(30)));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n).task(t -> t.process("p", "./run").cpus(1).ramMb(128)).build();
  }

  private double reconciliations(String kind) {
    return aurora.registry().get("aurora.reconciliations").tag("kind", kind).counter().count();
  }

  @Test
  void aTaskThatEndedUnreportedIsFoundByExplicitReconciliationAndReplaced() {
    JobConfig job = service("a/prod/quiet", 2);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask gone = aurora.running(job.key()).get(0);

    aurora.cluster().dropStatusUpdates(true); // the KILLED report is lost in transit
    aurora.cluster().killTask(gone.id());
    aurora.cluster().dropStatusUpdates(false);
    aurora.advance(Duration.ofMinutes(5));
    assertThat(aurora.scheduler().task(gone.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.RUNNING);

    aurora.advance(Duration.ofMinutes(6));
    assertThat(aurora.scheduler().task(gone.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(aurora.running(job.key())).hasSize(2);
    assertThat(reconciliations("explicit")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aTaskWhoseRunningReportWasLostIsFoundByImplicitReconciliation() {
    JobConfig job = service("a/prod/unheard", 1);
    aurora.cluster().dropStatusUpdates(true); // STARTING and RUNNING are lost
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.cluster().dropStatusUpdates(false);
    ScheduledTask t = aurora.active(job.key()).get(0);
    assertThat(t.status()).isEqualTo(ScheduleStatus.ASSIGNED);

    aurora.advance(Duration.ofMinutes(31));
    assertThat(aurora.scheduler().task(t.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(reconciliations("implicit")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void intervalsMustBePositiveOrZeroForNever() {
    assertThatThrownBy(() -> Scheduler.builder().reconciliation(Duration.ofMinutes(-1), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("explicit");
    assertThatThrownBy(() -> Scheduler.builder().reconciliation(Duration.ofMinutes(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("implicit");
  }

  /**
   * Simulation seed 378: a task left ASSIGNED whose every report was lost (its launch never ran, or it
   * ended unheard) was never asked about, as explicit reconciliation leaves ASSIGNED tasks out while
   * their launch may be on its way; one ASSIGNED for a whole interval is asked about, found gone and
   * replaced.
   */
  @Test
  void aTaskAssignedLongerThanAnIntervalAndNeverHeardFromIsReconciled() {
    JobConfig job = service("a/prod/silent", 1);
    aurora.cluster().dropStatusUpdates(true); // every report of the task is lost
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask t = aurora.active(job.key()).get(0);
    assertThat(t.status()).isEqualTo(ScheduleStatus.ASSIGNED);
    aurora.cluster().killTask(t.id()); // it ends unheard: no implicit reconciliation will report it
    aurora.cluster().dropStatusUpdates(false);

    aurora.advance(Duration.ofMinutes(21));
    assertThat(aurora.scheduler().task(t.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(aurora.running(job.key())).hasSize(1);
  }
}
