package dev.aurora.benchmarks;

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
import dev.aurora.core.TaskStatus;
import dev.aurora.zk.ZkLeaderElection;
import dev.aurora.zk.ZkStorage;
import dev.aurora.zk.ZooKeeperConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;

/**
 * Measures {@link ZkStorage} and failover on a real ZooKeeper (not JMH: each figure is one timed run
 * of a few seconds, repeated):
 *
 * <ol>
 *   <li>durable appends per second, one transaction per batch (group commit), at 1, 10 and 100 ops a
 *       batch;
 *   <li>the time to write a snapshot of N tasks, its compressed size, and the time to recover it (and a
 *       log of 10,000 batches after it) in a new storage;
 *   <li>failover with N tasks stored: two schedulers, the leader's session is expired, and the time
 *       until the other one leads and answers (recovered, reconciled, scheduling).
 * </ol>
 *
 * <pre>
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.ZkBenchmark [connect-string|embedded] [tasks]
 * </pre>
 *
 * With {@code embedded} (the default) it starts curator-test's in-process server with its data in a
 * temporary directory; give a connect string to measure a real ensemble (it writes under
 * {@code /aurora-benchmark-<time>}).
 */
public final class ZkBenchmark {
  private ZkBenchmark() {}

  public static void main(String[] args) throws Exception {
    String target = args.length > 0 ? args[0] : "embedded";
    int tasks = args.length > 1 ? Integer.parseInt(args[1].replace("_", "")) : 100_000;
    TestingServer embedded = target.equals("embedded") ? new TestingServer(true) : null;
    String connect = embedded != null ? embedded.getConnectString() : target;
    String root = "/aurora-benchmark-" + System.currentTimeMillis();
    System.out.printf("ZooKeeper: %s (%s); %,d tasks%n", connect, embedded != null ? "curator-test in-process" : "given",
        tasks);
    try (ZooKeeperConnection zk = ZooKeeperConnection.builder(connect).sessionTimeout(Duration.ofSeconds(10)).connect()) {
      appends(zk, root + "/appends");
      snapshotAndRecovery(zk, root + "/recovery", tasks);
      failover(connect, root + "/failover", tasks);
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  // ------------------------------------------------------------------ the state

  static JobConfig job(int j, int instances) {
    return Job.service("role" + (j % 10) + "/prod/job" + j).instances(instances)
        .task(t -> t.process("server", "./server --port {{port.http}} --shard {{instance}}").cpus(0.1).ramMb(64)
            .diskMb(16).port("http")).build();
  }

  /** A stored state of {@code tasks} RUNNING tasks: jobs of 1,000 instances, 100 tasks an agent. */
  static List<Op> state(int tasks) {
    List<Op> ops = new ArrayList<>();
    int perJob = 1_000;
    int agents = Math.max(1, tasks / 100);
    for (int a = 0; a < agents; a++) {
      ops.add(new Op.SaveAgent("agent-" + a, "host-" + a, Map.of("rack", "r" + (a % 20))));
    }
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int j = 0; j * perJob < tasks; j++) {
      int n = Math.min(perJob, tasks - j * perJob);
      JobConfig job = job(j, n);
      ops.add(new Op.SaveJob(job));
      for (int i = 0; i < n; i++) {
        int a = (j * perJob + i) % agents;
        ops.add(new Op.SaveTask(ScheduledTask.restore(TaskId.of(job.key().role() + "-prod-job" + j + "-" + i + "-abcdef"),
            job.key(), i, job.task(), ScheduleStatus.RUNNING, "agent-" + a, "host-" + a, Map.of("http", 31_000 + i % 1000),
            List.of(new TaskEvent(t0, ScheduleStatus.PENDING, ""), new TaskEvent(t0.plusSeconds(1), ScheduleStatus.ASSIGNED, ""),
                new TaskEvent(t0.plusSeconds(3), ScheduleStatus.RUNNING, "")), 0, 0, null)));
      }
    }
    return ops;
  }

  // ------------------------------------------------------------------ 1. appends

  static void appends(ZooKeeperConnection zk, String path) {
    List<Op> sample = state(100).subList(1, 101); // one job, 99 tasks
    for (int perBatch : new int[] {1, 10, 100}) {
      ZkStorage s = ZkStorage.builder(zk).path(path + "-" + perBatch).build();
      s.recover();
      List<Op> batch = new ArrayList<>(sample.subList(0, perBatch));
      long warm = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < warm) {
        s.append(batch);
      }
      int n = 0;
      long start = System.nanoTime();
      long end = start + Duration.ofSeconds(5).toNanos();
      while (System.nanoTime() < end) {
        s.append(batch);
        n++;
      }
      double secs = (System.nanoTime() - start) / 1e9;
      System.out.printf("append, %3d ops a batch: %,8.0f appends/s, %,9.0f ops/s (%.2f ms an append)%n", perBatch,
          n / secs, n * perBatch / secs, secs * 1000 / n);
      s.close();
    }
  }

  // ------------------------------------------------------------------ 2. snapshot and recovery

  static void snapshotAndRecovery(ZooKeeperConnection zk, String path, int tasks) throws Exception {
    List<Op> state = state(tasks);
    ZkStorage s = ZkStorage.builder(zk).path(path).build();
    s.recover();
    long c0 = cpuNanos();
    long t0 = System.nanoTime();
    s.snapshot(state);
    long t1 = System.nanoTime();
    long c1 = cpuNanos();
    long bytes = 0;
    List<String> gens = zk.curator().getChildren().forPath(path + "/snapshots");
    int chunks = 0;
    for (String g : gens) {
      for (String c : zk.curator().getChildren().forPath(path + "/snapshots/" + g)) {
        bytes += zk.curator().checkExists().forPath(path + "/snapshots/" + g + "/" + c).getDataLength();
        chunks++;
      }
    }
    System.out.printf("snapshot of %,d ops (%,d tasks): written in %.2f s (%.2f s of CPU), %,d bytes deflated in %d "
        + "chunks%n", state.size(), tasks, (t1 - t0) / 1e9, (c1 - c0) / 1e9, bytes, chunks);
    for (int run = 0; run < 3; run++) {
      ZkStorage fresh = ZkStorage.builder(zk).path(path).build();
      long rc = cpuNanos();
      long r0 = System.nanoTime();
      int n = fresh.recover().snapshot().size();
      System.out.printf("recover the snapshot (%,d ops), run %d: %.2f s (%.2f s of CPU)%n", n, run + 1,
          (System.nanoTime() - r0) / 1e9, (cpuNanos() - rc) / 1e9);
    }
    List<Op> one = state.subList(state.size() - 10, state.size());
    for (int i = 0; i < 1_000; i++) {
      s.append(one);
    }
    ZkStorage fresh = ZkStorage.builder(zk).path(path).build();
    long rc = cpuNanos();
    long r0 = System.nanoTime();
    int logged = fresh.recover().log().size();
    System.out.printf("recover the snapshot and a log of 1,000 batches (%,d ops): %.2f s (%.2f s of CPU)%n", logged,
        (System.nanoTime() - r0) / 1e9, (cpuNanos() - rc) / 1e9);
  }

  /**
   * The CPU time this process has used (every thread: the in-process server's and the GC's too), so a
   * run on a shared machine still tells how much work a step is when its wall time mostly waits for a core.
   */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  // ------------------------------------------------------------------ 3. failover

  static void failover(String connect, String path, int tasks) throws Exception {
    try (ZooKeeperConnection seed = ZooKeeperConnection.builder(connect).connect()) {
      ZkStorage s = ZkStorage.builder(seed).path(path + "/state").build();
      s.recover();
      s.snapshot(state(tasks));
    }
    AllRunning cluster = new AllRunning();
    List<ZooKeeperConnection> zks = new ArrayList<>();
    List<Scheduler> schedulers = new ArrayList<>();
    List<ZkLeaderElection> elections = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        ZooKeeperConnection zk = ZooKeeperConnection.builder(connect).sessionTimeout(Duration.ofSeconds(4)).connect();
        ZkLeaderElection e = ZkLeaderElection.builder(zk).path(path + "/leader").address("scheduler-" + i).build();
        Scheduler sch = Scheduler.builder().backend(cluster)
            .storage(ZkStorage.builder(zk).path(path + "/state").fencedBy(e).build())
            .leaderElection(e).build();
        zks.add(zk);
        elections.add(e);
        schedulers.add(sch);
      }
      long s0 = System.nanoTime();
      schedulers.get(0).start();
      int first = awaitServing(schedulers, -1);
      System.out.printf("first election with %,d tasks stored: leading and answering after %.2f s%n", tasks,
          (System.nanoTime() - s0) / 1e9);
      schedulers.get(1 - first).start();
      for (int run = 0; run < 3; run++) {
        int leader = awaitServing(schedulers, -1);
        long kc = cpuNanos();
        long k0 = System.nanoTime();
        KillSession.kill(zks.get(leader).curator().getZookeeperClient().getZooKeeper());
        int next = awaitServing(schedulers, leader);
        System.out.printf("failover %d with %,d tasks stored: scheduler-%d's session expired, scheduler-%d leads and "
            + "answers after %.2f s (%.2f s of CPU)%n", run + 1, tasks, leader, next, (System.nanoTime() - k0) / 1e9,
            (cpuNanos() - kc) / 1e9);
      }
    } finally {
      schedulers.forEach(Scheduler::close);
      zks.forEach(ZooKeeperConnection::close);
    }
  }

  /** Waits (at most 5 minutes) for one scheduler other than {@code not} to lead and answer a read. */
  private static int awaitServing(List<Scheduler> schedulers, int not) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < schedulers.size(); i++) {
        if (i != not && schedulers.get(i).isLeader()) {
          try {
            schedulers.get(i).jobs();
            return i;
          } catch (RuntimeException e) {
            // still recovering
          }
        }
      }
      Thread.sleep(5); // a benchmark's poll, not a test's wait
    }
    throw new IllegalStateException("no scheduler took over within 5 minutes");
  }

  /** A backend on which every task the scheduler knows runs: reconciliation reports them RUNNING. */
  private static final class AllRunning implements ClusterBackend {
    private volatile BackendListener listener;
    private final AtomicInteger launched = new AtomicInteger();

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
      BackendListener l = listener;
      for (TaskId id : known) {
        l.statusUpdate(TaskStatus.of(id, ScheduleStatus.RUNNING, "reconciliation"));
      }
    }

    @Override
    public void close() {}
  }
}
