package dev.aurora.samples;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.SimulatedCluster;
import dev.aurora.zk.ZkLeaderElection;
import dev.aurora.zk.ZkStorage;
import dev.aurora.zk.ZooKeeperConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;

/**
 * Two schedulers in high-availability mode: each has its own ZooKeeper session, a {@link
 * ZkLeaderElection} and a {@link ZkStorage} fenced by it, over one in-process ZooKeeper (curator-test's
 * TestingServer) and one cluster. The leader runs a service of 5 instances; then it is killed (its
 * ZooKeeper session expires, as when its machine dies) and the other scheduler takes over: it recovers
 * the state from ZooKeeper, adopts the running tasks, and schedules again.
 *
 * <p>Tasks run on the testkit's simulated cluster, which both schedulers can reach: the local backend
 * runs processes of one machine, which is exactly what a standby on another machine cannot adopt. With
 * Mesos both schedulers would talk to the same master.
 *
 * <pre>
 * mvn -B -q -pl samples -am compile exec:java -Dsample=dev.aurora.samples.HaFailover
 * </pre>
 */
public final class HaFailover {
  private static final Principal USER = Principal.of("ha-sample");
  private static final long T0 = System.nanoTime();

  private HaFailover() {}

  /** Runs the sample. */
  public static void main(String[] args) throws Exception {
    StateLoop clusterLoop = StateLoop.singleThread(Clock.systemUTC());
    clusterLoop.start();
    SimulatedCluster cluster = SimulatedCluster.builder(clusterLoop).agents(4)
        .delays(Duration.ofMillis(50), Duration.ofMillis(50)).build();
    JobConfig web = Job.service("www-data/prod/web").instances(5)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128).diskMb(16)).build();

    try (TestingServer zkServer = new TestingServer(true)) {
      say("ZooKeeper runs in this JVM at " + zkServer.getConnectString());
      List<ZooKeeperConnection> connections = new ArrayList<>();
      List<Scheduler> schedulers = new ArrayList<>();
      for (String address : List.of("scheduler-a:8081", "scheduler-b:8081")) {
        ZooKeeperConnection zk = ZooKeeperConnection.builder(zkServer.getConnectString())
            .sessionTimeout(Duration.ofSeconds(4)).namespace("aurora/sample").connect();
        ZkLeaderElection election = ZkLeaderElection.builder(zk).path("/leader").address(address).build();
        Scheduler scheduler = Scheduler.builder()
            .backend(new OnLoop(cluster, clusterLoop))
            .storage(ZkStorage.builder(zk).path("/state").fencedBy(election).build())
            .leaderElection(election)
            .build();
        scheduler.start(); // joins the election; the one elected recovers and schedules
        connections.add(zk);
        schedulers.add(scheduler);
      }
      try {
        int leader = awaitLeader(schedulers, -1);
        Scheduler first = schedulers.get(leader);
        Scheduler other = schedulers.get(1 - leader);
        say(first.leader().orElseThrow() + " leads; the other one says the leader is " + other.leader().orElse("?"));
        first.createJob(web, USER);
        first.whenHealthy(web.key(), 5).get(30, TimeUnit.SECONDS);
        Set<TaskId> before = running(first, web);
        say("5 instances run: " + before.stream().map(TaskId::value).sorted().toList());
        try {
          other.jobs();
        } catch (dev.aurora.core.NotLeaderException e) {
          say("asking the standby: " + e.getMessage());
        }

        say("killing the leader: its ZooKeeper session expires");
        long killed = System.nanoTime();
        KillSession.kill(connections.get(leader).curator().getZookeeperClient().getZooKeeper());
        schedulers.get(leader).close();
        int next = awaitLeader(schedulers, leader);
        Scheduler now = schedulers.get(next);
        say(String.format("%s took over in %d ms: recovered %d job(s), %d running tasks, the same ones: %s",
            now.leader().orElseThrow(), (System.nanoTime() - killed) / 1_000_000, now.jobs().size(),
            running(now, web).size(), running(now, web).equals(before)));

        TaskId victim = before.iterator().next();
        onLoop(clusterLoop, () -> cluster.killTask(victim));
        say("killed task " + victim.value() + " on the cluster; the new leader replaces it");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (running(now, web).contains(victim) || running(now, web).size() < 5) {
          if (System.nanoTime() > until) {
            throw new IllegalStateException("the new leader did not replace the task within 60 s");
          }
          Thread.sleep(50);
        }
        Set<TaskId> after = running(now, web);
        say("5 instances run again: " + after.stream().map(TaskId::value).sorted().toList());
      } finally {
        schedulers.forEach(Scheduler::close);
        connections.forEach(ZooKeeperConnection::close);
      }
    } finally {
      clusterLoop.stop();
    }
    say("done");
  }

  private static Set<TaskId> running(Scheduler s, JobConfig job) {
    return s.tasks(TaskQuery.job(job.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING)
        .map(ScheduledTask::id).collect(Collectors.toSet());
  }

  /** The index of the scheduler (other than {@code not}) that leads and answers, within 60 s. */
  private static int awaitLeader(List<Scheduler> schedulers, int not) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < until) {
      for (int i = 0; i < schedulers.size(); i++) {
        if (i != not && schedulers.get(i).isLeader()) {
          try {
            schedulers.get(i).jobs();
            return i;
          } catch (RuntimeException e) {
            // elected, still recovering
          }
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no scheduler leads after 60 s");
  }

  private static void onLoop(StateLoop loop, Runnable r) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      r.run();
      done.complete(null);
    });
    done.get(10, TimeUnit.SECONDS);
  }

  private static void say(String s) {
    System.out.printf("[%5.1fs] %s%n", (System.nanoTime() - T0) / 1e9, s);
  }

  /** The simulated cluster, every call made on its own loop (it is single-threaded). */
  private record OnLoop(SimulatedCluster cluster, StateLoop loop) implements ClusterBackend {
    @Override
    public void start(BackendListener listener) {
      loop.execute(() -> cluster.start(listener));
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      loop.execute(() -> cluster.launch(offerIds, tasks));
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      loop.execute(() -> cluster.decline(offerId, refuseFor));
    }

    @Override
    public void kill(TaskId taskId) {
      loop.execute(() -> cluster.kill(taskId));
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      Set<TaskId> copy = Set.copyOf(known);
      loop.execute(() -> cluster.reconcile(copy));
    }

    @Override
    public void close() {} // the cluster outlives each scheduler, as a Mesos cluster does
  }
}
