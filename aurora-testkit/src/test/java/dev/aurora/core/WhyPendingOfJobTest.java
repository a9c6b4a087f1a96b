package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code whyPending(job)} answers for the whole job, whatever configs its pending tasks have. */
class WhyPendingOfJobTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(3);

  private static JobConfig tooBig(String version) {
    return Job.service("www-data/prod/big").instances(3)
        .task(t -> t.process("server", "./server --version " + version).cpus(0.5).ramMb(1_000_000))
        .update(UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build()).build();
  }

  /** Simulation seeds 635, 700, 1247: an update leaves a job's pending tasks in two configs. */
  @Test
  void whyPendingOfAJobCountsEveryPendingTaskWhateverItsConfig() {
    aurora.scheduler().createJob(tooBig("1"), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.scheduler().startUpdate(tooBig("1").key(), tooBig("2"), TEST_PRINCIPAL, "v2");
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.pending(tooBig("1").key())).hasSize(3);
    assertThat(aurora.pending(tooBig("1").key()).stream().map(ScheduledTask::config).distinct()).hasSize(2);
    PendingReason why = aurora.scheduler().whyPending(tooBig("1").key());
    assertThat(why.pendingTasks()).isEqualTo(3);
    assertThat(why.toString()).contains("insufficient ram");
  }
}
