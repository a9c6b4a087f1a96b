package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A backend hears whether anything is pending ({@link ClusterBackend#demand}) when that changes, and
 * only then: a Mesos backend suppresses its offers while nothing waits and revives them when work comes.
 */
class BackendDemandTest {
  /** The simulated cluster, recording what it hears of demand. */
  static final class DemandRecorder implements ClusterBackend {
    final SimulatedCluster cluster;
    final List<Boolean> demands = new ArrayList<>();

    DemandRecorder(SimulatedCluster cluster) {
      this.cluster = cluster;
    }

    @Override
    public void demand(boolean anythingPending) {
      synchronized (demands) {
        demands.add(anythingPending);
      }
    }

    List<Boolean> demands() {
      synchronized (demands) {
        return List.copyOf(demands);
      }
    }

    @Override
    public void start(BackendListener l) {
      cluster.start(l);
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      cluster.launch(offerIds, tasks);
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      cluster.decline(offerId, refuseFor);
    }

    @Override
    public void kill(TaskId taskId) {
      cluster.kill(taskId);
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      cluster.reconcile(known);
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(2).build();
  final DemandRecorder backend = new DemandRecorder(cluster);

  static JobConfig service(String key, int instances) {
    return Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(0.5).ramMb(64)).build();
  }

  @Test
  void theBackendHearsOfDemandOnlyWhenNothingPendingBecomesSomethingPendingAndBack() {
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).build()) {
      scheduler.start();
      loop.runUntilIdle();
      assertThat(backend.demands()).as("nothing pending at start: told once").containsExactly(false);

      JobConfig job = service("a/prod/web", 3);
      scheduler.createJob(job, TEST_PRINCIPAL);
      loop.advance(Duration.ofSeconds(5));
      assertThat(scheduler.tasks(TaskQuery.job(job.key()))).allMatch(t -> t.status() == ScheduleStatus.RUNNING);
      assertThat(backend.demands()).containsExactly(false, true, false);

      // many placement passes with offers coming and going, nothing pending: not a word
      loop.advance(Duration.ofMinutes(5));
      assertThat(backend.demands()).containsExactly(false, true, false);

      // more work comes, and is placed
      JobConfig more = service("a/prod/batch", 2);
      scheduler.createJob(more, TEST_PRINCIPAL);
      loop.advance(Duration.ofSeconds(5));
      assertThat(scheduler.tasks(TaskQuery.job(more.key()))).allMatch(t -> t.status() == ScheduleStatus.RUNNING);
      assertThat(backend.demands()).containsExactly(false, true, false, true, false);

      // a task ends and is replaced (from offers at hand, maybe in the same transaction): whatever the
      // backend hears, it hears of changes only, and ends with nothing pending
      cluster.failTask(scheduler.tasks(TaskQuery.job(job.key())).get(0).id(), "crashed");
      loop.advance(Duration.ofMinutes(1));
      assertThat(scheduler.tasks(TaskQuery.job(job.key()).active())).hasSize(3)
          .allMatch(t -> t.status() == ScheduleStatus.RUNNING);
      List<Boolean> heard = backend.demands();
      for (int i = 1; i < heard.size(); i++) {
        assertThat(heard.get(i)).as("demand %d of %s is a change", i, heard).isNotEqualTo(heard.get(i - 1));
      }
      assertThat(heard.get(heard.size() - 1)).isFalse();
    }
  }

  @Test
  void aTaskThatCannotBePlacedKeepsTheDemandOnWithoutRepeatingIt() {
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).build()) {
      scheduler.start();
      loop.runUntilIdle();
      JobConfig huge = Job.service("a/prod/huge").instances(1)
          .task(t -> t.process("p", "./run").cpus(64).ramMb(64)).build();
      scheduler.createJob(huge, TEST_PRINCIPAL);
      loop.advance(Duration.ofMinutes(5));
      assertThat(backend.demands()).containsExactly(false, true);
    }
  }
}
