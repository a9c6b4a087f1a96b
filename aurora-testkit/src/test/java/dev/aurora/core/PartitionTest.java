package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.PartitionPolicy;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Partition awareness: an agent the scheduler cannot reach is not an agent lost. Its tasks go
 * PARTITIONED and the job's {@link PartitionPolicy} says how long to wait before replacing them, or
 * whether to replace them at all.
 */
class PartitionTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4);

  static JobConfig service(String key, int n, PartitionPolicy policy) {
    return Job.service(key).instances(n)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(128).partitionPolicy(policy)).build();
  }

  private ScheduledTask startOne(JobConfig job) {
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(job.instances());
    return aurora.running(job.key()).get(0);
  }

  private String agentOf(TaskId id) {
    return aurora.cluster().agentOf(id).orElseThrow().id();
  }

  private ScheduleStatus statusOf(TaskId id) {
    return aurora.scheduler().task(id).orElseThrow().status();
  }

  @Test
  void aTaskBackWithinThePartitionWaitIsKept() {
    JobConfig job = service("a/prod/kept", 1, PartitionPolicy.of(true, Duration.ofMinutes(5)));
    ScheduledTask t = startOne(job);
    int launched = aurora.cluster().launchedCount();

    aurora.cluster().partitionAgent(agentOf(t.id()));
    aurora.advance(Duration.ofMinutes(2));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.PARTITIONED);
    assertThat(aurora.active(job.key())).extracting(ScheduledTask::id).containsExactly(t.id());

    aurora.cluster().healAgent(agentOf(t.id()));
    aurora.advance(Duration.ofMinutes(10));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(aurora.running(job.key())).extracting(ScheduledTask::id).containsExactly(t.id());
    assertThat(aurora.cluster().launchedCount()).isEqualTo(launched);
  }

  @Test
  void aTaskPartitionedLongerThanTheWaitIsReplacedAndKilledWhenItComesBack() {
    JobConfig job = service("a/prod/replaced", 1, PartitionPolicy.of(true, Duration.ofMinutes(1)));
    ScheduledTask t = startOne(job);
    String agent = agentOf(t.id());

    aurora.cluster().partitionAgent(agent);
    aurora.advance(Duration.ofSeconds(50));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.PARTITIONED);
    aurora.advance(Duration.ofSeconds(30));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.LOST);
    assertThat(aurora.running(job.key())).hasSize(1).extracting(ScheduledTask::id).doesNotContain(t.id());

    aurora.cluster().healAgent(agent);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.cluster().runningTasks()).doesNotContain(t.id());
    assertThat(aurora.running(job.key())).hasSize(1);
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.LOST);
  }

  @Test
  void aJobThatDoesNotRescheduleWaitsForItsPartitionedTask() {
    JobConfig job = service("a/prod/patient", 1, PartitionPolicy.of(false, Duration.ZERO));
    ScheduledTask t = startOne(job);
    aurora.cluster().partitionAgent(agentOf(t.id()));
    aurora.advance(Duration.ofHours(3));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.PARTITIONED);
    assertThat(aurora.active(job.key())).hasSize(1);

    aurora.cluster().healAgent(agentOf(t.id()));
    aurora.advance(Duration.ofSeconds(5));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.RUNNING);
  }

  @Test
  void withoutAPartitionPolicyAPartitionedTaskIsReplacedAtOnce() {
    JobConfig job = Job.service("a/prod/plain").instances(2).task(t -> t.process("p", "./run").cpus(1).ramMb(128))
        .build();
    assertThat(job.task().partitionPolicy()).isEqualTo(PartitionPolicy.DEFAULT);
    ScheduledTask t = startOne(job);
    aurora.cluster().partitionAgent(agentOf(t.id()));
    aurora.runUntilIdle();
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.LOST);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void thePartitionWaitSurvivesASchedulerRestart() {
    JobConfig job = service("a/prod/restart", 1, PartitionPolicy.of(true, Duration.ofMinutes(5)));
    ScheduledTask t = startOne(job);
    aurora.cluster().partitionAgent(agentOf(t.id()));
    aurora.advance(Duration.ofMinutes(3));
    aurora.restartScheduler();
    aurora.advance(Duration.ofMinutes(1));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.PARTITIONED);
    aurora.advance(Duration.ofMinutes(2));
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.LOST);
    assertThat(aurora.running(job.key())).hasSize(1);
  }

  @Test
  void aPartitionedTaskKilledByItsJobIsKilledWhenItComesBack() {
    JobConfig job = service("a/prod/killed", 1, PartitionPolicy.of(false, Duration.ZERO));
    ScheduledTask t = startOne(job);
    String agent = agentOf(t.id());
    aurora.cluster().partitionAgent(agent);
    aurora.runUntilIdle();
    aurora.scheduler().killJob(job.key(), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.KILLING);

    aurora.cluster().healAgent(agent);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.cluster().runningTasks()).doesNotContain(t.id());
    assertThat(statusOf(t.id())).isEqualTo(ScheduleStatus.KILLED);
  }

  @Test
  void aNegativePartitionWaitIsRefused() {
    assertThatThrownBy(() -> PartitionPolicy.of(true, Duration.ofSeconds(-1)))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("partitionPolicy.delay");
  }
}
