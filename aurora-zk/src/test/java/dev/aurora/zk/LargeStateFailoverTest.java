package dev.aurora.zk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskEvent;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * Failover with 100,000 tasks stored in ZooKeeper: when the leader's session expires the other
 * scheduler takes over with every task (how fast is the benchmark's to measure: ZkBenchmark).
 */
class LargeStateFailoverTest {
  private static final int TASKS = 100_000;
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  /** Generous: the test asserts that failover happens with this state, not how fast (a shared CI machine). */
  private static final Duration PATIENCE = Duration.ofMinutes(3);

  private static List<Op> state() {
    List<Op> ops = new ArrayList<>();
    for (int a = 0; a < 1_000; a++) {
      ops.add(new Op.SaveAgent("agent-" + a, "host-" + a, Map.of()));
    }
    for (int j = 0; j < TASKS / 1_000; j++) {
      JobConfig job = Job.service("role/prod/job" + j).instances(1_000)
          .task(t -> t.process("server", "./server").cpus(0.1).ramMb(64).diskMb(16)).build();
      ops.add(new Op.SaveJob(job));
      for (int i = 0; i < 1_000; i++) {
        int a = (j * 1_000 + i) % 1_000;
        ops.add(new Op.SaveTask(ScheduledTask.restore(TaskId.of("job" + j + "-" + i), job.key(), i, job.task(),
            ScheduleStatus.RUNNING, "agent-" + a, "host-" + a, Map.of(), List.of(new TaskEvent(T0, ScheduleStatus.PENDING, ""),
            new TaskEvent(T0.plusSeconds(3), ScheduleStatus.RUNNING, "")), 0, 0, null)));
      }
    }
    return ops;
  }

  @Test
  void aStandbyTakesOverAHundredThousandTasksWhenTheLeadersSessionExpires() throws Exception {
    try (TestingServer server = new TestingServer(true)) {
      try (ZooKeeperConnection seed = ZooKeeperConnection.builder(server.getConnectString()).connect()) {
        ZkStorage s = ZkStorage.builder(seed).path("/large/state").build();
        s.recover();
        s.snapshot(state());
      }
      AllRunning cluster = new AllRunning();
      List<ZooKeeperConnection> zks = new ArrayList<>();
      List<Scheduler> schedulers = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          ZooKeeperConnection zk = ZooKeeperConnection.builder(server.getConnectString())
              .sessionTimeout(Duration.ofSeconds(4)).connect();
          ZkLeaderElection e = ZkLeaderElection.builder(zk).path("/large/leader").address("s" + i).build();
          Scheduler s = Scheduler.builder().backend(cluster)
              .storage(ZkStorage.builder(zk).path("/large/state").fencedBy(e).build()).leaderElection(e).build();
          zks.add(zk);
          schedulers.add(s);
        }
        schedulers.get(0).start();
        HaRig.await("the first scheduler leads", PATIENCE, () -> serving(schedulers.get(0)));
        schedulers.get(1).start();

        KillSession.kill(zks.get(0).curator().getZookeeperClient().getZooKeeper());

        HaRig.await("the standby leads with every task", PATIENCE, () -> serving(schedulers.get(1)));
        assertThat(schedulers.get(1).tasks(TaskQuery.all())).hasSize(TASKS)
            .allMatch(t -> t.status() == ScheduleStatus.RUNNING);
        assertThat(cluster.launched.get()).as("nothing launched twice").isZero();
      } finally {
        schedulers.forEach(Scheduler::close);
        zks.forEach(ZooKeeperConnection::close);
      }
    }
  }

  private static boolean serving(Scheduler s) {
    try {
      return s.isLeader() && s.jobs().size() == TASKS / 1_000;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A backend on which every task the scheduler knows runs; it offers nothing. */
  private static final class AllRunning implements ClusterBackend {
    private volatile BackendListener listener;
    final AtomicInteger launched = new AtomicInteger();

    @Override
    public void start(BackendListener l) {
      listener = l;
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      launched.addAndGet(tasks.size());
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {}

    @Override
    public void kill(TaskId taskId) {}

    @Override
    public void reconcile(Set<TaskId> known) {
      for (TaskId id : known) {
        listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.RUNNING, "reconciliation"));
      }
    }

    @Override
    public void close() {}
  }
}
