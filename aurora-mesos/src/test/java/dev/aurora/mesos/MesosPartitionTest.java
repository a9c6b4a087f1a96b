package dev.aurora.mesos;

import static dev.aurora.mesos.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.PartitionPolicy;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A network partition and its heal, as a Mesos master shows them to a PARTITION_AWARE framework: the
 * agent's tasks are reported TASK_UNREACHABLE and its offers stop; when the agent re-registers, the
 * master reports each of them in its current state again and offers resume. The job's partition policy
 * decides what the scheduler does meanwhile, and no instance is left running twice.
 */
class MesosPartitionTest {
  FakeMesosMaster master;
  Scheduler scheduler;
  final Storage storage = Storage.inMemory();
  Harness h;

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
    storage.close();
    if (master != null) {
      master.close();
    }
    if (h != null) {
      h.close();
    }
  }

  void startScheduler() {
    master = FakeMesosMaster.builder().agents(4).updateRetry(Duration.ofMillis(200)).build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend).storage(storage)
        .offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build();
    scheduler.start();
  }

  static JobConfig service(String key, int instances, PartitionPolicy policy) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(64).diskMb(10).partitionPolicy(policy)).build();
  }

  List<ScheduledTask> tasks(JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key()));
  }

  ScheduleStatus statusOf(TaskId id) {
    return scheduler.task(id).orElseThrow().status();
  }

  List<TaskId> runningWhole(JobConfig job) {
    return Await.value(job.instances() + " instances of " + job.key() + " running", () -> {
      List<TaskId> running = tasks(job).stream().filter(t -> t.status() == ScheduleStatus.RUNNING)
          .map(ScheduledTask::id).toList();
      boolean whole = running.size() == job.instances()
          && running.stream().allMatch(id -> master.state(id.value()).orElse(null) == TaskState.TASK_RUNNING);
      return whole ? java.util.Optional.of(running) : java.util.Optional.empty();
    });
  }

  /** Each instance of the jobs runs once on the agents (a task on a partitioned agent runs there too). */
  void eachInstanceRunsOnce() {
    Await.until("each instance running once on the agents",
        () -> master.activeByName().values().stream().allMatch(n -> n == 1)
            && master.activeTasks().stream().allMatch(id -> master.state(id).orElseThrow() == TaskState.TASK_RUNNING));
  }

  String agentOf(TaskId id) {
    return master.agentOf(id.value()).orElseThrow();
  }

  @Test
  void aTaskWhoseAgentHealsWithinThePartitionWaitIsKeptAndNothingRunsTwice() {
    startScheduler();
    JobConfig job = service("www/prod/kept", 2, PartitionPolicy.of(true, Duration.ofMinutes(10)));
    scheduler.createJob(job, Principal.of("test"));
    List<TaskId> before = runningWhole(job);
    TaskId cut = before.get(0);
    String agent = agentOf(cut);

    master.partitionAgent(agent);
    await("partitioned", () -> statusOf(cut) == ScheduleStatus.PARTITIONED);
    assertThat(master.outstandingOffers(agent)).as("no offers from a partitioned agent").isZero();

    master.healAgent(agent);
    await("running again", () -> statusOf(cut) == ScheduleStatus.RUNNING);
    assertThat(runningWhole(job)).containsExactlyInAnyOrderElementsOf(before);
    assertThat(master.launchedCount()).as("no replacement launched").isEqualTo(2);
    assertThat(master.callCount(Call.Type.KILL)).isZero();
    eachInstanceRunsOnce();
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aTaskThatComesBackAfterItsReplacementStartedIsKilledOnItsAgent() {
    startScheduler();
    JobConfig job = service("www/prod/replaced", 2, PartitionPolicy.of(true, Duration.ZERO));
    scheduler.createJob(job, Principal.of("test"));
    List<TaskId> before = runningWhole(job);
    String agent = agentOf(before.get(0));
    Set<TaskId> cut = before.stream().filter(id -> agentOf(id).equals(agent)).collect(Collectors.toSet());

    master.partitionAgent(agent);
    await("given up at once", () -> cut.stream().allMatch(id -> statusOf(id) == ScheduleStatus.LOST));
    List<TaskId> after = runningWhole(job);
    assertThat(after).doesNotContainAnyElementsOf(cut);
    cut.forEach(id -> assertThat(statusOf(id)).isEqualTo(ScheduleStatus.LOST));
    cut.forEach(id -> assertThat(master.state(id.value())).as("still running behind the partition")
        .contains(TaskState.TASK_RUNNING));

    master.healAgent(agent);
    await("the old tasks killed on their agent",
        () -> cut.stream().allMatch(id -> master.state(id.value()).orElseThrow() == TaskState.TASK_KILLED));
    eachInstanceRunsOnce();
    assertThat(runningWhole(job)).containsExactlyInAnyOrderElementsOf(after);
    cut.forEach(id -> assertThat(statusOf(id)).isEqualTo(ScheduleStatus.LOST));
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aJobThatNeverReplacesWaitsForItsPartitionedTaskWhileAnotherJobsIsReplaced() {
    startScheduler();
    JobConfig patient = service("www/prod/patient", 1, PartitionPolicy.of(false, Duration.ZERO));
    JobConfig eager = service("www/prod/eager", 1, PartitionPolicy.of(true, Duration.ZERO));
    scheduler.createJob(patient, Principal.of("test"));
    scheduler.createJob(eager, Principal.of("test"));
    TaskId waited = runningWhole(patient).get(0);
    TaskId replaced = runningWhole(eager).get(0);
    Set<String> cut = new java.util.LinkedHashSet<>(List.of(agentOf(waited), agentOf(replaced)));

    cut.forEach(master::partitionAgent);
    // the eager job's task, partitioned as long, is replaced: the patient one would have been by now
    await("the eager job's task given up", () -> statusOf(replaced) == ScheduleStatus.LOST);
    TaskId replacement = runningWhole(eager).get(0);
    assertThat(replacement).isNotEqualTo(replaced);
    assertThat(statusOf(waited)).isEqualTo(ScheduleStatus.PARTITIONED);
    assertThat(tasks(patient)).extracting(ScheduledTask::id).containsExactly(waited);

    cut.forEach(master::healAgent);
    await("the waited-for task runs again", () -> statusOf(waited) == ScheduleStatus.RUNNING);
    await("the replaced one killed", () -> master.state(replaced.value()).orElseThrow() == TaskState.TASK_KILLED);
    eachInstanceRunsOnce();
    assertThat(master.violations()).isEmpty();
  }

  // ------------------------------------------------------------------ the backend alone

  private TaskId runningOn(Offer o) {
    TaskId id = h.launch(o, Harness.task("sleep 600"));
    // and acknowledged: an acknowledgement that reaches the master after a partition began is dropped,
    // and the agent sends the update again when it re-registers
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING) && h.master.unacknowledged() == 0);
    return id;
  }

  /** A task launched on the offer's agent and running, then its agent partitioned and the task seen so. */
  private TaskId runningThenPartitioned(Offer o) {
    TaskId id = runningOn(o);
    h.master.partitionAgent(o.agentId());
    await("partitioned", () -> h.recorder.saw(id, ScheduleStatus.PARTITIONED));
    return id;
  }

  @Test
  void aPartitionIsReportedUnreachableWithItsTimeAndAHealReportsTheTaskRunningAgain() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = runningOn(o);

    h.master.partitionAgent(o.agentId());
    await("partitioned", () -> h.recorder.saw(id, ScheduleStatus.PARTITIONED));
    assertThat(h.recorder.last(id).orElseThrow().message()).contains("TASK_UNREACHABLE");
    assertThat(h.master.lastUpdate(id.value()).orElseThrow().hasUnreachableTime()).isTrue();
    synchronized (h.recorder) {
      assertThat(h.recorder.lostAgents).as("the partition policy decides, not the agent's loss").isEmpty();
    }

    h.master.healAgent(o.agentId());
    await("running again", () -> h.recorder.last(id).orElseThrow().state() == ScheduleStatus.RUNNING);
    assertThat(h.master.lastUpdate(id.value()).orElseThrow().getReason())
        .isEqualTo(org.apache.mesos.v1.Protos.TaskStatus.Reason.REASON_AGENT_REREGISTERED);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void withoutPartitionAwarenessThePartitionedAgentIsLostAndItsTasksAreKilledWhenItComesBack() {
    h = new Harness(FakeMesosMaster.builder().agents(2),
        b -> b.capabilities(java.util.EnumSet.of(Capability.MULTI_ROLE)));
    Offer o = h.freshOffer();
    TaskId id = runningOn(o);
    h.master.partitionAgent(o.agentId());
    await("agent lost", () -> {
      synchronized (h.recorder) {
        return h.recorder.lostAgents.contains(o.agentId());
      }
    });
    await("task lost", () -> h.recorder.saw(id, ScheduleStatus.LOST));

    // Mesos lets the agent back and its tasks run on (the master reports them TASK_RUNNING): a task
    // reported lost must not run twice, so the backend kills it
    h.master.healAgent(o.agentId());
    await("killed on its agent", () -> h.master.state(id.value()).orElseThrow() == TaskState.TASK_KILLED);
    assertThat(h.recorder.count(id, ScheduleStatus.RUNNING)).as("never reported running again").isEqualTo(1);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void reconciliationSaysUnreachableWhilePartitionedAndRunningAfterTheHeal() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = runningThenPartitioned(o);

    int seen = h.recorder.statuses().size();
    h.backend.reconcile(Set.of(id));
    await("reconciled", () -> h.recorder.statuses().size() > seen);
    assertThat(h.recorder.last(id).orElseThrow().state()).isEqualTo(ScheduleStatus.PARTITIONED);

    h.master.healAgent(o.agentId());
    await("running again", () -> h.recorder.last(id).orElseThrow().state() == ScheduleStatus.RUNNING);
    int healed = h.recorder.statuses().size();
    h.backend.reconcile(Set.of(id));
    await("reconciled after the heal", () -> h.recorder.statuses().size() > healed);
    assertThat(h.recorder.last(id).orElseThrow().state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void aKillOfAPartitionedTaskDoesNotReachItsAgentUntilAskedAgainAfterTheHeal() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = runningThenPartitioned(o);

    int seen = h.recorder.statuses().size();
    h.backend.kill(id);
    await("the master answers for the unreachable task", () -> h.recorder.statuses().size() > seen);
    assertThat(h.recorder.last(id).orElseThrow().state()).isEqualTo(ScheduleStatus.PARTITIONED);
    assertThat(h.master.state(id.value())).contains(TaskState.TASK_RUNNING);

    h.master.healAgent(o.agentId());
    await("running again", () -> h.recorder.last(id).orElseThrow().state() == ScheduleStatus.RUNNING);
    h.backend.kill(id);
    await("killed", () -> h.recorder.saw(id, ScheduleStatus.KILLED));
    assertThat(h.master.state(id.value())).contains(TaskState.TASK_KILLED);
  }

  @Test
  void aLaunchOnAnOfferOfAnAgentPartitionedSinceIsDroppedAndTheAgentOffersNothingUntilItHeals() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    h.master.partitionAgent(o.agentId());
    // on its way before the RESCIND arrived or after: the master drops it, or the backend refuses it
    TaskId late = h.launch(o, Harness.task("sleep 600"));
    await("the launch is lost", () -> h.recorder.saw(late, ScheduleStatus.LOST));
    assertThat(h.recorder.last(late).orElseThrow().message()).containsAnyOf("TASK_DROPPED", "no longer valid");
    assertThat(h.master.state(late.value())).as("never launched").isEmpty();
    assertThat(h.master.outstandingOffers(o.agentId())).isZero();

    h.master.healAgent(o.agentId());
    await("offers again", () -> h.recorder.offers().stream()
        .anyMatch(x -> x.agentId().equals(o.agentId()) && !x.id().equals(o.id())));
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void anUpdateQueuedBehindThePartitionIsSentOnceTheAgentReregisters() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = runningThenPartitioned(o);

    h.master.finishTask(id.value()); // the task ends behind the partition; its agent keeps the update
    assertThat(h.recorder.saw(id, ScheduleStatus.FINISHED)).isFalse();

    h.master.healAgent(o.agentId());
    await("finished, and acknowledged", () -> h.recorder.saw(id, ScheduleStatus.FINISHED)
        && h.master.unacknowledged() == 0);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void anAcknowledgementSentWhileTheAgentIsPartitionedIsDroppedAndTheUpdateIsAcknowledgedAgainAfterTheHeal() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = runningOn(o);
    h.recorder.holdAcks = true; // stored only after the partition began
    h.master.finishTask(id.value());
    await("finished", () -> h.recorder.saw(id, ScheduleStatus.FINISHED));
    h.master.partitionAgent(o.agentId());

    h.recorder.runHeldAcks();
    await("the acknowledgement dropped", () -> h.master.droppedAcknowledgements() == 1);
    assertThat(h.master.unacknowledged()).as("the agent never heard of it").isEqualTo(1);

    h.recorder.holdAcks = false;
    h.master.healAgent(o.agentId());
    await("sent again on re-registration, and acknowledged", () -> h.recorder.count(id, ScheduleStatus.FINISHED) == 2
        && h.master.unacknowledged() == 0);
    assertThat(h.master.violations()).isEmpty();
  }
}
