package dev.aurora.mesos;

import static dev.aurora.mesos.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each scripted fault of the fake master, met by the backend; and bad input, counted and survived. */
class MesosFaultsTest {
  Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private TaskId running() {
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    return id;
  }

  @Test
  void aDroppedConnectionIsFollowedByASubscriptionAsTheSameFramework() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    running();
    String id = h.master.frameworkId().orElseThrow();
    h.master.dropConnection();
    await("subscribed again", () -> h.master.subscriptions().size() == 2 && h.backend.subscribed());
    assertThat(h.master.subscriptions().get(1).getId().getValue()).isEqualTo(id);
    assertThat(h.registry.counter("aurora.mesos.reconnects").count()).isEqualTo(1);
  }

  @Test
  void aBrokenCallConnectionFailsItsCallAndTheNextCallsGoOnANewConnection() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    h.master.breakCallConnection(Call.Type.ACCEPT);
    aLaunchIsReportedLostAndTheNextCallsGoOnANewConnection();
  }

  @Test
  void aCallTheMasterNeverAnswersFailsAfterTheRequestTimeoutAndTheNextCallsGoOnANewConnection() {
    h = new Harness(FakeMesosMaster.builder().agents(2).heartbeatInterval(Duration.ofSeconds(2)),
        b -> b.requestTimeout(Duration.ofMillis(500)));
    h.master.neverAnswer(Call.Type.ACCEPT);
    aLaunchIsReportedLostAndTheNextCallsGoOnANewConnection();
  }

  /** A launch whose ACCEPT failed ends LOST, never launched; the next calls go on a second connection. */
  private void aLaunchIsReportedLostAndTheNextCallsGoOnANewConnection() {
    TaskId lost = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("the launch reported lost", () -> h.recorder.saw(lost, ScheduleStatus.LOST));
    assertThat(h.master.state(lost.value())).isEmpty(); // the master never launched it

    TaskId id = running(); // the next calls go on a new connection, on the same subscription
    await("acknowledged", () -> h.master.unacknowledged() == 0);
    assertThat(h.master.state(id.value())).contains(TaskState.TASK_RUNNING);
    assertThat(h.master.callConnections()).isEqualTo(2);
    assertThat(h.master.subscriptions()).hasSize(1);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void missedHeartbeatsMakeTheBackendReconnect() {
    h = new Harness(FakeMesosMaster.builder().heartbeatInterval(Duration.ofMillis(50)), b -> b.missedHeartbeats(3));
    await("subscribed", () -> h.backend.subscribed());
    h.master.stopHeartbeats();
    await("a heartbeat missed", () -> h.registry.counter("aurora.mesos.heartbeats.missed").count() >= 1);
    h.master.resumeHeartbeats();
    await("subscribed again", () -> h.master.subscriptions().size() >= 2 && h.master.connected());
  }

  @Test
  void aFailoverIsFollowedThroughTheOldLeadersRedirect() {
    h = new Harness(FakeMesosMaster.builder().masters(2));
    List<java.net.URI> onlyTheFirst = List.of(h.master.uris().get(0));
    h.start(b -> b.masters(() -> onlyTheFirst));
    TaskId id = running();
    h.master.failover();
    await("subscribed to the new leader", () -> h.master.subscriptions().size() == 2 && h.backend.subscribed());
    h.backend.kill(id);
    await("the new leader killed it", () -> h.recorder.saw(id, ScheduleStatus.KILLED));
  }

  @Test
  void aDuplicateOfAnUpdateBeingAcknowledgedIsDroppedAndTheUpdateAcknowledgedOnce() {
    h = new Harness(FakeMesosMaster.builder().updateRetry(Duration.ofMinutes(10)), b -> { });
    h.recorder.holdAcks = true; // the scheduler has not stored the first copies yet
    h.master.duplicateUpdates(true);
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("the copy of STARTING came", () -> h.registry.counter("aurora.mesos.updates.duplicate").count() == 1);
    assertThat(h.recorder.count(id, ScheduleStatus.STARTING)).isEqualTo(1);

    h.recorder.runHeldAcks(); // RUNNING comes once STARTING is acknowledged

    await("the copy of RUNNING came", () -> h.registry.counter("aurora.mesos.updates.duplicate").count() == 2);
    assertThat(h.recorder.count(id, ScheduleStatus.RUNNING)).isEqualTo(1);
    h.recorder.runHeldAcks();

    await("all acknowledged", () -> h.master.unacknowledged() == 0);
    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(2);
  }

  /**
   * An agent's retry that crosses the acknowledgement of its first copy (acknowledgements lagging
   * behind the retry interval): Mesos wants every copy acknowledged that the scheduler cannot know was
   * acknowledged, and its agent ignores a second acknowledgement of the same uuid. Each copy is either
   * dropped (the first copy's acknowledgement still unanswered) or acknowledged once more, never left
   * unacknowledged, and the master takes the second acknowledgement without a violation.
   */
  @Test
  void anUpdateResentAsItsAcknowledgementArrivesIsDroppedOrAcknowledgedAgainAndNothingIsLeftUnacknowledged() {
    h = new Harness(FakeMesosMaster.builder().updateRetry(Duration.ofMinutes(10)), b -> { });
    h.master.resendOnAcknowledge(2); // the copies of STARTING and of RUNNING
    TaskId id = running();
    await("each copy dropped or acknowledged again", () -> h.master.unacknowledged() == 0
        && h.registry.counter("aurora.mesos.updates.duplicate").count() + h.master.duplicateAcknowledgements() == 2);
    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(2 + h.master.duplicateAcknowledgements());
    assertThat(h.recorder.last(id).orElseThrow().state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void duplicateUpdatesLeaveTheTaskRunningAndNothingUnacknowledged() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    h.master.duplicateUpdates(true);
    TaskId id = running();
    await("all acknowledged", () -> h.master.unacknowledged() == 0);
    assertThat(h.recorder.last(id).orElseThrow().state()).isEqualTo(ScheduleStatus.RUNNING);
  }

  @Test
  void reorderedUpdatesAreForwardedAsTheyCame() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    h.master.reorderUpdates(true);
    TaskId id = running();
    await("STARTING after RUNNING", () -> h.recorder.last(id).map(s -> s.state() == ScheduleStatus.STARTING)
        .orElse(false));
    await("all acknowledged", () -> h.master.unacknowledged() == 0);
  }

  @Test
  void lostUpdatesArriveWhenTheMasterRetriesThem() {
    h = new Harness(FakeMesosMaster.builder().updateRetry(Duration.ofMillis(100)), b -> { });
    h.master.loseUpdates(2);
    running();
    await("all acknowledged", () -> h.master.unacknowledged() == 0);
  }

  @Test
  void aTaskThatNeverReportsIsReportedLostAndKilled() {
    h = new Harness(FakeMesosMaster.builder(), b -> b.stuckTaskTimeout(Duration.ofMillis(300)));
    h.master.behave(t -> true, FakeMesosMaster.Script.NEVER_REPORT);
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("lost", () -> h.recorder.saw(id, ScheduleStatus.LOST));
    await("killed on the agent", () -> h.master.state(id.value()).orElseThrow() == TaskState.TASK_KILLED);
    assertThat(h.recorder.saw(id, ScheduleStatus.RUNNING)).isFalse();
  }

  @Test
  void aRestartedBackendSubscribesWithTheOldFrameworkIdAndReconcilesItsTasks() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    TaskId id = running();
    String framework = h.master.frameworkId().orElseThrow();
    h.backend.close();

    h.start(b -> { });
    h.backend.reconcile(Set.of(id));

    await("subscribed again", () -> h.master.subscriptions().size() == 2 && h.backend.subscribed());
    assertThat(h.master.subscriptions().get(1).getId().getValue()).isEqualTo(framework);
    await("reconciled RUNNING", () -> h.recorder.count(id, ScheduleStatus.RUNNING) >= 2);
    assertThat(h.master.state(id.value())).contains(TaskState.TASK_RUNNING);
  }

  @Test
  void aTaskThatComesBackAfterItWasReportedLostIsKilled() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    TaskId id = running();
    // the master said it was gone; the scheduler replaced it; then it shows up RUNNING
    h.master.sendStatusOfUnknownTask(id.value(), TaskState.TASK_GONE);
    await("lost", () -> h.recorder.saw(id, ScheduleStatus.LOST));
    h.backend.reconcile(Set.of(id));
    await("killed", () -> h.master.state(id.value()).orElseThrow() == TaskState.TASK_KILLED);
  }

  // ------------------------------------------------------------------ bad input

  @Test
  void anErrorStatusOnALaunchLosesItsTasksIsCountedAndTheStreamGoesOn() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    h.master.answer(Call.Type.ACCEPT, 500, "allocator exploded", 1);
    TaskId refused = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("lost", () -> h.recorder.saw(refused, ScheduleStatus.LOST));
    assertThat(h.recorder.last(refused).orElseThrow().message()).contains("500").contains("allocator exploded");
    assertThat(h.counter("error_status")).isEqualTo(1);

    running();
    assertThat(h.master.subscriptions()).hasSize(1);
  }

  @Test
  void anUnparsableEventIsSkippedCountedAndTheStreamGoesOn() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    await("subscribed", () -> h.backend.subscribed());
    h.master.sendUnparsableEvent();
    await("counted", () -> h.counter("unparsable") == 1);
    running();
    assertThat(h.master.subscriptions()).hasSize(1);
  }

  @Test
  void resourcesTheSchedulerDoesNotKnowAreCountedAndTheOfferIsStillUsed() {
    h = new Harness(FakeMesosMaster.builder().extraResource("fpgas", 2), b -> { });
    Offer o = h.freshOffer();
    assertThat(h.counter("unknown_resource")).isPositive();
    assertThat(o.cpus()).isEqualTo(4.0);
    h.used.remove(o.id());
    running();
  }

  @Test
  void aStatusForATaskNeverLaunchedIsCountedForwardedAndAcknowledged() {
    h = new Harness(FakeMesosMaster.builder(), b -> { });
    await("subscribed", () -> h.backend.subscribed());
    h.master.sendStatusOfUnknownTask("ghost-1", TaskState.TASK_RUNNING);
    await("forwarded, so the scheduler kills it", () -> h.recorder.saw(TaskId.of("ghost-1"), ScheduleStatus.RUNNING));
    assertThat(h.counter("unknown_task")).isEqualTo(1);
    await("acknowledged", () -> h.master.unacknowledged() == 0);
    running();
  }
}
