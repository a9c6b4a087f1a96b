package dev.aurora.zk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.NotLeaderException;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Schedulers in HA mode over one simulated cluster and a real ZooKeeper: each has its own ZooKeeper
 * session, a {@link ZkLeaderElection} and a {@link ZkStorage} fenced by it. The simulated cluster
 * runs on a loop of its own; every call to it goes through that loop.
 */
final class HaRig implements AutoCloseable {
  static final Duration PATIENCE = Duration.ofSeconds(45);

  final StateLoop clusterLoop = StateLoop.singleThread(Clock.systemUTC());
  final SimulatedCluster cluster = SimulatedCluster.builder(clusterLoop).agents(4)
      .delays(Duration.ofMillis(20), Duration.ofMillis(20)).build();
  final List<Node> nodes = new ArrayList<>();
  final String path;

  /** One scheduler and its ZooKeeper parts. */
  record Node(String address, ZooKeeperConnection zk, ZkLeaderElection election, ZkStorage storage,
      Scheduler scheduler) {}

  HaRig(String path) {
    this.path = path;
    clusterLoop.start();
  }

  /** Adds and starts a scheduler connecting to {@code connectString}. */
  Node add(String connectString, Duration sessionTimeout) {
    return add(connectString, sessionTimeout, true);
  }

  /** {@link #add(String, Duration)}; {@code followEnsemble} false keeps a client on proxies it was given. */
  Node add(String connectString, Duration sessionTimeout, boolean followEnsemble) {
    return add(ZooKeeperConnection.builder(connectString).sessionTimeout(sessionTimeout)
        .connectTimeout(Duration.ofSeconds(20)).followEnsembleChanges(followEnsemble).connect());
  }

  /** Adds and starts a scheduler on {@code zk} (closed with the rig). */
  Node add(ZooKeeperConnection zk) {
    String address = "scheduler-" + nodes.size() + ":8081";
    ZkLeaderElection election = ZkLeaderElection.builder(zk).path(path + "/leader").address(address).build();
    ZkStorage storage = ZkStorage.builder(zk).path(path + "/state").fencedBy(election).build();
    Scheduler scheduler = Scheduler.builder().backend(Failover.keepRunning(new OnLoop()))
        .storage(storage).leaderElection(election).snapshotEvery(40).build();
    Node n = new Node(address, zk, election, storage, scheduler);
    nodes.add(n);
    scheduler.start();
    return n;
  }

  static JobConfig service(String key, int instances) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.25).ramMb(64).diskMb(16)).build();
  }

  /** The node that leads now, if exactly one does. */
  Optional<Node> leader() {
    List<Node> leading = nodes.stream().filter(n -> n.scheduler().isLeader()).toList();
    return leading.size() == 1 ? Optional.of(leading.get(0)) : Optional.empty();
  }

  /** Waits for one leader that schedules (answers reads), other than those in {@code not}. */
  Node awaitLeader(Node... not) {
    Set<Node> excluded = Set.of(not);
    Node[] found = new Node[1];
    await("a leader that schedules" + (not.length == 0 ? "" : " other than " + excluded.stream()
        .map(Node::address).toList()), () -> {
          Optional<Node> l = leader();
          if (l.isEmpty() || excluded.contains(l.get())) {
            return false;
          }
          try {
            l.get().scheduler().jobs();
            found[0] = l.get();
            return true;
          } catch (RuntimeException e) {
            return false; // elected, still recovering, or deposed again meanwhile
          }
        });
    return found[0];
  }

  /** Waits for {@code count} RUNNING tasks of the job, as the current leader reports them. */
  List<ScheduledTask> awaitRunning(JobConfig job, int count) {
    return awaitRunning(job, count, Set.of());
  }

  /** {@link #awaitRunning(JobConfig, int)}, none of them one of {@code gone}. */
  List<ScheduledTask> awaitRunning(JobConfig job, int count, Set<TaskId> gone) {
    List<List<ScheduledTask>> seen = new ArrayList<>(List.of(List.of()));
    await(count + " running tasks of " + job.key(), () -> {
      Optional<Node> l = leader();
      if (l.isEmpty()) {
        return false;
      }
      try {
        List<ScheduledTask> running = l.get().scheduler().tasks(TaskQuery.job(job.key())).stream()
            .filter(t -> t.status() == ScheduleStatus.RUNNING).toList();
        seen.set(0, running);
        return running.size() == count && running.stream().noneMatch(t -> gone.contains(t.id()));
      } catch (RuntimeException e) {
        return false;
      }
    });
    return seen.get(0);
  }

  /**
   * Runs {@code op} on whichever scheduler leads, retrying (within {@link #PATIENCE}) while leadership
   * moves: a {@link NotLeaderException} means the operation did not run.
   */
  <T> T onLeader(java.util.function.Function<Scheduler, T> op) {
    Object[] result = new Object[1];
    await("an operation on the leader", () -> {
      Optional<Node> l = leader();
      if (l.isEmpty()) {
        return false;
      }
      try {
        result[0] = op.apply(l.get().scheduler());
        return true;
      } catch (NotLeaderException e) {
        return false;
      }
    });
    @SuppressWarnings("unchecked")
    T t = (T) result[0];
    return t;
  }

  /** What runs on the cluster. */
  Set<TaskId> runningOnCluster() {
    return onCluster(() -> Set.copyOf(cluster.runningTasks()));
  }

  /** Every instance runs at most one task on the cluster. */
  void assertNoInstanceRunsTwice() {
    Map<String, Long> perInstance = onCluster(() -> cluster.runningTasks().stream()
        .collect(Collectors.groupingBy(id -> cluster.launchOf(id).orElseThrow().instance().toString(),
            Collectors.counting())));
    assertThat(perInstance).allSatisfy((instance, n) -> assertThat(n).as(instance).isEqualTo(1L));
  }

  void killOnCluster(TaskId id) {
    onCluster(() -> {
      cluster.killTask(id);
      return null;
    });
  }

  <T> T onCluster(Supplier<T> read) {
    CompletableFuture<T> f = new CompletableFuture<>();
    clusterLoop.execute(() -> {
      try {
        f.complete(read.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for {@code condition}, at most {@link #PATIENCE}, checking every 20 ms. */
  static void await(String what, BooleanSupplier condition) {
    await(what, PATIENCE, condition);
  }

  /** Waits for {@code condition}, at most {@code patience}, checking every 20 ms. */
  static void await(String what, Duration patience, BooleanSupplier condition) {
    long deadline = System.nanoTime() + patience.toNanos();
    Object lock = new Object();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within " + patience).isLessThan(deadline);
      synchronized (lock) {
        try {
          lock.wait(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.scheduler().close();
      n.zk().close();
    }
    clusterLoop.stop();
  }

  /** The simulated cluster, every call made on its loop. */
  private final class OnLoop implements ClusterBackend {
    @Override
    public void start(BackendListener listener) {
      clusterLoop.execute(() -> cluster.start(listener));
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      clusterLoop.execute(() -> cluster.launch(offerIds, tasks));
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      clusterLoop.execute(() -> cluster.decline(offerId, refuseFor));
    }

    @Override
    public void kill(TaskId taskId) {
      clusterLoop.execute(() -> cluster.kill(taskId));
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      Set<TaskId> copy = Set.copyOf(known);
      clusterLoop.execute(() -> cluster.reconcile(copy));
    }

    @Override
    public void close() {}
  }
}
