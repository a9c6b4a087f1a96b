package dev.aurora.mesos;

import static dev.aurora.mesos.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;

import dev.aurora.api.UpdateSettings;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateStatus;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.mesos.v1.Protos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A task's health check runs on Mesos, and its verdicts become the task's health in the scheduler. */
class MesosHealthCheckTest {
  static final HealthCheck HTTP = HealthCheck.http("http", "/health").withInterval(Duration.ofSeconds(5))
      .withTimeout(Duration.ofSeconds(2)).withInitialDelay(Duration.ofSeconds(30)).withMaxConsecutiveFailures(2);

  Harness h;
  FakeMesosMaster master;
  Scheduler scheduler;
  Storage storage;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
    if (scheduler != null) {
      scheduler.close();
      storage.close();
      master.close();
    }
  }

  static TaskConfig checked(HealthCheck check) {
    return TaskConfig.builder().addProcesses(ProcessConfig.of("main", "./server"))
        .resources(Resources.builder().cpus(0.5).ramMb(64).addPorts("http").build()).healthCheck(check).build();
  }

  TaskLaunch launch(Offer o, TaskConfig config) {
    TaskLaunch l = TaskLaunch.builder().from(Harness.launchOf(o, config, 31007)).healthCheck(config.healthCheck())
        .build();
    h.backend.launch(List.of(o.id()), List.of(l));
    return l;
  }

  @Test
  void anHttpHealthCheckGoesToMesosOnTheNamedPortsNumberWithItsTimings() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskLaunch l = launch(h.freshOffer(), checked(HTTP));
    await("running", () -> h.recorder.saw(l.taskId(), ScheduleStatus.RUNNING));

    Protos.HealthCheck hc = h.master.taskInfo(l.taskId().value()).orElseThrow().getHealthCheck();
    assertThat(hc.getType()).isEqualTo(Protos.HealthCheck.Type.HTTP);
    assertThat(hc.getHttp().getPort()).isEqualTo(31007);
    assertThat(hc.getHttp().getPath()).isEqualTo("/health");
    assertThat(hc.getHttp().getScheme()).isEqualTo("http");
    assertThat(hc.getIntervalSeconds()).isEqualTo(5.0);
    assertThat(hc.getTimeoutSeconds()).isEqualTo(2.0);
    assertThat(hc.getGracePeriodSeconds()).isEqualTo(30.0);
    assertThat(hc.getDelaySeconds()).isEqualTo(5.0);
    // Mesos never kills for health: the scheduler acts on the verdict, as on every backend
    assertThat(Integer.toUnsignedLong(hc.getConsecutiveFailures())).isEqualTo(4_294_967_295L);
  }

  @Test
  void aCommandHealthCheckRunsInAShellWithTheTasksEnvironment() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskLaunch l = launch(h.freshOffer(), checked(HealthCheck.command("curl -f localhost:$AURORA_PORT_HTTP/ok")
        .withInitialDelay(Duration.ofSeconds(2))));
    await("running", () -> h.recorder.saw(l.taskId(), ScheduleStatus.RUNNING));

    Protos.HealthCheck hc = h.master.taskInfo(l.taskId().value()).orElseThrow().getHealthCheck();
    assertThat(hc.getType()).isEqualTo(Protos.HealthCheck.Type.COMMAND);
    assertThat(hc.getCommand().getShell()).isTrue();
    assertThat(hc.getCommand().getValue()).isEqualTo("curl -f localhost:$AURORA_PORT_HTTP/ok");
    assertThat(hc.getCommand().getEnvironment().getVariablesList())
        .anySatisfy(v -> assertThat(v.getName()).isEqualTo("AURORA_TASK_ID"));
    assertThat(hc.getGracePeriodSeconds()).isEqualTo(2.0);
    assertThat(hc.getDelaySeconds()).isEqualTo(2.0);
  }

  @Test
  void mesosVerdictsBecomeTheTasksHealthAfterMoreThanTheToleratedFailuresInARow() {
    h = new Harness(FakeMesosMaster.builder().agents(1).updateRetry(Duration.ofMillis(100)), b -> { });
    h.recorder.holdAcks = true; // unacknowledged updates come again: each failure still counts once
    TaskLaunch l = launch(h.freshOffer(), checked(HTTP));
    // each update is acknowledged some time after it came (the next one comes only then)
    await("reported healthy", () -> {
      h.recorder.runHeldAcks();
      return h.recorder.last(l.taskId()).flatMap(TaskStatus::healthy).orElse(false);
    });
    h.recorder.runHeldAcks();
    h.recorder.holdAcks = false;

    h.master.setHealth(l.taskId().value(), false);
    h.master.setHealth(l.taskId().value(), false);
    await("both failures acknowledged", () -> h.master.unacknowledged() == 0);
    assertThat(h.recorder.statuses).noneMatch(s -> s.healthy().equals(java.util.Optional.of(false)));

    h.master.setHealth(l.taskId().value(), false);
    await("unhealthy after the third failure in a row", () -> h.recorder.last(l.taskId()).flatMap(TaskStatus::healthy)
        .equals(java.util.Optional.of(false)));

    h.master.setHealth(l.taskId().value(), true);
    await("healthy again", () -> h.recorder.last(l.taskId()).flatMap(TaskStatus::healthy).orElse(false));
    assertThat(h.master.violations()).isEmpty();
  }

  // ------------------------------------------------------------------ a scheduler on Mesos

  static JobConfig web(String version) {
    return Job.service("www/prod/web").instances(3)
        .task(t -> t.process("server", "./server --port {{port.http}} --version " + version).cpus(0.5).ramMb(64)
            .diskMb(10).port("http").healthCheck(HealthCheck.http("http", "/health")))
        .update(UpdateSettings.builder().batchSizes(1).watch(Duration.ofMillis(200)).maxFailedInstances(0)
            .maxPerInstanceFailures(0).rollbackOnFailure(true).build())
        .build();
  }

  void startScheduler() {
    master = FakeMesosMaster.builder().agents(3).updateRetry(Duration.ofMillis(200)).build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    storage = Storage.inMemory();
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(storage).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100))
        .flapping(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(50)).build();
    scheduler.start();
  }

  List<ScheduledTask> active(JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key()).active());
  }

  static boolean isVersion(Protos.TaskInfo info, String version) {
    return info.getCommand().getValue().endsWith("--version " + version);
  }

  @Test
  void aRollingUpdateOnMesosWaitsForTheNewTasksToBeHealthy() throws Exception {
    startScheduler();
    JobConfig v1 = web("1");
    scheduler.createJob(v1, Principal.of("test"));
    scheduler.whenHealthy(v1.key()).get(20, java.util.concurrent.TimeUnit.SECONDS);
    master.healthOnStart(info -> isVersion(info, "2"), FakeMesosMaster.Health.SILENT);

    UpdateId id = scheduler.startUpdate(v1.key(), web("2"), Principal.of("test"), "v2");
    Await.until("the first new task running, its health not reported", () -> active(v1).stream()
        .anyMatch(t -> t.status() == ScheduleStatus.RUNNING && t.config().equals(web("2").task())));
    ScheduledTask first = active(v1).stream().filter(t -> t.config().equals(web("2").task())).findFirst().orElseThrow();
    // no health, no progress: the update holds at one new instance, however long it watches
    Await.until("the watch time passed a few times", () -> java.time.Instant.now()
        .isAfter(first.timeOf(ScheduleStatus.RUNNING).orElseThrow().plusSeconds(1)));
    assertThat(active(v1)).filteredOn(t -> t.config().equals(web("2").task())).hasSize(1);
    assertThat(scheduler.update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);

    master.healthOnStart(info -> true, FakeMesosMaster.Health.HEALTHY);
    master.setHealth(first.id().value(), true);

    Await.until("rolled forward", () -> scheduler.update(id).orElseThrow().status() == UpdateStatus.ROLLED_FORWARD);
    assertThat(active(v1)).hasSize(3).allSatisfy(t -> {
      assertThat(t.config()).isEqualTo(web("2").task());
      assertThat(t.isRunningAndHealthy()).isTrue();
    });
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aRollingUpdateOnMesosRollsBackWhenANewTaskTurnsUnhealthy() throws Exception {
    startScheduler();
    JobConfig v1 = web("1");
    scheduler.createJob(v1, Principal.of("test"));
    scheduler.whenHealthy(v1.key()).get(20, java.util.concurrent.TimeUnit.SECONDS);
    master.healthOnStart(info -> isVersion(info, "bad"), FakeMesosMaster.Health.UNHEALTHY);

    UpdateId id = scheduler.startUpdate(v1.key(), web("bad"), Principal.of("test"), "break it");

    Await.until("rolled back", () -> scheduler.update(id).orElseThrow().status() == UpdateStatus.ROLLED_BACK);
    Await.until("v1 whole and healthy again", () -> active(v1).size() == 3
        && active(v1).stream().allMatch(t -> t.config().equals(v1.task()) && t.isRunningAndHealthy()));
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void healthChangesOnMesosReachTheSchedulerAsTheAnnouncerSeesThem() throws Exception {
    startScheduler();
    JobConfig v1 = web("1");
    List<SchedulerEvent.TaskHealthChanged> changes = new CopyOnWriteArrayList<>();
    scheduler.events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskHealthChanged c) {
        changes.add(c);
      }
    });
    scheduler.createJob(v1, Principal.of("test"));
    ScheduledTask task = scheduler.whenHealthy(v1.key()).get(20, java.util.concurrent.TimeUnit.SECONDS).get(0);

    master.setHealth(task.id().value(), false);
    Await.until("unhealthy in the scheduler", () -> scheduler.task(task.id()).orElseThrow().healthy()
        .equals(java.util.Optional.of(false)));
    assertThat(scheduler.task(task.id()).orElseThrow().isRunningAndHealthy()).isFalse();
    master.setHealth(task.id().value(), true);
    Await.until("healthy again", () -> scheduler.task(task.id()).orElseThrow().isRunningAndHealthy());

    Await.until("the changes as events", () -> changes.stream().filter(c -> c.task().id().equals(task.id()))
        .map(SchedulerEvent.TaskHealthChanged::healthy).toList().equals(List.of(true, false, true)));
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aTcpHealthCheckGoesToMesosOnTheNamedPortsNumber() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskLaunch l = launch(h.freshOffer(), checked(HealthCheck.tcp("http")));
    await("running", () -> h.recorder.saw(l.taskId(), ScheduleStatus.RUNNING));

    Protos.HealthCheck hc = h.master.taskInfo(l.taskId().value()).orElseThrow().getHealthCheck();
    assertThat(hc.getType()).isEqualTo(Protos.HealthCheck.Type.TCP);
    assertThat(hc.getTcp().getPort()).isEqualTo(31007);
  }

  @Test
  void anOlderHealthUpdateSentAgainDoesNotUndoANewerOne() {
    h = new Harness(FakeMesosMaster.builder().agents(1).updateRetry(Duration.ofMillis(100)), b -> { });
    h.recorder.holdAcks = true;
    TaskLaunch l = launch(h.freshOffer(), checked(HealthCheck.http("http", "/health")));
    await("reported healthy", () -> {
      h.recorder.runHeldAcks();
      return h.recorder.last(l.taskId()).flatMap(TaskStatus::healthy).orElse(false);
    });

    await("acknowledged", () -> {
      h.recorder.runHeldAcks();
      return h.master.unacknowledged() == 0;
    });
    // from here nothing is acknowledged: the master sends the update in flight again and again, and
    // an older one the backend heard again (a copy) must not undo it
    h.master.setHealth(l.taskId().value(), false);
    await("reported unhealthy", () -> h.recorder.statuses().stream().anyMatch(s -> s.taskId().equals(l.taskId())
        && s.healthy().equals(java.util.Optional.of(false))));
    int after = h.recorder.statuses().size();
    // copies of updates still being acknowledged are dropped by the backend (counted), not forwarded
    double copies = h.registry.counter("aurora.mesos.updates.duplicate").count();
    await("the older updates sent again a few times",
        () -> h.registry.counter("aurora.mesos.updates.duplicate").count() >= copies + 6);

    assertThat(h.recorder.statuses().subList(after, h.recorder.statuses().size()))
        .noneMatch(s -> s.healthy().equals(java.util.Optional.of(true)));
    h.recorder.runHeldAcks();
  }
}
