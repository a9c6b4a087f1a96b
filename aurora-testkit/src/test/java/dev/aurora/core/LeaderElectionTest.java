package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualLeaderElection;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several schedulers over one storage and one cluster, of which only the elected leader schedules: it
 * recovers and reconciles when elected, stops at once when deposed (tasks keep running), and may lead
 * again later.
 */
class LeaderElectionTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(4).build();
  private final Storage storage = Storage.inMemory();
  private final ManualLeaderElection election = ManualLeaderElection.group();
  private final List<Scheduler> schedulers = new ArrayList<>();
  private final JobConfig job = Job.service("www-data/prod/web").instances(3)
      .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128).diskMb(16)).build();

  private Scheduler scheduler(String address, Storage over) {
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).storage(Failover.keepOpen(over))
        .clock(clock).loop(loop).randomSeed(schedulers.size())
        .leaderElection(election.participant(address)).build();
    schedulers.add(s);
    s.start();
    loop.runUntilIdle();
    return s;
  }

  private Scheduler scheduler(String address) {
    return scheduler(address, storage);
  }

  @AfterEach
  void close() {
    schedulers.forEach(Scheduler::close);
    storage.close();
  }

  private void advance(Duration d) {
    loop.advance(d);
    loop.runUntilIdle();
  }

  private List<ScheduledTask> running(Scheduler s) {
    return s.tasks(TaskQuery.job(job.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING).toList();
  }

  /** Every instance runs at most one task on the cluster. */
  private void assertNoInstanceRunsTwice() {
    Map<Integer, Long> perInstance = cluster.runningTasks().stream()
        .collect(Collectors.groupingBy(id -> cluster.launchOf(id).orElseThrow().instance().instance(),
            Collectors.counting()));
    assertThat(perInstance.values()).allMatch(n -> n == 1);
  }

  /**
   * A scheduler just elected recovers and starts its term's scheduler before it leads: a call meanwhile
   * is refused as not-leader (a caller retries it), never with "scheduler is not started" (CI saw that
   * error from a ZooKeeper-elected leader).
   */
  @Test
  void aSchedulerStillStartingItsTermDoesNotLeadYetAndRefusesCallsAsNotLeader() {
    java.util.concurrent.atomic.AtomicReference<Scheduler> self = new java.util.concurrent.atomic.AtomicReference<>();
    List<Object> seenWhileStarting = new ArrayList<>();
    ClusterBackend cluster = Failover.keepRunning(this.cluster);
    ClusterBackend probing = new ForwardingClusterBackend() {
      @Override
      protected ClusterBackend delegate() {
        return cluster;
      }

      @Override
      public void start(BackendListener listener) {
        Scheduler s = self.get();
        if (s != null) {
          seenWhileStarting.add(s.isLeader());
          try {
            s.createJob(job, TEST_PRINCIPAL);
            seenWhileStarting.add("created");
          } catch (RuntimeException e) {
            seenWhileStarting.add(e.getClass());
          }
        }
        super.start(listener);
      }
    };
    Scheduler a = Scheduler.builder().backend(probing).storage(Failover.keepOpen(storage)).clock(clock).loop(loop)
        .leaderElection(election.participant("a:8081")).build();
    schedulers.add(a);
    self.set(a);
    a.start();
    loop.runUntilIdle();

    assertThat(seenWhileStarting).containsExactly(false, NotLeaderException.class);
    assertThat(a.isLeader()).isTrue();
    a.createJob(job, TEST_PRINCIPAL);
    assertThat(a.job(job.key())).isPresent();
  }

  @Test
  void onlyTheLeaderSchedulesAndAFollowerNamesTheLeader() {
    Scheduler a = scheduler("a:8081");
    Scheduler b = scheduler("b:8081");
    a.createJob(job, TEST_PRINCIPAL);
    advance(Duration.ofSeconds(5));

    assertThat(running(a)).hasSize(3);
    assertThat(a.isLeader()).isTrue();
    assertThat(b.isLeader()).isFalse();
    assertThat(b.leader()).contains("a:8081");
    assertThatThrownBy(() -> b.createJob(job, TEST_PRINCIPAL)).isInstanceOf(NotLeaderException.class)
        .hasMessageContaining("the leader is a:8081")
        .satisfies(e -> assertThat(((NotLeaderException) e).leader()).contains("a:8081"));
    assertThatThrownBy(() -> b.jobs()).isInstanceOf(NotLeaderException.class);
  }

  @Test
  void aNewLeaderRecoversReconcilesAndSchedulesWhileTheTasksKeepRunning() {
    Scheduler a = scheduler("a:8081");
    Scheduler b = scheduler("b:8081");
    a.createJob(job, TEST_PRINCIPAL);
    advance(Duration.ofSeconds(5));
    Set<TaskId> before = cluster.runningTasks();
    assertThat(before).hasSize(3);

    election.elect(1);
    loop.runUntilIdle();

    assertThat(a.isLeader()).isFalse();
    assertThatThrownBy(() -> a.tasks(TaskQuery.job(job.key()))).isInstanceOf(NotLeaderException.class)
        .hasMessageContaining("b:8081");
    assertThat(b.isLeader()).isTrue();
    assertThat(running(b)).extracting(ScheduledTask::id).containsExactlyInAnyOrderElementsOf(before);
    assertThat(cluster.runningTasks()).isEqualTo(before);

    TaskId victim = before.iterator().next();
    cluster.killTask(victim);
    b.addInstances(job.key(), 1, TEST_PRINCIPAL);
    advance(Duration.ofMinutes(1)); // the killed instance flapped: replaced after its penalty
    assertThat(running(b)).hasSize(4).extracting(ScheduledTask::id).doesNotContain(victim);
    assertThat(cluster.runningTasks()).hasSize(4);
    assertNoInstanceRunsTwice();
  }

  @Test
  void aDeposedSchedulerStopsSchedulingAtOnceKeepsTasksAndCanLeadAgain() {
    Scheduler a = scheduler("a:8081");
    a.createJob(job, TEST_PRINCIPAL);
    advance(Duration.ofSeconds(5));
    Set<TaskId> before = cluster.runningTasks();

    election.depose(); // as when its session is lost: nobody leads for a while
    TaskId victim = before.iterator().next();
    cluster.killTask(victim);
    advance(Duration.ofMinutes(1));

    assertThat(cluster.runningTasks()).hasSize(2).isSubsetOf(before); // nothing replaced, nothing killed
    assertThat(a.isLeader()).isFalse();
    assertThat(a.leader()).isEmpty();
    assertThatThrownBy(() -> a.createJob(job, TEST_PRINCIPAL)).isInstanceOf(NotLeaderException.class)
        .hasMessageContaining("no leader is known");

    election.elect(0);
    advance(Duration.ofMinutes(1));
    assertThat(a.isLeader()).isTrue();
    assertThat(running(a)).hasSize(3).extracting(ScheduledTask::id).doesNotContain(victim);
    assertNoInstanceRunsTwice();
  }

  @Test
  void aLeaderWhoseStorageFailsHandsLeadershipToAnother() {
    FailingStorage aStorage = new FailingStorage(storage);
    Scheduler a = scheduler("a:8081", aStorage);
    Scheduler b = scheduler("b:8081");
    a.createJob(job, TEST_PRINCIPAL);
    advance(Duration.ofSeconds(5));
    Set<TaskId> before = cluster.runningTasks();

    aStorage.failing = true; // e.g. its writes are fenced: another leader was elected meanwhile
    TaskId victim = before.iterator().next();
    cluster.killTask(victim);
    advance(Duration.ofMinutes(1));

    assertThat(a.isLeader()).isFalse();
    assertThat(b.isLeader()).isTrue();
    assertThat(running(b)).hasSize(3).extracting(ScheduledTask::id).doesNotContain(victim);
    assertNoInstanceRunsTwice();
  }

  @Test
  void aSchedulerWithoutAnElectionLeadsAlone() {
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).clock(clock).loop(loop).build();
    schedulers.add(s);
    s.start();
    assertThat(s.isLeader()).isTrue();
    assertThat(s.leader()).isEmpty();
  }

  @Test
  void aSingleNodeElectionLeadsFromStartAndNamesItsAddress() {
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).clock(clock).loop(loop)
        .leaderElection(LeaderElection.singleNode("me:8081")).build();
    schedulers.add(s);
    s.start();
    s.createJob(job, TEST_PRINCIPAL);
    advance(Duration.ofSeconds(5));
    assertThat(s.isLeader()).isTrue();
    assertThat(s.leader()).isEqualTo(Optional.of("me:8081"));
    assertThat(running(s)).hasSize(3);
  }

  /** Storage whose appends fail once told to. */
  private static final class FailingStorage implements Storage {
    private final Storage storage;
    volatile boolean failing;

    FailingStorage(Storage storage) {
      this.storage = storage;
    }

    @Override
    public Stored recover() {
      return storage.recover();
    }

    @Override
    public void append(List<Op> ops) {
      if (failing) {
        throw new StorageException("fenced: not the leader");
      }
      storage.append(ops);
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      storage.snapshot(snapshot);
    }

    @Override
    public void close() {}
  }
}
