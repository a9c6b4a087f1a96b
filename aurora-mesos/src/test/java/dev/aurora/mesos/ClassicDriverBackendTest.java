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
    start(b -> { });
  }

  void start(java.util.function.Consumer<ClassicDriverBackend.Builder> settings) {
    driver = (SchedulerDriver) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SchedulerDriver.class}, (proxy, method, args) -> {
          synchronized (calls) {
            calls.add(new Invocation(method.getName(), args));
          }
          return method.getReturnType() == Protos.Status.class ? Protos.Status.DRIVER_RUNNING : null;
        });
    ClassicDriverBackend.Builder b = ClassicDriverBackend.builder().driver(s -> {
      scheduler = s;
      return driver;
    });
    settings.accept(b);
    backend = b.build();
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

  @SuppressWarnings("unchecked")
  Protos.TaskInfo launchedWith(java.util.function.Consumer<ClassicDriverBackend.Builder> settings, TaskLaunch[] launched) {
    start(settings);
    scheduler.resourceOffers(driver, List.of(offer("o2")));
    Offer o = recorder.offers().stream().filter(x -> x.id().equals("o2")).findFirst().orElseThrow();
    TaskLaunch l = Harness.launchOf(o, RunnerExecutorLaunchTest.graph(), 31000);
    launched[0] = l;
    backend.launch(List.of(o.id()), List.of(l));
    return ((Collection<Protos.TaskInfo>) calls("launchTasks").get(0).args()[1]).iterator().next();
  }

  @Test
  void withTheCustomExecutorALaunchThroughTheDriverCarriesTheRunnersExecutorInfo() {
    TaskLaunch[] l = new TaskLaunch[1];
    Protos.TaskInfo info = launchedWith(b -> b.customExecutor(RunnerExecutorLaunchTest.JAR, "java")
        .executorResources(0.5, 256), l);

    assertThat(info.hasCommand()).isFalse();
    assertThat(info.getExecutor().getType()).isEqualTo(Protos.ExecutorInfo.Type.CUSTOM);
    assertThat(info.getExecutor().getExecutorId().getValue()).isEqualTo("aurora-" + l[0].taskId().value());
    assertThat(info.getExecutor().getCommand().getValue()).endsWith("-Xmx128m -cp 'aurora-runner-0.1.0-executor.jar'"
        + " dev.aurora.runner.MesosExecutorMain");
    assertThat(info.getExecutor().getCommand().getUris(0).getValue()).isEqualTo(RunnerExecutorLaunchTest.JAR.toString());
    assertThat(info.getExecutor().getResourcesList()).extracting(r -> r.getName() + "=" + r.getScalar().getValue())
        .containsExactly("cpus=0.5", "mem=256.0");
    assertThat(info.getData().toStringUtf8()).contains("\"taskId\":\"" + l[0].taskId().value() + "\"");
  }

  @Test
  void withTheExecutorJarALaunchThroughTheDriverRunsTheWholeGraphAsItsCommand() {
    TaskLaunch[] l = new TaskLaunch[1];
    Protos.TaskInfo info = launchedWith(b -> b.executor(RunnerExecutorLaunchTest.JAR, "java"), l);

    assertThat(info.hasExecutor()).isFalse();
    assertThat(info.getCommand().getValue()).endsWith("exec 'java' -jar 'aurora-runner-0.1.0-executor.jar' aurora-task.json");
    assertThat(info.getKillPolicy().hasGracePeriod()).isTrue();
  }

  @Test
  void theProcessRecordsAStatusCarriesReachTheCore() {
    Protos.TaskStatus running = Protos.TaskStatus.newBuilder().setTaskId(Protos.TaskID.newBuilder().setValue("t1"))
        .setState(Protos.TaskState.TASK_RUNNING).setSlaveId(Protos.SlaveID.newBuilder().setValue("s1"))
        .setData(com.google.protobuf.ByteString.copyFrom(CustomExecutorLaunchTest.records(
            "{\"process\":\"serve\",\"run\":3,\"state\":\"RUNNING\",\"message\":\"restarted\"}")))
        .build();
    scheduler.statusUpdate(driver, running);

    assertThat(recorder.last(TaskId.of("t1")).orElseThrow().processes()).singleElement().satisfies(p -> {
      assertThat(p.process()).isEqualTo("serve");
      assertThat(p.run()).isEqualTo(3);
      assertThat(p.state()).isEqualTo(dev.aurora.core.ProcessRecord.State.RUNNING);
    });
  }

  @Test
  void badExecutorSettingsAreNamed() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClassicDriverBackend.builder()
            .executor(RunnerExecutorLaunchTest.JAR, "java").customExecutor(java.net.URI.create("x.jar"), "java").build())
        .hasMessageContaining("driver: required")
        .hasMessageContaining("customExecutor: the jar's URI needs a scheme")
        .hasMessageContaining("executor and customExecutor: choose one");
  }

  @Test
  void theFrameworkIdIsKeptInTheSchedulersStorageAndARestartedBackendRegistersWithIt() {
    Protos.FrameworkInfo info = Protos.FrameworkInfo.newBuilder().setUser("aurora").setName("aurora")
        .setFailoverTimeout(Duration.ofDays(7).toSeconds()).build();
    Harness.Recorder storage = new Harness.Recorder();
    storage.keepProperties = true;
    List<Protos.FrameworkInfo> registeredWith = new ArrayList<>();
    java.util.function.Supplier<ClassicDriverBackend> backends = () -> ClassicDriverBackend.builder()
        .driver(info, (s, given) -> {
          scheduler = s;
          registeredWith.add(given);
          return driver;
        }).build();

    ClassicDriverBackend first = backends.get();
    first.start(storage);
    assertThat(registeredWith.get(0).hasId()).as("a new framework").isFalse();
    scheduler.registered(driver, Protos.FrameworkID.newBuilder().setValue("fw-7").build(),
        Protos.MasterInfo.newBuilder().setId("m").setIp(1).setPort(5050).build());
    assertThat(storage.properties).containsEntry(MesosBackend.FRAMEWORK_ID_PROPERTY, "fw-7");
    first.close();

    ClassicDriverBackend second = backends.get(); // a restarted or failed-over scheduler on the same storage
    second.start(storage);
    assertThat(registeredWith.get(1).getId().getValue()).isEqualTo("fw-7");
    assertThat(registeredWith.get(1).getName()).isEqualTo("aurora");
    assertThat(registeredWith.get(1).getFailoverTimeout()).isEqualTo(info.getFailoverTimeout());
    second.close();
  }

  @Test
  void anIncompleteFrameworkInfoIsRefusedNamingTheMissingFields() {
    Protos.FrameworkInfo.Builder partial = Protos.FrameworkInfo.newBuilder().setName("aurora"); // no user
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClassicDriverBackend.builder()
        .driver(partial.buildPartial(), (s, given) -> driver).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frameworkInfo").hasMessageContaining("user");
  }
}
