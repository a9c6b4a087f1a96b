package dev.aurora.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.testkit.mesos.FakeMesosAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.executor.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Mesos custom executor as a real OS process ({@code java -cp <the test classpath>
 * dev.aurora.runner.MesosExecutorMain}, the environment a Mesos agent sets) against the testkit's
 * {@link FakeMesosAgent}, the executor endpoint of an agent on loopback.
 */
class MesosExecutorProcessTest {
  static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path sandbox;
  FakeMesosAgent agent;
  Process executor;
  Path log;

  @BeforeEach
  void startAgent() {
    agent = FakeMesosAgent.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (executor != null && executor.isAlive()) {
      executor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    agent.close();
  }

  void startExecutor(boolean checkpoint) throws IOException {
    log = sandbox.resolve("executor.log");
    ProcessBuilder pb = new ProcessBuilder(JAVA.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        "dev.aurora.runner.MesosExecutorMain").directory(sandbox.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(agent.executorEnvironment("framework-1", "aurora-t-1", sandbox, checkpoint));
    executor = pb.start();
    await("the executor subscribed", () -> agent.subscribed());
  }

  static Protos.TaskInfo taskInfo(String id, TaskConfig task) throws IOException {
    String description = "{\"taskId\":\"" + id + "\",\"instance\":0,\"task\":" + AuroraJson.toJson(task) + "}";
    return Protos.TaskInfo.newBuilder().setName("www/prod/hello/0").setTaskId(Protos.TaskID.newBuilder().setValue(id))
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-1"))
        .setData(ByteString.copyFromUtf8(description)).build();
  }

  void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; the executor's log:\n" + logText());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  boolean sawUpdate(TaskState state) {
    return agent.updates().stream().anyMatch(s -> s.getState() == state);
  }

  Protos.TaskStatus lastUpdate() {
    List<Protos.TaskStatus> u = agent.updates();
    return u.get(u.size() - 1);
  }

  /** The process records of an update, by name: {@code state} and {@code exitCode} of each. */
  static JsonNode processes(Protos.TaskStatus s) throws IOException {
    JsonNode data = JSON.readTree(s.getData().toStringUtf8());
    assertThat(data.get("format").asText()).isEqualTo("aurora-processes");
    assertThat(data.get("version").asInt()).isEqualTo(1);
    return data.get("processes");
  }

  static JsonNode process(Protos.TaskStatus s, String name) throws IOException {
    for (JsonNode p : processes(s)) {
      if (p.get("process").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no record of process " + name + " in " + s.getData().toStringUtf8());
  }

  int exitCode() throws InterruptedException {
    assertThat(executor.waitFor(60, TimeUnit.SECONDS)).as("the executor exited; its log:\n%s", logText()).isTrue();
    return executor.exitValue();
  }

  @Test
  void eachProcessChangeReachesTheAgentAsAnUpdateCarryingEveryProcesssRecord() throws Exception {
    startExecutor(true);
    TaskConfig task = Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("fetch", "echo fetched > fetched").process("serve", "exit 0").order("fetch", "serve")).build().task();
    agent.launch(taskInfo("t-1", task));

    await("the task finished", () -> sawUpdate(TaskState.TASK_FINISHED));
    assertThat(exitCode()).as("exits once every update is acknowledged").isZero();

    List<TaskState> states = agent.updates().stream().map(Protos.TaskStatus::getState).toList();
    assertThat(states.get(0)).isEqualTo(TaskState.TASK_STARTING);
    assertThat(states).contains(TaskState.TASK_RUNNING);
    assertThat(states.get(states.size() - 1)).isEqualTo(TaskState.TASK_FINISHED);
    assertThat(states.indexOf(TaskState.TASK_RUNNING)).isLessThan(states.indexOf(TaskState.TASK_FINISHED));
    // an update for each change of each process: fetch and serve each start and succeed
    List<String> seen = new ArrayList<>();
    for (Protos.TaskStatus s : agent.updates()) {
      for (JsonNode p : processes(s)) {
        String change = p.get("process").asText() + " " + p.get("state").asText();
        if (!seen.contains(change)) {
          seen.add(change);
        }
      }
    }
    assertThat(seen).containsSubsequence("fetch RUNNING", "fetch SUCCESS", "serve RUNNING", "serve SUCCESS");
    Protos.TaskStatus last = lastUpdate();
    assertThat(process(last, "fetch").get("state").asText()).isEqualTo("SUCCESS");
    assertThat(process(last, "fetch").get("exitCode").asInt()).isZero();
    assertThat(process(last, "fetch").get("startedAt").asText()).isNotEmpty();
    assertThat(process(last, "serve").get("state").asText()).isEqualTo("SUCCESS");
    assertThat(process(last, "serve").get("run").asInt()).isEqualTo(1);
    assertThat(last.getExecutorId().getValue()).isEqualTo("aurora-t-1");
    assertThat(agent.updates()).extracting(s -> s.getUuid()).doesNotHaveDuplicates();
    assertThat(Files.readString(sandbox.resolve("fetched"))).isEqualTo("fetched\n");
    assertThat(sandbox.resolve("fetch.stdout")).exists();
    assertThat(agent.violations()).isEmpty();
  }

  @Test
  void unacknowledgedUpdatesGoAgainInTheNextSubscribeAndOnlyThose() throws Exception {
    startExecutor(true);
    agent.autoAcknowledge(false);
    TaskConfig task = Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("main", "exit 0")).build().task();
    agent.launch(taskInfo("t-1", task));
    await("the task finished", () -> sawUpdate(TaskState.TASK_FINISHED));
    List<Protos.TaskStatus> sent = agent.updates();
    agent.acknowledge(sent.get(0)); // TASK_STARTING is acknowledged, the rest are not
    await("the acknowledgement reached the executor", () -> {
      agent.kill("no-such-task"); // a round trip on the stream: events are handled in order
      return logText().contains("KILL of task no-such-task");
    });

    agent.dropStream(); // the agent restarts
    await("the executor subscribed again", () -> agent.calls(Call.Type.SUBSCRIBE).size() == 2);
    Call.Subscribe again = agent.calls(Call.Type.SUBSCRIBE).get(1).getSubscribe();
    List<ByteString> unacknowledged = sent.subList(1, sent.size()).stream().map(Protos.TaskStatus::getUuid).toList();
    assertThat(again.getUnacknowledgedUpdatesList()).extracting(u -> u.getStatus().getUuid())
        .containsExactlyElementsOf(unacknowledged);
    assertThat(again.getUnacknowledgedUpdatesList().get(again.getUnacknowledgedUpdatesCount() - 1).getStatus()
        .getState()).isEqualTo(TaskState.TASK_FINISHED);
    assertThat(again.getUnacknowledgedTasksList()).as("a task one of whose updates was acknowledged").isEmpty();
    assertThat(executor.isAlive()).as("waits for its acknowledgements").isTrue();

    again.getUnacknowledgedUpdatesList().forEach(u -> agent.acknowledge(u.getStatus()));
    assertThat(exitCode()).isZero();
    assertThat(agent.violations()).isEmpty();
  }

  @Test
  void aTaskNeverAcknowledgedGoesAgainInTheSubscribeWithItsUpdates() throws Exception {
    startExecutor(true);
    agent.autoAcknowledge(false);
    TaskConfig task = Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("main", "exit 0")).build().task();
    Protos.TaskInfo info = taskInfo("t-1", task);
    agent.launch(info);
    await("the task finished", () -> sawUpdate(TaskState.TASK_FINISHED));
    agent.dropStream();
    await("the executor subscribed again", () -> agent.calls(Call.Type.SUBSCRIBE).size() == 2);
    Call.Subscribe again = agent.calls(Call.Type.SUBSCRIBE).get(1).getSubscribe();
    assertThat(again.getUnacknowledgedTasksList()).containsExactly(info);
    assertThat(again.getUnacknowledgedUpdatesCount()).isEqualTo(agent.updates().size());
  }

  @Test
  void aKillEndsTheTaskGracefullyAndRunsItsFinalizer() throws Exception {
    startExecutor(true);
    TaskConfig task = Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("serve", "exec sleep 600").finalizer("cleanup", "echo cleaned > cleaned")
        .killGracePeriod(Duration.ofSeconds(5)).finalizationWait(Duration.ofSeconds(20))).build().task();
    agent.launch(taskInfo("t-1", task));
    await("the task runs", () -> sawUpdate(TaskState.TASK_RUNNING));

    agent.kill("t-1");

    await("the task was killed", () -> sawUpdate(TaskState.TASK_KILLED));
    Protos.TaskStatus killed = lastUpdate();
    assertThat(killed.getState()).isEqualTo(TaskState.TASK_KILLED);
    assertThat(process(killed, "serve").get("state").asText()).isEqualTo("KILLED");
    assertThat(process(killed, "cleanup").get("state").asText()).isEqualTo("SUCCESS");
    assertThat(Files.readString(sandbox.resolve("cleaned"))).isEqualTo("cleaned\n");
    assertThat(exitCode()).isZero();
    assertThat(agent.violations()).isEmpty();
  }

  /** A task whose one process ignores SIGTERM, so only SIGKILL after a grace period ends it. */
  static TaskConfig ignoresSigterm(Duration killGracePeriod) {
    return Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("serve", "trap '' TERM; exec sleep 600").killGracePeriod(killGracePeriod)).build().task();
  }

  @Test
  void aKillWithAKillPolicyUsesItsGracePeriodNotTheTasks() throws Exception {
    startExecutor(true);
    agent.launch(taskInfo("t-1", ignoresSigterm(Duration.ofHours(1))));
    await("the task runs", () -> sawUpdate(TaskState.TASK_RUNNING));

    agent.send(org.apache.mesos.v1.executor.Protos.Event.newBuilder()
        .setType(org.apache.mesos.v1.executor.Protos.Event.Type.KILL)
        .setKill(org.apache.mesos.v1.executor.Protos.Event.Kill.newBuilder()
            .setTaskId(Protos.TaskID.newBuilder().setValue("t-1"))
            .setKillPolicy(Protos.KillPolicy.newBuilder()
                .setGracePeriod(Protos.DurationInfo.newBuilder().setNanoseconds(100_000_000L)))).build());

    // the task's own grace is an hour: only the kill policy's ends the task within the await's bound
    await("the task was killed", () -> sawUpdate(TaskState.TASK_KILLED));
    Protos.TaskStatus killed = lastUpdate();
    assertThat(killed.getMessage()).contains("SIGKILL after the kill grace period");
    assertThat(process(killed, "serve").get("state").asText()).isEqualTo("KILLED");
    assertThat(exitCode()).isZero();
    assertThat(agent.violations()).isEmpty();
  }

  @Test
  void aKillWithoutAKillPolicyUsesTheTasksGracePeriod() throws Exception {
    startExecutor(true);
    agent.launch(taskInfo("t-1", ignoresSigterm(Duration.ofMillis(100))));
    await("the task runs", () -> sawUpdate(TaskState.TASK_RUNNING));

    agent.kill("t-1");

    await("the task was killed", () -> sawUpdate(TaskState.TASK_KILLED));
    assertThat(lastUpdate().getMessage()).contains("SIGKILL after the kill grace period");
    assertThat(exitCode()).isZero();
  }

  @Test
  void shutdownKillsEveryTaskAndTheExecutorExits() throws Exception {
    startExecutor(true);
    TaskConfig task = Job.adhoc("www/prod/hello").task(t -> t.cpus(0.1).ramMb(16)
        .process("serve", "exec sleep 600").finalizer("cleanup", "echo cleaned > cleaned")).build().task();
    agent.launch(taskInfo("t-1", task));
    await("the task runs", () -> sawUpdate(TaskState.TASK_RUNNING));

    agent.shutdown();

    assertThat(exitCode()).isZero();
    assertThat(lastUpdate().getState()).isEqualTo(TaskState.TASK_KILLED);
    assertThat(Files.readString(sandbox.resolve("cleaned"))).isEqualTo("cleaned\n");
  }

  @Test
  void aTaskWhoseDataIsNoDescriptionFails() throws Exception {
    startExecutor(true);
    agent.launch(Protos.TaskInfo.newBuilder().setName("x").setTaskId(Protos.TaskID.newBuilder().setValue("t-2"))
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-1")).setData(ByteString.copyFromUtf8("{nope")).build());
    await("the task failed", () -> sawUpdate(TaskState.TASK_FAILED));
    assertThat(lastUpdate().getMessage()).startsWith("the task's data is no task description the runner reads");
    assertThat(lastUpdate().getReason()).isEqualTo(Protos.TaskStatus.Reason.REASON_TASK_INVALID);
    assertThat(exitCode()).isZero();
  }

  @Test
  void anEnvironmentNotSetByAnAgentIsRefusedNamingEveryProblem() {
    assertThat(MesosExecutorMain.run(Map.of("MESOS_FRAMEWORK_ID", "f"))).isEqualTo(2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MesosExecutor.Settings.from(
            Map.of("MESOS_FRAMEWORK_ID", "f", "MESOS_RECOVERY_TIMEOUT", "soon")))
        .hasMessageContaining("MESOS_AGENT_ENDPOINT: not set").hasMessageContaining("MESOS_EXECUTOR_ID: not set")
        .hasMessageContaining("MESOS_RECOVERY_TIMEOUT: not a Mesos duration");
    assertThat(MesosExecutor.Settings.from(Map.of("MESOS_AGENT_ENDPOINT", "10.0.0.1:5051", "MESOS_FRAMEWORK_ID", "f",
        "MESOS_EXECUTOR_ID", "e", "MESOS_RECOVERY_TIMEOUT", "15mins", "MESOS_CHECKPOINT", "1")))
        .satisfies(s -> {
          assertThat(s.endpoint()).hasToString("http://10.0.0.1:5051/api/v1/executor");
          assertThat(s.recoveryTimeout()).isEqualTo(Duration.ofMinutes(15));
          assertThat(s.checkpoint()).isTrue();
        });
  }
}
