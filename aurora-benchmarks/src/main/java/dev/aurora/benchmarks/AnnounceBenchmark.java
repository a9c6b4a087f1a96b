package dev.aurora.benchmarks;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import dev.aurora.zk.ServerSetAnnouncer;
import dev.aurora.zk.ServerSetWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;

/**
 * Announcement throughput: how many ServerSet members per second {@link ServerSetAnnouncer} writes when
 * 1,000 tasks (the default) turn healthy at once, and how many it removes per second when they turn
 * unhealthy. The scheduler runs on the simulated cluster (so the scheduler costs little and ZooKeeper's
 * writes dominate); the members are counted by a {@link ServerSetWatcher} on a second ZooKeeper session, so
 * a round ends when a client sees every member.
 *
 * <pre>
 * mvn -o -B -q -pl aurora-benchmarks -am package -DskipTests
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.AnnounceBenchmark                 # in-process ZooKeeper
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.AnnounceBenchmark --zk=host:2181 --tasks=1000 --rounds=5
 * </pre>
 *
 * <p>Each round: every task turns healthy (the clock starts before the scheduler takes in the health reports), until
 * the watcher sees all members; then every task turns unhealthy, until it sees none. Prints each round and
 * the median.
 */
public final class AnnounceBenchmark {
  private AnnounceBenchmark() {}

  public static void main(String[] args) throws Exception {
    String zkConnect = arg(args, "--zk", "");
    int tasks = Integer.parseInt(arg(args, "--tasks", "1000"));
    int rounds = Integer.parseInt(arg(args, "--rounds", "5"));
    TestingServer server = zkConnect.isEmpty() ? new TestingServer(true) : null;
    String connect = server != null ? server.getConnectString() : zkConnect;
    System.out.printf(Locale.ROOT, "AnnounceBenchmark: %d tasks, %d rounds, ZooKeeper %s%s%n", tasks, rounds, connect,
        server != null ? " (in-process curator-test TestingServer)" : "");
    FakeClock clock = FakeClock.startingAtEpoch2026();
    ManualStateLoop loop = new ManualStateLoop(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(Math.max(1, tasks / 20)).build();
    JobConfig job = Job.service("bench/prod/announced").instances(tasks)
        .task(t -> t.process("server", "./serve --port {{port.http}}").cpus(0.1).ramMb(64).port("http", "admin")
            .healthCheck(HealthCheck.http("admin", "/health")))
        .announce("http", "/aurora")
        .build();
    cluster.behave(job.key(), SimulatedCluster.TaskBehavior.unhealthy());
    try (CuratorFramework zk = client(connect); CuratorFramework reader = client(connect);
         Scheduler scheduler = Scheduler.builder().backend(cluster).storage(Storage.inMemory()).clock(clock).loop(loop)
             .build()) {
      zk.delete().quietly().deletingChildrenIfNeeded().forPath("/aurora/bench");
      scheduler.start();
      loop.runUntilIdle();
      scheduler.createJob(job, Principal.of("bench"));
      for (int i = 0; i < 60 && scheduler.tasks(TaskQuery.job(job.key()).states(ScheduleStatus.RUNNING)).size() < tasks; i++) {
        loop.advance(Duration.ofSeconds(1));
      }
      List<ScheduledTask> running = scheduler.tasks(TaskQuery.job(job.key()).states(ScheduleStatus.RUNNING));
      if (running.size() != tasks) {
        throw new IllegalStateException("only " + running.size() + " of " + tasks + " tasks running");
      }
      List<Double> up = new ArrayList<>();
      List<Double> down = new ArrayList<>();
      try (ServerSetAnnouncer announcer = ServerSetAnnouncer.start(scheduler, zk);
           ServerSetWatcher watcher = ServerSetWatcher.watch(reader, ServerSetAnnouncer.serverSetPath(job.key(),
               job.task().announce().orElseThrow()))) {
        watcher.awaitInitialized(Duration.ofSeconds(30));
        for (int r = 1; r <= rounds; r++) {
          long f0 = System.nanoTime();
          double upRate = flip(cluster, loop, running, true, () -> {
            announcer.flush().get(5, TimeUnit.MINUTES);
            System.out.printf(Locale.ROOT, "  written (flush) after %.3f s%n", (System.nanoTime() - f0) / 1e9);
            watcher.await(m -> m.size() == tasks, Duration.ofMinutes(5));
          });
          double downRate = flip(cluster, loop, running, false, () -> watcher.await(List::isEmpty,
              Duration.ofMinutes(5)));
          up.add(upRate);
          down.add(downRate);
          System.out.printf(Locale.ROOT, "round %d: %,.0f members written/s, %,.0f removed/s%n", r, upRate, downRate);
        }
        if (announcer.announcedCount() != 0) {
          throw new IllegalStateException("members left: " + announcer.announcedCount());
        }
      }
      System.out.printf(Locale.ROOT, "median: %,.0f members written/s, %,.0f removed/s (%d tasks turning healthy"
          + " / unhealthy at once)%n", median(up), median(down), tasks);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  interface Await {
    void run() throws Exception;
  }

  /** Turns every task healthy (or not), and returns members per second until the watcher sees the result. */
  private static double flip(SimulatedCluster cluster, ManualStateLoop loop, List<ScheduledTask> tasks, boolean healthy,
      Await done) throws Exception {
    for (ScheduledTask t : tasks) {
      cluster.setHealthy(t.id(), healthy);
    }
    long t0 = System.nanoTime();
    loop.runUntilIdle();
    done.run();
    double seconds = (System.nanoTime() - t0) / 1e9;
    return tasks.size() / seconds;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.newClient(connect, new ExponentialBackoffRetry(200, 5));
    c.start();
    if (!c.blockUntilConnected(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no ZooKeeper at " + connect);
    }
    return c;
  }

  private static String arg(String[] args, String name, String otherwise) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return a.substring(name.length() + 1);
      }
    }
    return otherwise;
  }
}
