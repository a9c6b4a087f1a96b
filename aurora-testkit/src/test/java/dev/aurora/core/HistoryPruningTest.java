package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.api.TaskId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How often ended tasks beyond the history limits are pruned ({@code SchedulerBuilder.historyPruning}). */
class HistoryPruningTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(5)
      .scheduler(b -> b.history(1, Duration.ofHours(1)).historyPruning(Duration.ofSeconds(5)));

  static final JobConfig SERVICE = Job.service("www-data/prod/web").instances(1)
      .task(t -> t.process("p", "./run").cpus(1).ramMb(64)).build();

  private long ended() {
    return aurora.scheduler().tasks(TaskQuery.job(SERVICE.key())).stream()
        .filter(t -> t.status().isTerminal()).count();
  }

  @Test
  void endedTasksBeyondTheLimitArePrunedAtTheIntervalSetNotAfterAMinute() {
    aurora.scheduler().createJob(SERVICE, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) { // three restarts: three ended tasks, one more than the history keeps
      aurora.scheduler().restartInstances(SERVICE.key(), Set.of(0), TEST_PRINCIPAL);
      aurora.advance(Duration.ofMillis(300));
    }
    assertThat(ended()).isEqualTo(3);

    aurora.advance(Duration.ofSeconds(5));

    assertThat(ended()).isEqualTo(1);
    assertThat(aurora.running(SERVICE.key())).hasSize(1);
  }

  @Test
  void aPruningIntervalThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> Scheduler.builder().historyPruning(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("history pruning interval");
  }

  /** The limits themselves, as documented: the newest {@code perJob} of each job, none older than the max age. */
  @Nested
  class Limits {
    @RegisterExtension
    AuroraExtension aurora = AuroraExtension.withAgents(20)
        .scheduler(b -> b.history(2, Duration.ofMinutes(30)).historyPruning(Duration.ofMinutes(1)));

    private List<TaskId> endedIds(JobConfig job) {
      return aurora.scheduler().tasks(TaskQuery.job(job.key())).stream()
          .filter(t -> t.status().isTerminal()).map(ScheduledTask::id).sorted().toList();
    }

    private void restart(JobConfig job) {
      aurora.scheduler().restartInstances(job.key(), Set.of(0), TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(2));
    }

    @Test
    void everyJobKeepsItsNewestEndedTasksUpToTheLimitAndTheOlderArePruned() {
      List<JobConfig> jobs = new ArrayList<>();
      for (int j = 0; j < 50; j++) {
        jobs.add(Job.service("www-data/prod/web" + j).instances(1)
            .task(t -> t.process("p", "./run").cpus(0.1).ramMb(16)).build());
      }
      jobs.forEach(j -> aurora.scheduler().createJob(j, TEST_PRINCIPAL));
      aurora.advance(Duration.ofSeconds(5));
      List<List<TaskId>> newestTwo = new ArrayList<>();
      for (int j = 0; j < jobs.size(); j++) {
        JobConfig job = jobs.get(j);
        int restarts = 1 + j % 4; // 1 to 4 ended tasks: some jobs under the limit, some over
        List<TaskId> ended = new ArrayList<>();
        for (int r = 0; r < restarts; r++) {
          ended.add(aurora.running(job.key()).get(0).id());
          restart(job);
        }
        newestTwo.add(ended.subList(Math.max(0, ended.size() - 2), ended.size()).stream().sorted().toList());
      }

      aurora.advance(Duration.ofMinutes(1));

      for (int j = 0; j < jobs.size(); j++) {
        assertThat(endedIds(jobs.get(j))).as("job %s", j).isEqualTo(newestTwo.get(j));
        assertThat(aurora.running(jobs.get(j).key())).hasSize(1);
      }
    }

    @Test
    void endedTasksOlderThanTheMaxAgeArePrunedThoughUnderTheLimit() {
      JobConfig old = Job.service("www-data/prod/old").instances(1)
          .task(t -> t.process("p", "./run").cpus(0.1).ramMb(16)).build();
      JobConfig young = Job.service("www-data/prod/young").instances(1)
          .task(t -> t.process("p", "./run").cpus(0.1).ramMb(16)).build();
      aurora.scheduler().createJob(old, TEST_PRINCIPAL);
      aurora.scheduler().createJob(young, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
      restart(old);
      aurora.advance(Duration.ofMinutes(20));
      restart(young);
      restart(old);
      assertThat(endedIds(old)).hasSize(2);

      aurora.advance(Duration.ofMinutes(12)); // the first ended task of old is now past 30 minutes

      assertThat(endedIds(old)).hasSize(1);
      assertThat(endedIds(young)).hasSize(1);
      aurora.advance(Duration.ofMinutes(20));
      assertThat(endedIds(old)).isEmpty();
      assertThat(endedIds(young)).isEmpty();
    }

    @Test
    void aRunningOneOffJobKeepsTheLastEndedTaskOfEachEndedInstanceWhateverTheLimits() {
      JobConfig batch = Job.adhoc("www-data/prod/batch").instances(4)
          .task(t -> t.process("p", "./work").cpus(0.1).ramMb(16)).build();
      aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
      List<ScheduledTask> running = aurora.running(batch.key());
      for (int i = 0; i < 3; i++) {
        aurora.cluster().finishTask(running.get(i).id());
      }
      aurora.advance(Duration.ofMinutes(32)); // past the max age, and 3 ended against a limit of 2

      assertThat(endedIds(batch)).containsExactlyElementsOf(
          running.subList(0, 3).stream().map(ScheduledTask::id).sorted().toList());
      assertThat(aurora.running(batch.key())).hasSize(1);
    }
  }
}
