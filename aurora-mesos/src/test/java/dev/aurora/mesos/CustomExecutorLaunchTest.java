package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ProcessRecord;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code customExecutor(jar, java)} a launch carries an ExecutorInfo running the task runner's
 * Mesos custom executor, and the process records its status updates carry reach the core.
 */
class CustomExecutorLaunchTest {
  static final java.net.URI JAR = RunnerExecutorLaunchTest.JAR;
  Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /** Process records as the runner's executor writes them (dev.aurora.runner.ProcessStatusData, version 1). */
  static byte[] records(String... processes) {
    return ("{\"format\":\"aurora-processes\",\"version\":1,\"processes\":[" + String.join(",", processes) + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aLaunchCarriesAnExecutorInfoThatRunsTheRunnerJarAsTheCustomExecutor() throws Exception {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.customExecutor(JAR, "/usr/bin/java")
        .executorResources(0.25, 128));
    Offer o = h.freshOffer();
    TaskId id = h.launch(o, RunnerExecutorLaunchTest.graph());

    Protos.TaskInfo info = Await.value("the task launched", () -> h.master.taskInfo(id.value()));
    assertThat(info.hasCommand()).as("a task of an executor has no command of its own").isFalse();
    Protos.ExecutorInfo executor = info.getExecutor();
    assertThat(executor.getType()).isEqualTo(Protos.ExecutorInfo.Type.CUSTOM);
    assertThat(executor.getExecutorId().getValue()).isEqualTo("aurora-" + id.value());
    assertThat(executor.getCommand().getValue()).isEqualTo(
        "exec '/usr/bin/java' -Xmx64m -cp 'aurora-runner-0.1.0-executor.jar' dev.aurora.runner.MesosExecutorMain");
    assertThat(executor.getCommand().getUrisList()).extracting(Protos.CommandInfo.URI::getValue)
        .containsExactly(JAR.toString(), "https://repo.example.com/site.tar.gz");
    assertThat(executor.getCommand().getUris(0).getCache()).isTrue();
    assertThat(executor.getCommand().getUris(0).getExtract()).isFalse();
    assertThat(executor.getResourcesList()).extracting(Protos.Resource::getName).containsExactly("cpus", "mem");
    assertThat(executor.getResources(0).getScalar().getValue()).isEqualTo(0.25);
    assertThat(executor.getResources(1).getScalar().getValue()).isEqualTo(128);
    assertThat(executor.getResourcesList()).allSatisfy(r -> assertThat(r.hasAllocationInfo()).isTrue());
    // the executor's shutdown grace covers the runner's graceful kill: 45 s (as the command mode's) + 5 s
    assertThat(Duration.ofNanos(executor.getShutdownGracePeriod().getNanoseconds())).isEqualTo(Duration.ofSeconds(50));
    assertThat(Duration.ofNanos(info.getKillPolicy().getGracePeriod().getNanoseconds())).isEqualTo(Duration.ofSeconds(45));
    // the task's resources are its own, as without an executor
    assertThat(info.getResourcesList()).extracting(Protos.Resource::getName).contains("cpus", "mem", "disk", "ports");

    JsonNode description = AuroraJson.newMapper().readTree(info.getData().toStringUtf8());
    assertThat(description.get("taskId").asText()).isEqualTo(id.value());
    assertThat(description.get("ports").get("http").asInt()).isEqualTo(o.ports().get(0).begin());
    assertThat(AuroraJson.newMapper().treeToValue(description.get("task"), TaskConfig.class))
        .isEqualTo(RunnerExecutorLaunchTest.graph());
    Await.until("the task runs", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void theExecutorsResourcesComeFromTheOfferToo() {
    // 1 cpu on the agent: a 0.5-cpu task fits alone, not with a 0.75-cpu executor
    h = new Harness(FakeMesosMaster.builder().agents(1).resources(1, 4096, 4096),
        b -> b.customExecutor(JAR, "java").executorResources(0.75, 256));
    TaskId id = h.launch(h.freshOffer(), RunnerExecutorLaunchTest.graph());
    Await.until("the task reported lost", () -> h.recorder.saw(id, ScheduleStatus.LOST));
    assertThat(h.recorder.last(id).orElseThrow().message()).contains("(with its executor)").contains("cpus");
    assertThat(h.counter("launch_beyond_offer")).isEqualTo(1);
  }

  @Test
  void theProcessRecordsAStatusUpdateCarriesReachTheScheduler() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.customExecutor(JAR, "java"));
    TaskId id = h.launch(h.freshOffer(), RunnerExecutorLaunchTest.graph());
    Await.until("the task runs", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));

    h.master.executorUpdate(id.value(), TaskState.TASK_RUNNING, "process 'fetch' run 1 SUCCESS", records(
        "{\"process\":\"fetch\",\"run\":1,\"state\":\"SUCCESS\",\"pid\":4711,\"exitCode\":0,"
            + "\"startedAt\":\"2026-01-05T10:15:30Z\",\"endedAt\":\"2026-01-05T10:15:31Z\",\"message\":\"exited 0\","
            + "\"someFieldOfALaterRunner\":true}",
        "{\"process\":\"serve\",\"run\":2,\"state\":\"RUNNING\",\"startedAt\":\"2026-01-05T10:15:40Z\",\"message\":\"\"}"));

    TaskStatus s = Await.value("the records reported", () -> h.recorder.last(id).filter(x -> !x.processes().isEmpty()));
    assertThat(s.processes()).containsExactly(
        new ProcessRecord("fetch", 1, ProcessRecord.State.SUCCESS, Optional.of(0),
            Optional.of(Instant.parse("2026-01-05T10:15:30Z")), Optional.of(Instant.parse("2026-01-05T10:15:31Z")),
            "exited 0"),
        new ProcessRecord("serve", 2, ProcessRecord.State.RUNNING, Optional.empty(),
            Optional.of(Instant.parse("2026-01-05T10:15:40Z")), Optional.empty(), ""));
    assertThat(s.state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void unreadableRecordsAreCountedAndTheStatusStillCounts() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.customExecutor(JAR, "java"));
    TaskId id = h.launch(h.freshOffer(), RunnerExecutorLaunchTest.graph());
    Await.until("the task runs", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));

    h.master.executorUpdate(id.value(), TaskState.TASK_FINISHED, "done",
        records("{\"process\":\"fetch\",\"run\":1,\"state\":\"NO_SUCH_STATE\"}"));

    Await.until("the task finished", () -> h.recorder.saw(id, ScheduleStatus.FINISHED));
    assertThat(h.recorder.last(id).orElseThrow().processes()).isEmpty();
    assertThat(h.counter("bad_process_data")).isEqualTo(1);
  }

  @Test
  void dataOfAnotherFormatOrANewerVersionCarriesNoRecords() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.customExecutor(JAR, "java"));
    TaskId id = h.launch(h.freshOffer(), RunnerExecutorLaunchTest.graph());
    Await.until("the task runs", () -> h.recorder.saw(id, ScheduleStatus.RUNNING));

    h.master.executorUpdate(id.value(), TaskState.TASK_RUNNING, "", "some executor's own bytes".getBytes());
    h.master.executorUpdate(id.value(), TaskState.TASK_FINISHED, "done",
        "{\"format\":\"aurora-processes\",\"version\":2,\"processes\":{}}".getBytes(StandardCharsets.UTF_8));

    Await.until("the task finished", () -> h.recorder.saw(id, ScheduleStatus.FINISHED));
    assertThat(h.recorder.statuses).allSatisfy(st -> assertThat(st.processes()).isEmpty());
    assertThat(h.counter("bad_process_data")).isZero();
  }

  @Test
  void badCustomExecutorSettingsAreNamed() {
    assertThatThrownBy(() -> MesosBackend.builder().masters(MasterDetector.parse("m:5050"))
        .customExecutor(java.net.URI.create("aurora-runner.jar"), " ").executor(JAR, "java")
        .executorResources(0, 16).build())
        .hasMessageContaining("customExecutor: the jar's URI needs a scheme")
        .hasMessageContaining("customExecutor: the java command must not be blank")
        .hasMessageContaining("executor and customExecutor: choose one")
        .hasMessageContaining("executorResources: need cpus > 0 and at least 32 MB");
    assertThatThrownBy(() -> MesosBackend.builder().masters(MasterDetector.parse("m:5050"))
        .executorResources(1, 256).build())
        .hasMessageContaining("executorResources: only for customExecutor");
  }

  @Test
  void aSchedulerOnMesosShowsEachProcesssRecordTheExecutorReports() {
    FakeMesosMaster master = FakeMesosMaster.builder().agents(1).build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).customExecutor(JAR, "java").build();
    Storage storage = Storage.inMemory();
    try (Scheduler scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(storage).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build()) {
      scheduler.start();
      JobConfig job = Job.service("www/prod/hello").instances(1).task(t -> t.cpus(0.5).ramMb(64).diskMb(10)
          .process("fetch", "echo fetched").process("serve", "./serve").order("fetch", "serve")).build();
      scheduler.createJob(job, Principal.of("test"));
      ScheduledTask running = Await.value("the task runs", () -> scheduler.tasks(TaskQuery.job(job.key())).stream()
          .filter(t -> t.status() == ScheduleStatus.RUNNING).findFirst());
      assertThat(master.taskInfo(running.id().value()).orElseThrow().getExecutor().getType())
          .isEqualTo(Protos.ExecutorInfo.Type.CUSTOM);

      master.executorUpdate(running.id().value(), TaskState.TASK_RUNNING, "", records(
          "{\"process\":\"fetch\",\"run\":1,\"state\":\"SUCCESS\",\"exitCode\":0,\"message\":\"exited 0\"}",
          "{\"process\":\"serve\",\"run\":1,\"state\":\"RUNNING\",\"message\":\"\"}"));
      List<ProcessRecord> records = Await.value("the records kept with the task", () -> scheduler.task(running.id())
          .map(ScheduledTask::processes).filter(p -> p.size() == 2));
      assertThat(records).extracting(ProcessRecord::process, ProcessRecord::state).containsExactly(
          org.assertj.core.api.Assertions.tuple("fetch", ProcessRecord.State.SUCCESS),
          org.assertj.core.api.Assertions.tuple("serve", ProcessRecord.State.RUNNING));
      assertThat(records.get(0).exitCode()).contains(0);

      // the task's end carries its processes' ends
      master.executorUpdate(running.id().value(), TaskState.TASK_FAILED, "process 'serve' failed", records(
          "{\"process\":\"fetch\",\"run\":1,\"state\":\"SUCCESS\",\"exitCode\":0,\"message\":\"exited 0\"}",
          "{\"process\":\"serve\",\"run\":1,\"state\":\"FAILED\",\"exitCode\":3,\"message\":\"exited 3\"}"));
      ScheduledTask failed = Await.value("the task failed", () -> scheduler.task(running.id())
          .filter(t -> t.status() == ScheduleStatus.FAILED));
      assertThat(failed.processes()).extracting(ProcessRecord::process, ProcessRecord::state, ProcessRecord::exitCode)
          .containsExactly(org.assertj.core.api.Assertions.tuple("fetch", ProcessRecord.State.SUCCESS, Optional.of(0)),
              org.assertj.core.api.Assertions.tuple("serve", ProcessRecord.State.FAILED, Optional.of(3)));
      assertThat(master.violations()).isEmpty();
    } finally {
      storage.close();
      master.close();
    }
  }
}
