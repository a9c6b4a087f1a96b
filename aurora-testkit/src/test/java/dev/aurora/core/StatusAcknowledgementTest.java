package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualLeaderElection;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backend that acknowledges statuses to its cluster manager (Mesos) learns when the scheduler has
 * stored a status, so that a crash between report and store never loses it.
 */
class StatusAcknowledgementTest {
  /** Storage that keeps every appended op and can refuse appends. */
  static final class RecordingStorage implements Storage {
    final Storage inner = Storage.inMemory();
    final List<Op> appended = new ArrayList<>();
    volatile boolean failing;

    @Override
    public Stored recover() {
      return inner.recover();
    }

    @Override
    public synchronized void append(List<Op> ops) {
      if (failing) {
        throw new StorageException("disk full");
      }
      inner.append(ops);
      appended.addAll(ops);
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      inner.snapshot(snapshot);
    }

    @Override
    public void close() {}

    synchronized boolean storedAs(TaskId id, ScheduleStatus status) {
      return appended.stream().anyMatch(op -> op instanceof Op.SaveTask s && s.task().id().equals(id)
          && s.task().status() == status
          || op instanceof Op.SaveTaskStatus c && c.id().equals(id) && c.status() == status);
    }
  }

  /** A simulated cluster that lets the test report to the scheduler's listener itself. */
  static final class ListenerCapture extends ForwardingClusterBackend {
    final SimulatedCluster cluster;
    volatile BackendListener listener;

    ListenerCapture(SimulatedCluster cluster) {
      this.cluster = cluster;
    }

    @Override
    protected ClusterBackend delegate() {
      return cluster;
    }

    @Override
    public void start(BackendListener l) {
      listener = l;
      cluster.start(l);
    }
  }

  final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  final RecordingStorage storage = new RecordingStorage();
  final ListenerCapture backend = new ListenerCapture(SimulatedCluster.builder(loop).agents(2).build());

  private TaskId runOneTask(Scheduler scheduler) {
    JobConfig job = Job.service("a/prod/acked").instances(1).task(t -> t.process("p", "./run").cpus(1).ramMb(64))
        .build();
    scheduler.createJob(job, TEST_PRINCIPAL);
    loop.advance(Duration.ofSeconds(5));
    ScheduledTask t = scheduler.tasks(TaskQuery.job(job.key())).get(0);
    assertThat(t.status()).isEqualTo(ScheduleStatus.RUNNING);
    return t.id();
  }

  @Test
  void aStatusIsAcknowledgedToTheBackendOnlyAfterItIsStored() {
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).loop(loop)
        .clock(loop.clock()).build()) {
      scheduler.start();
      loop.runUntilIdle();
      TaskId id = runOneTask(scheduler);
      List<Boolean> storedWhenAcknowledged = new ArrayList<>();

      backend.listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.FAILED, "exit 3"),
          () -> storedWhenAcknowledged.add(storage.storedAs(id, ScheduleStatus.FAILED)));
      loop.runUntilIdle();

      assertThat(storedWhenAcknowledged).containsExactly(true);
    }
  }

  @Test
  void aStatusTheSchedulerFailedToStoreIsNeverAcknowledged() {
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).loop(loop)
        .clock(loop.clock()).build()) {
      scheduler.start();
      loop.runUntilIdle();
      TaskId id = runOneTask(scheduler);
      List<String> acknowledged = new ArrayList<>();

      storage.failing = true;
      backend.listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.FAILED, "exit 3"), () -> acknowledged.add("ack"));
      loop.runUntilIdle();

      assertThat(acknowledged).isEmpty();
    }
  }

  @Test
  void underALeaderElectionAStatusIsAcknowledgedOnlyAfterItIsStored() {
    ManualLeaderElection election = ManualLeaderElection.group();
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).loop(loop)
        .clock(loop.clock()).leaderElection(election.participant("a:8081")).build()) {
      scheduler.start();
      election.elect(0);
      loop.runUntilIdle();
      TaskId id = runOneTask(scheduler);
      List<Boolean> storedWhenAcknowledged = new ArrayList<>();

      backend.listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.FAILED, "exit 3"),
          () -> storedWhenAcknowledged.add(storage.storedAs(id, ScheduleStatus.FAILED)));
      loop.runUntilIdle();

      assertThat(storedWhenAcknowledged).containsExactly(true);
    }
  }

  @Test
  void aDeposedSchedulerNeverAcknowledgesAStatusItDidNotStore() {
    ManualLeaderElection election = ManualLeaderElection.group();
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).loop(loop)
        .clock(loop.clock()).leaderElection(election.participant("a:8081")).build()) {
      scheduler.start();
      election.elect(0);
      loop.runUntilIdle();
      TaskId id = runOneTask(scheduler);
      BackendListener reportTo = backend.listener;
      List<String> acknowledged = new ArrayList<>();

      election.depose();
      loop.runUntilIdle();
      reportTo.statusUpdate(TaskStatus.of(id, ScheduleStatus.FAILED, "exit 3"), () -> acknowledged.add("ack"));
      loop.runUntilIdle();

      assertThat(acknowledged).as("the next leader must hear it again").isEmpty();
    }
  }
}
