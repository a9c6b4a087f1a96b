package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.mesos.Protos;
import org.apache.mesos.Scheduler;
import org.apache.mesos.SchedulerDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The classic driver's Scheduler feeds the same core, against a recording {@link SchedulerDriver} (an
 * interface: a dynamic proxy records each call; no native library). Mockito would do the same, but the
 * pinned Mockito 5.20.0 is not in the local repository.
 */
class ClassicDriverBackendTest {
  record Invocation(String method, Object[] args) {}

  final List<Invocation> calls = new ArrayList<>();
  final Harness.Recorder recorder = new Harness.Recorder();
  Scheduler scheduler;
  SchedulerDriver driver;
  ClassicDriverBackend backend;

  @BeforeEach
  void start() {
    driver = (SchedulerDriver) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SchedulerDriver.class}, (proxy, method, args) -> {
          synchronized (calls) {
            calls.add(new Invocation(method.getName(), args));
          }
          return method.getReturnType() == Protos.Status.class ? Protos.Status.DRIVER_RUNNING : null;
        });
    backend = ClassicDriverBackend.builder().driver(s -> {
      scheduler = s;
      return driver;
    }).build();
    backend.start(recorder);
  }

  List<Invocation> calls(String method) {
    synchronized (calls) {
      return calls.stream().filter(c -> c.method().equals(method)).toList();
    }
  }

  static Protos.Resource scalar(String name, double v) {
    return Protos.Resource.newBuilder().setName(name).setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(v)).build();
  }

  static Protos.Offer offer(String id) {
    return Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue(id))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw")).setSlaveId(Protos.SlaveID.newBuilder().setValue("s1"))
        .setHostname("host-1").addResources(scalar("cpus", 2)).addResources(scalar("mem", 1024))
        .addResources(scalar("disk", 100))
        .addResources(Protos.Resource.newBuilder().setName("ports").setType(Protos.Value.Type.RANGES)
            .setRanges(Protos.Value.Ranges.newBuilder().addRange(Protos.Value.Range.newBuilder().setBegin(31000).setEnd(31010))))
        .addAttributes(Protos.Attribute.newBuilder().setName("rack").setType(Protos.Value.Type.TEXT)
            .setText(Protos.Value.Text.newBuilder().setValue("r1")))
        .build();
  }

  @Test
  void theDriverIsStartedAndOffersBecomeCoreOffers() {
    assertThat(calls("start")).hasSize(1);
    scheduler.resourceOffers(driver, List.of(offer("o1")));
    Offer o = recorder.offers().get(0);
    assertThat(o.id()).isEqualTo("o1");
    assertThat(o.agentId()).isEqualTo("s1");
    assertThat(o.cpus()).isEqualTo(2.0);
    assertThat(o.ports()).containsExactly(PortRange.of(31000, 31010));
    assertThat(o.attributes()).containsEntry("rack", "r1");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLaunchGoesThroughTheDriverWithResourcesFromTheOffer() {
    scheduler.resourceOffers(driver, List.of(offer("o1")));
    Offer o = recorder.offers().get(0);
    TaskLaunch l = Harness.launchOf(o, Harness.task("sleep 600"), 31000);
    backend.launch(List.of(o.id()), List.of(l));

    Invocation launch = calls("launchTasks").get(0);
    assertThat((Collection<Protos.OfferID>) launch.args()[0]).extracting(Protos.OfferID::getValue).containsExactly("o1");
    Protos.TaskInfo info = ((Collection<Protos.TaskInfo>) launch.args()[1]).iterator().next();
    assertThat(info.getTaskId().getValue()).isEqualTo(l.taskId().value());
    assertThat(info.getSlaveId().getValue()).isEqualTo("s1");
    assertThat(info.getCommand().getValue()).isEqualTo("sleep 600");
    assertThat(info.getResourcesList()).extracting(Protos.Resource::getName).contains("cpus", "mem", "disk", "ports");
  }

  @Test
  void aStatusIsAcknowledgedThroughTheDriverOnlyAfterTheSchedulerStoredIt() {
    recorder.holdAcks = true;
    Protos.TaskStatus running = Protos.TaskStatus.newBuilder().setTaskId(Protos.TaskID.newBuilder().setValue("t1"))
        .setState(Protos.TaskState.TASK_RUNNING).setSlaveId(Protos.SlaveID.newBuilder().setValue("s1"))
        .setUuid(com.google.protobuf.ByteString.copyFromUtf8("u1")).build();
    scheduler.statusUpdate(driver, running);

    assertThat(recorder.saw(TaskId.of("t1"), ScheduleStatus.RUNNING)).isTrue();
    assertThat(calls("acknowledgeStatusUpdate")).isEmpty();
    recorder.runHeldAcks();
    assertThat(calls("acknowledgeStatusUpdate")).singleElement().satisfies(c -> assertThat(c.args()[0]).isEqualTo(running));
  }

  @Test
  void offersAreSuppressedWhileNothingIsPendingAndRevivedWhenWorkArrives() {
    backend.demand(false);
    backend.demand(false);
    assertThat(calls("suppressOffers")).hasSize(1);

    scheduler.reregistered(driver, Protos.MasterInfo.newBuilder().setId("m").setIp(1).setPort(5050).build());
    assertThat(calls("suppressOffers")).as("suppressed again after re-registering").hasSize(2);

    backend.demand(true);
    assertThat(calls("reviveOffers")).hasSize(1);
    scheduler.reregistered(driver, Protos.MasterInfo.newBuilder().setId("m").setIp(1).setPort(5050).build());
    assertThat(calls("suppressOffers")).hasSize(2);
  }

  @Test
  void declinesKillsAndReconciliationGoThroughTheDriver() {
    scheduler.resourceOffers(driver, List.of(offer("o1")));
    backend.decline("o1", Duration.ofSeconds(9));
    backend.kill(TaskId.of("t9"));
    backend.reconcile(Set.of(TaskId.of("t9")));

    assertThat(((Protos.Filters) calls("declineOffer").get(0).args()[1]).getRefuseSeconds()).isEqualTo(9.0);
    assertThat(((Protos.TaskID) calls("killTask").get(0).args()[0]).getValue()).isEqualTo("t9");
    assertThat(calls("reconcileTasks")).hasSize(1);
  }

  @Test
  void aLostSlaveAndARescindedOfferReachTheCore() {
    scheduler.resourceOffers(driver, List.of(offer("o1")));
    scheduler.offerRescinded(driver, Protos.OfferID.newBuilder().setValue("o1").build());
    scheduler.slaveLost(driver, Protos.SlaveID.newBuilder().setValue("s1").build());
    synchronized (recorder) {
      assertThat(recorder.rescinded).contains("o1");
      assertThat(recorder.lostAgents).containsExactly("s1");
    }
  }

  @Test
  void closeStopsTheDriverAsAFailoverSoTasksKeepRunning() {
    backend.close();
    assertThat(calls("stop")).singleElement().satisfies(c -> assertThat(c.args()[0]).isEqualTo(true));
  }
}
