package dev.aurora.mesos;

import static dev.aurora.mesos.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.mesos.internal.HttpMesosBackend;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each step of the v1 scheduler protocol, against the fake master (which fails the test on a violation). */
class MesosProtocolTest {
  Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void subscribeAnnouncesTheFrameworkAsConfiguredAndKeepsTheAssignedId() {
    h = new Harness(FakeMesosMaster.builder().requireAuthentication("aurora", "s3cret"),
        b -> b.frameworkName("platform").roles("web", "batch").principal("aurora", "s3cret")
            .failoverTimeout(Duration.ofHours(2)).checkpoint(true)
            .capabilities(Set.of(Capability.MULTI_ROLE, Capability.PARTITION_AWARE, Capability.GPU_RESOURCES)));
    await("subscribed", () -> h.backend.subscribed());

    Protos.FrameworkInfo info = h.master.subscriptions().get(0);
    assertThat(info.getName()).isEqualTo("platform");
    assertThat(info.getRolesList()).containsExactly("web", "batch");
    assertThat(info.getPrincipal()).isEqualTo("aurora");
    assertThat(info.getFailoverTimeout()).isEqualTo(7200.0);
    assertThat(info.getCheckpoint()).isTrue();
    assertThat(info.getCapabilitiesList()).extracting(Protos.FrameworkInfo.Capability::getType)
        .containsExactlyInAnyOrder(Protos.FrameworkInfo.Capability.Type.MULTI_ROLE,
            Protos.FrameworkInfo.Capability.Type.PARTITION_AWARE, Protos.FrameworkInfo.Capability.Type.GPU_RESOURCES);
    assertThat(h.ids.load()).isEqualTo(h.master.frameworkId()).isPresent();
    assertThat(h.backend.frameworkId()).isEqualTo(h.master.frameworkId());
  }

  @Test
  void aWrongSecretIsRefusedAndCountedAndTheBackendKeepsTrying() {
    h = new Harness(FakeMesosMaster.builder().requireAuthentication("aurora", "s3cret"),
        b -> b.principal("aurora", "wrong"));
    await("refused twice", () -> h.counter("error_status") >= 2);
    assertThat(h.backend.subscribed()).isFalse();
  }

  @Test
  void offersBecomeCoreOffersWithPortsAttributesAndTheRolesReservations() {
    h = new Harness(FakeMesosMaster.builder().agents(1).reservedTo("web")
        .attributes(i -> Map.of("rack", "r1", "zone", "z1")), b -> b.roles("web"));
    Offer o = h.freshOffer();

    assertThat(o.cpus()).isEqualTo(4.0); // 3.5 unreserved + 0.5 reserved to "web"
    assertThat(o.ramMb()).isEqualTo(4096);
    assertThat(o.diskMb()).isEqualTo(10_000);
    assertThat(o.ports()).containsExactly(PortRange.of(31000, 31099));
    assertThat(o.attributes()).containsEntry("rack", "r1").containsEntry("zone", "z1");
    assertThat(o.hostname()).isEqualTo("host-0");
    assertThat(o.agentId()).isEqualTo("agent-0");
  }

  @Test
  void aLaunchUsesTheReservedResourcesWithTheirReservationAndAllocation() {
    h = new Harness(FakeMesosMaster.builder().agents(1).reservedTo("web"), b -> b.roles("web"));
    Offer o = h.freshOffer();
    TaskConfig all = TaskConfig.builder().addProcesses(ProcessConfig.of("main", "sleep 600"))
        .resources(Resources.builder().cpus(4).ramMb(64).build()).build();
    TaskId id = h.launch(o, all);
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));

    List<Protos.Resource> cpus = h.master.taskInfo(id.value()).orElseThrow().getResourcesList().stream()
        .filter(r -> r.getName().equals("cpus")).toList();
    assertThat(cpus).anySatisfy(r -> assertThat(r.getReservationsList()).extracting(Protos.Resource.ReservationInfo::getRole)
        .containsExactly("web"));
    assertThat(cpus).allSatisfy(r -> assertThat(r.getAllocationInfo().getRole()).isEqualTo("web"));
  }

  @Test
  void severalTasksOnOneAgentGoOutInOneAcceptWithCommandEnvironmentUrisPortsAndImage() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    Offer o = h.freshOffer();
    TaskConfig plain = Harness.task("sleep 600");
    TaskConfig boxed = TaskConfig.builder().from(plain).container("docker.io/library/busybox:1.36")
        .putMetadata("mesos.uris", "https://example.invalid/app.tgz, https://example.invalid/conf.tgz")
        .processes(List.of(ProcessConfig.of("fetch", "./prepare"), ProcessConfig.of("serve", "./serve"))).build();
    TaskLaunch first = Harness.launchOf(o, plain, 31000);
    TaskLaunch second = Harness.launchOf(o, boxed, 31001);
    h.backend.launch(List.of(o.id()), List.of(first, second));
    await("both running", () -> h.recorder.saw(first.taskId(), ScheduleStatus.RUNNING)
        && h.recorder.saw(second.taskId(), ScheduleStatus.RUNNING));

    List<Call> accepts = h.master.calls(Call.Type.ACCEPT);
    assertThat(accepts).hasSize(1);
    assertThat(accepts.get(0).getAccept().getOperations(0).getLaunch().getTaskInfosCount()).isEqualTo(2);
    Protos.TaskInfo info = h.master.taskInfo(second.taskId().value()).orElseThrow();
    assertThat(info.getCommand().getValue()).contains("./prepare").contains("./serve");
    assertThat(info.getCommand().getEnvironment().getVariablesList())
        .anySatisfy(v -> assertThat(v.getName() + "=" + v.getValue()).isEqualTo("AURORA_TASK_ID=" + second.taskId()));
    assertThat(info.getCommand().getUrisList()).extracting(Protos.CommandInfo.URI::getValue)
        .containsExactly("https://example.invalid/app.tgz", "https://example.invalid/conf.tgz");
    assertThat(info.getDiscovery().getPorts().getPortsList()).singleElement()
        .satisfies(p -> assertThat(p.getName() + ":" + p.getNumber()).isEqualTo("http:31001"));
    assertThat(info.getContainer().getType()).isEqualTo(Protos.ContainerInfo.Type.MESOS);
    assertThat(info.getContainer().getMesos().getImage().getDocker().getName())
        .isEqualTo("docker.io/library/busybox:1.36");
    assertThat(h.master.taskInfo(first.taskId().value()).orElseThrow().hasContainer()).isFalse();
  }

  @Test
  void aDeclineCarriesItsRefusal() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    Offer o = h.freshOffer();
    h.backend.decline(o.id(), Duration.ofSeconds(7));
    await("declined", () -> h.master.callCount(Call.Type.DECLINE) == 1);
    Call.Decline d = h.master.calls(Call.Type.DECLINE).get(0).getDecline();
    assertThat(d.getOfferIds(0).getValue()).isEqualTo(o.id());
    assertThat(d.getFilters().getRefuseSeconds()).isEqualTo(7.0);
  }

  @Test
  void suppressStopsOffersAndReviveBringsThemBack() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> b.roles("web"));
    h.freshOffer();
    h.backend.suppressOffers();
    await("suppressed", () -> h.master.callCount(Call.Type.SUPPRESS) == 1);
    h.backend.reviveOffers();
    await("revived", () -> h.master.callCount(Call.Type.REVIVE) == 1);
    assertThat(h.master.calls(Call.Type.REVIVE).get(0).getRevive().getRolesList()).containsExactly("web");
  }

  @Test
  void aStatusIsAcknowledgedOnlyAfterTheSchedulerStoredIt() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    h.recorder.holdAcks = true;
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("starting", () -> h.recorder.saw(id, ScheduleStatus.STARTING));
    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isZero();
    assertThat(h.master.unacknowledged()).isEqualTo(1); // STARTING; RUNNING waits for its acknowledgement

    h.recorder.runHeldAcks();

    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(1);
    h.recorder.runHeldAcks();
    await("acknowledged", () -> h.master.unacknowledged() == 0);
  }

  @Test
  void acknowledgementsGoOutWhileALaunchWaveWaitsForTheMaster() {
    h = new Harness(FakeMesosMaster.builder().agents(12).updateRetry(Duration.ofMinutes(10))
        .heartbeatInterval(Duration.ofSeconds(2)),
        b -> b.maxCallsInFlight(2));
    h.recorder.holdAcks = true;
    TaskId first = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("starting", () -> h.recorder.saw(first, ScheduleStatus.STARTING));
    List<Offer> wave = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      wave.add(h.freshOffer());
    }
    int before = h.master.calls().size();

    h.master.pauseCalls(); // a master busy with the first launches of the wave
    List<TaskId> launched = new java.util.ArrayList<>();
    for (Offer o : wave) {
      launched.add(h.launch(o, Harness.task("sleep 600")));
    }
    h.recorder.holdAcks = false;
    h.recorder.runHeldAcks(); // the first task's STARTING is stored now, while the wave waits
    h.master.resumeCalls();

    await("running", () -> h.recorder.saw(first, ScheduleStatus.RUNNING)
        && launched.stream().allMatch(id -> h.recorder.saw(id, ScheduleStatus.RUNNING)));
    List<Call.Type> after = h.master.calls().subList(before, h.master.calls().size()).stream()
        .map(Call::getType).toList();
    int ack = after.indexOf(Call.Type.ACKNOWLEDGE);
    int lastAccept = after.lastIndexOf(Call.Type.ACCEPT);
    // not behind the whole wave: at most the two launches already in flight and one more go first
    assertThat(ack).as("calls after the pause: %s", after).isBetween(0, 3).isLessThan(lastAccept);
    await("acknowledged", () -> h.master.unacknowledged() == 0);
  }

  @Test
  void aBurstOfAcknowledgementsAcknowledgesEachUpdateOnceOnTwoHttpThreadsAtMost() {
    Set<Long> before = Thread.getAllStackTraces().keySet().stream().map(Thread::getId)
        .collect(java.util.stream.Collectors.toSet());
    h = new Harness(FakeMesosMaster.builder().agents(20).updateRetry(Duration.ofMinutes(10)), b -> { });
    h.recorder.holdAcks = true;
    List<TaskId> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Offer o = h.freshOffer();
      List<TaskLaunch> launches = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) { // 8 tasks of 0.5 cpu fill an agent
        launches.add(Harness.launchOf(o, Harness.task("sleep 600"), o.ports().get(0).begin() + t));
      }
      h.backend.launch(List.of(o.id()), launches);
      launches.forEach(l -> ids.add(l.taskId()));
    }
    await("all starting", () -> ids.stream().allMatch(id -> h.recorder.saw(id, ScheduleStatus.STARTING)));
    assertThat(h.master.unacknowledged()).isEqualTo(ids.size()); // STARTING of each; RUNNING waits for it

    h.recorder.holdAcks = false;
    h.recorder.runHeldAcks(); // 160 acknowledgements at once, far more than the calls allowed in flight

    await("all running", () -> ids.stream().allMatch(id -> h.recorder.saw(id, ScheduleStatus.RUNNING)));
    await("acknowledged", () -> h.master.unacknowledged() == 0);
    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(2 * ids.size());
    List<String> httpThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t.getId()))
        .map(Thread::getName).filter(n -> n.startsWith("aurora-mesos-http") || n.matches("HttpClient-\\d+-Worker.*"))
        .toList();
    assertThat(httpThreads).hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void callsOfOneSubscriptionArePipelinedOnOnePersistentConnection() {
    h = new Harness(FakeMesosMaster.builder().agents(10).updateRetry(Duration.ofMinutes(10)), b -> { });
    h.recorder.holdAcks = true;
    List<TaskId> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Offer o = h.freshOffer();
      List<TaskLaunch> launches = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        launches.add(Harness.launchOf(o, Harness.task("sleep 600"), o.ports().get(0).begin() + t));
      }
      h.backend.launch(List.of(o.id()), launches);
      launches.forEach(l -> ids.add(l.taskId()));
    }
    await("all starting", () -> ids.stream().allMatch(id -> h.recorder.saw(id, ScheduleStatus.STARTING)));
    h.recorder.holdAcks = false;
    h.recorder.runHeldAcks(); // 80 acknowledgements at once
    await("all running", () -> ids.stream().allMatch(id -> h.recorder.saw(id, ScheduleStatus.RUNNING)));
    await("acknowledged", () -> h.master.unacknowledged() == 0);

    assertThat(h.master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(2 * ids.size());
    // launches, declines and 160 acknowledgements, many in flight at once: all on one connection
    assertThat(h.master.callConnections()).isEqualTo(1);
  }

  @Test
  void everyKnownTaskIsReconciledExplicitlyAfterAResubscription() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));

    h.master.dropConnection();

    await("reconciled", () -> h.master.calls(Call.Type.RECONCILE).stream()
        .anyMatch(c -> c.getReconcile().getTasksList().stream().anyMatch(t -> t.getTaskId().getValue().equals(id.value())
            && t.getAgentId().getValue().equals("agent-0"))));
    await("RUNNING again", () -> h.recorder.count(id, ScheduleStatus.RUNNING) >= 2);
  }

  @Test
  void implicitReconciliationRunsOnItsPeriod() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.implicitReconciliation(Duration.ofMillis(100)));
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("implicit reconciliation", () -> h.master.calls(Call.Type.RECONCILE).stream()
        .anyMatch(c -> c.getReconcile().getTasksCount() == 0));
    await("its answer", () -> h.recorder.count(id, ScheduleStatus.RUNNING) >= 2);
  }

  @Test
  void aKillIsSentWithTheTasksAgent() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskId id = h.launch(h.freshOffer(), Harness.task("sleep 600"));
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    h.backend.kill(id);
    await("killed", () -> h.recorder.saw(id, ScheduleStatus.KILLED));
    assertThat(h.master.calls(Call.Type.KILL).get(0).getKill().getAgentId().getValue()).isEqualTo("agent-0");
  }

  @Test
  void endedTasksAreNoLongerTrackedAndAKillOrReconciliationAfterTheEndStillNamesTheirAgent() {
    // before, the agent of every task ever launched stayed in a map for the backend's life
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    Offer o = h.freshOffer();
    List<TaskLaunch> launches = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      launches.add(Harness.launchOf(o, Harness.task("sleep 600"), o.ports().get(0).begin() + i));
    }
    h.backend.launch(List.of(o.id()), launches);
    await("running", () -> launches.stream().allMatch(l -> h.recorder.saw(l.taskId(), ScheduleStatus.RUNNING)));
    HttpMesosBackend backend = (HttpMesosBackend) h.backend;
    assertThat(backend.trackedTasks()).isEqualTo(5);
    assertThat(h.registry.get("aurora.mesos.tasks.tracked").gauge().value()).isEqualTo(5);
    for (TaskLaunch l : launches) {
      h.master.finishTask(l.taskId().value());
    }
    await("finished", () -> launches.stream().allMatch(l -> h.recorder.saw(l.taskId(), ScheduleStatus.FINISHED)));
    await("untracked", () -> backend.trackedTasks() == 0);
    assertThat(h.registry.get("aurora.mesos.tasks.tracked").gauge().value()).isZero();

    TaskId first = launches.get(0).taskId();
    h.backend.kill(first);
    h.backend.reconcile(Set.of(launches.get(1).taskId()));
    await("kill sent", () -> !h.master.calls(Call.Type.KILL).isEmpty());
    assertThat(h.master.calls(Call.Type.KILL).get(0).getKill().getAgentId().getValue()).isEqualTo(o.agentId());
    await("reconciliation sent", () -> h.master.calls(Call.Type.RECONCILE).stream()
        .anyMatch(c -> c.getReconcile().getTasksCount() == 1));
    assertThat(h.master.calls(Call.Type.RECONCILE).stream().filter(c -> c.getReconcile().getTasksCount() == 1)
        .findFirst().orElseThrow().getReconcile().getTasks(0).getAgentId().getValue()).isEqualTo(o.agentId());
  }

  @Test
  void aRescindedOfferIsWithdrawnAtOnce() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    Offer o = h.freshOffer();
    h.master.rescindOffers();
    await("rescinded", () -> {
      synchronized (h.recorder) {
        return h.recorder.rescinded.contains(o.id());
      }
    });
    TaskId late = h.launch(o, Harness.task("sleep 600"));
    await("a launch on it is lost", () -> h.recorder.saw(late, ScheduleStatus.LOST));
  }

  @Test
  void aFailedAgentsTasksArePartitionedForTheJobsPartitionPolicyToDecide() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskId id = h.launch(o, Harness.task("sleep 600"));
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    h.master.loseAgent(o.agentId());
    await("task partitioned", () -> h.recorder.saw(id, ScheduleStatus.PARTITIONED));
    assertThat(h.recorder.last(id).orElseThrow().message()).contains("TASK_UNREACHABLE");
    synchronized (h.recorder) {
      assertThat(h.recorder.lostAgents).as("not lost outright: the partition policy decides").isEmpty();
    }
  }

  @Test
  void aFailedAgentsTasksAreReportedByTheMasterWithNothingToAcknowledgeAndItsUnacknowledgedUpdatesEnd() {
    h = new Harness(FakeMesosMaster.builder().agents(2), b -> { });
    Offer o = h.freshOffer();
    TaskLaunch a = Harness.launchOf(o, Harness.task("sleep 600"), o.ports().get(0).begin());
    TaskLaunch b = Harness.launchOf(o, Harness.task("sleep 600"), o.ports().get(0).begin() + 1);
    h.backend.launch(List.of(o.id()), List.of(a, b));
    TaskId lost = a.taskId();
    TaskId done = b.taskId();
    await("running", () -> h.recorder.saw(lost, ScheduleStatus.RUNNING) && h.recorder.saw(done, ScheduleStatus.RUNNING));
    h.recorder.holdAcks = true; // the scheduler has not stored the update yet when the agent goes
    h.master.finishTask(done.value());
    await("finished", () -> h.recorder.saw(done, ScheduleStatus.FINISHED));

    h.master.loseAgent(o.agentId());

    await("task partitioned", () -> h.recorder.saw(lost, ScheduleStatus.PARTITIONED));
    Protos.TaskStatus update = h.master.lastUpdate(lost.value()).orElseThrow();
    assertThat(update.getState()).isEqualTo(Protos.TaskState.TASK_UNREACHABLE);
    assertThat(update.getSource()).isEqualTo(Protos.TaskStatus.Source.SOURCE_MASTER);
    assertThat(update.hasUuid()).as("the master's own update: nothing to acknowledge").isFalse();
    assertThat(h.master.unacknowledged()).as("the gone agent retries nothing").isZero();
    h.recorder.runHeldAcks();
    await("the late acknowledgement dropped", () -> h.master.droppedAcknowledgements() == 1);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void withoutPartitionAwarenessAFailedAgentIsReportedLostWithItsTasks() {
    h = new Harness(FakeMesosMaster.builder().agents(2),
        b -> b.capabilities(java.util.EnumSet.of(Capability.MULTI_ROLE)));
    Offer o = h.freshOffer();
    TaskId id = h.launch(o, Harness.task("sleep 600"));
    await("running", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    h.master.loseAgent(o.agentId());
    await("agent lost", () -> {
      synchronized (h.recorder) {
        return h.recorder.lostAgents.contains(o.agentId());
      }
    });
    await("task lost", () -> h.recorder.saw(id, ScheduleStatus.LOST));
  }

  @Test
  void anErrorEventIsLoggedCountedAndKept() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    await("subscribed", () -> h.backend.subscribed());
    h.master.sendError("Framework has been removed");
    await("counted", () -> h.registry.counter("aurora.mesos.errors").count() == 1);
    assertThat(((HttpMesosBackend) h.backend).lastError())
        .contains("Framework has been removed");
  }

  @Test
  void anErrorIsReadableOnceItsCounterMoves() {
    // whoever sees aurora.mesos.errors move (a dashboard, a test's await) reads the message that moved it;
    // before, the counter moved first and lastError() could still be empty (a CI run failed on it)
    AtomicReference<Harness> harness = new AtomicReference<>();
    List<Optional<String>> seenAtIncrement = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry watching = new SimpleMeterRegistry() {
          @Override
          protected Counter newCounter(Meter.Id id) {
            Counter c = super.newCounter(id);
            if (!id.getName().equals("aurora.mesos.errors")) {
              return c;
            }
            return new Counter() {
              @Override
              public void increment(double amount) {
                seenAtIncrement.add(((HttpMesosBackend) harness.get().backend).lastError());
                c.increment(amount);
              }

              @Override
              public double count() {
                return c.count();
              }

              @Override
              public Meter.Id getId() {
                return c.getId();
              }
            };
          }
        };
    h = new Harness(FakeMesosMaster.builder().agents(1), watching);
    harness.set(h);
    h.start(b -> { });
    await("subscribed", () -> h.backend.subscribed());
    h.master.sendError("Framework has been removed");
    await("counted", () -> h.registry.counter("aurora.mesos.errors").count() == 1);
    assertThat(seenAtIncrement).containsExactly(Optional.of("Framework has been removed"));
  }
}
