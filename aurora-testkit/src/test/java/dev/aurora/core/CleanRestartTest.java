package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A scheduler restarted cleanly on a backend that stops its tasks when it closes (as the local backend
 * does unless told to keep them) replaces them at once: a stop the scheduler itself made is not
 * flapping.
 */
class CleanRestartTest {
  /** The tasks a closed backend stopped: they outlive it, as its sandboxes do. */
  private final Set<TaskId> stopped = new HashSet<>();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .scheduler(b -> b.backend(new StopsTasksOnClose(this.aurora.cluster(), stopped)));

  static JobConfig service(String key, int instances) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128).diskMb(16)).build();
  }

  @Test
  void tasksTheCloseStoppedAreReplacedAtOnceNotHeldBackAsFlapping() {
    JobConfig job = service("www-data/prod/web", 3);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10)); // running for 10 s: well inside the flapping threshold
    Set<TaskId> before = ids(aurora.running(job.key()));
    assertThat(before).hasSize(3);

    aurora.restartScheduler(); // close() stops the 3 tasks; the next start learns they were KILLED
    aurora.advance(Duration.ofSeconds(2));

    List<ScheduledTask> running = aurora.running(job.key());
    assertThat(running).hasSize(3);
    assertThat(ids(running)).doesNotContainAnyElementsOf(before);
    assertThat(running).allSatisfy(t -> assertThat(t.flapCount()).isZero());
    assertThat(aurora.tasks(job.key())).noneMatch(t -> t.status() == ScheduleStatus.THROTTLED);
  }

  private static Set<TaskId> ids(List<ScheduledTask> tasks) {
    Set<TaskId> ids = new HashSet<>();
    tasks.forEach(t -> ids.add(t.id()));
    return ids;
  }

  /**
   * A simulated cluster whose close() stops every task, which the next start's reconciliation reports
   * KILLED, as the local backend does.
   */
  private static final class StopsTasksOnClose extends ForwardingClusterBackend {
    private final SimulatedCluster cluster;
    private final Set<TaskId> stopped;
    private BackendListener listener;

    StopsTasksOnClose(SimulatedCluster cluster, Set<TaskId> stopped) {
      this.cluster = cluster;
      this.stopped = stopped;
    }

    @Override
    public void start(BackendListener listener) {
      this.listener = listener;
      cluster.start(listener);
    }

    @Override
    protected ClusterBackend delegate() {
      return cluster;
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      Set<TaskId> rest = new HashSet<>(known);
      for (TaskId id : known) {
        if (stopped.remove(id)) {
          rest.remove(id);
          listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.KILLED, "killed: the backend closed"));
        }
      }
      cluster.reconcile(rest);
    }

    @Override
    public void close() {
      for (TaskId id : Set.copyOf(cluster.runningTasks())) {
        stopped.add(id);
        cluster.killTask(id); // reported to a scheduler that has closed: it never hears of it
      }
      cluster.close();
    }
  }
}
