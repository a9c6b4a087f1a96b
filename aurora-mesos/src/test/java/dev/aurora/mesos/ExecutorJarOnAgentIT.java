package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.mesos.internal.StatusMapping;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.mesos.v1.Protos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real executor jar ({@code aurora-runner/target/aurora-runner-<version>-executor.jar}, built by
 * the reactor before this module's integration tests) run the way a Mesos agent runs the launch the
 * fake master received: the URIs fetched into a fresh sandbox, {@code sh -c <command>} with the
 * command's environment and {@code MESOS_SANDBOX}, in the sandbox; its exit code mapped to a Mesos
 * state as the command executor does (0 TASK_FINISHED, any other TASK_FAILED, TASK_KILLED after a
 * kill, which is a SIGTERM), then to the core's state by the backend's own mapping.
 */
class ExecutorJarOnAgentIT {
  static Path jar;
  static final Path JAVA = ExecutorJar.JAVA;

  @TempDir Path sandbox;
  Harness h;

  @BeforeAll
  static void findTheJar() {
    jar = ExecutorJar.find();
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /** The agent's side: what the fake master received, run as the Mesos fetcher and command executor would. */
  final class AgentRun {
    final Process process;
    boolean killed;

    AgentRun(TaskConfig task) throws IOException {
      h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.executor(jar.toUri(), JAVA.toString()));
      TaskId id = h.launch(h.freshOffer(), task);
      Protos.TaskInfo info = Await.value("the task launched", () -> h.master.taskInfo(id.value()));
      Protos.CommandInfo command = info.getCommand();
      for (Protos.CommandInfo.URI uri : command.getUrisList()) {
        String name = uri.hasOutputFile() ? uri.getOutputFile()
            : uri.getValue().substring(uri.getValue().lastIndexOf('/') + 1);
        try (InputStream in = java.net.URI.create(uri.getValue()).toURL().openStream()) {
          Files.copy(in, sandbox.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      ProcessBuilder pb = new ProcessBuilder("sh", "-c", command.getValue()).directory(sandbox.toFile())
          .redirectOutput(sandbox.resolve("stdout").toFile()).redirectError(sandbox.resolve("stderr").toFile());
      Map<String, String> env = pb.environment();
      for (Protos.Environment.Variable v : command.getEnvironment().getVariablesList()) {
        env.put(v.getName(), v.getValue());
      }
      env.put("MESOS_SANDBOX", sandbox.toString());
      process = pb.start();
    }

    /** The command executor's kill: SIGTERM (the KillPolicy's grace before a SIGKILL). */
    void kill() {
      killed = true;
      process.destroy();
    }

    /** The exit code, and the core state the task ends in. */
    Map.Entry<Integer, ScheduleStatus> end() throws Exception {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the executor ended; stderr: %s", read("stderr")).isTrue();
      int code = process.exitValue();
      Protos.TaskState mesos = killed ? Protos.TaskState.TASK_KILLED
          : code == 0 ? Protos.TaskState.TASK_FINISHED : Protos.TaskState.TASK_FAILED;
      Optional<ScheduleStatus> core = StatusMapping.toCore(mesos);
      return Map.entry(code, core.orElseThrow());
    }
  }

  String read(String file) throws IOException {
    Path p = sandbox.resolve(file);
    return Files.exists(p) ? Files.readString(p) : "";
  }

  static TaskConfig task(UnaryOperator<dev.aurora.api.TaskBuilder> processes) {
    return Job.adhoc("www/prod/graph").task(t -> processes.apply(t.cpus(0.5).ramMb(64).diskMb(10).port("http")))
        .build().task();
  }

  @Test
  void anOrderedGraphWithAFinalizerRunsOnTheAgentAndSucceedsAsFinished() throws Exception {
    AgentRun run = new AgentRun(task(t -> t
        .process("fetch", "echo fetched {{port.http}} $AURORA_INSTANCE >> log")
        .process("serve", "echo served {{task_id}} >> log")
        .finalizer("flush", "echo flushed >> log")
        .order("fetch", "serve")));

    Map.Entry<Integer, ScheduleStatus> end = run.end();

    assertThat(end).isEqualTo(Map.entry(0, ScheduleStatus.FINISHED));
    assertThat(read("log")).matches("fetched 31000 \\d+\nserved t-\\d+\nflushed\n");
    assertThat(read("stdout")).contains("\"event\":\"ended\"").contains("\"state\":\"SUCCEEDED\"");
    assertThat(read("aurora-task.json")).contains("\"taskId\"");
    assertThat(read("fetch.stdout")).isEmpty();
  }

  @Test
  void aProcessFailingForGoodFailsTheTaskAsFailed() throws Exception {
    AgentRun run = new AgentRun(task(t -> t
        .process("build", "echo broken >&2; exit 2")
        .process("serve", "echo never >> log")
        .finalizer("flush", "echo flushed >> log")
        .order("build", "serve")));

    assertThat(run.end()).isEqualTo(Map.entry(1, ScheduleStatus.FAILED));
    assertThat(read("log")).isEqualTo("flushed\n");
    assertThat(read("stdout")).contains("\"state\":\"FAILED\"").contains("broken");
  }

  @Test
  void theCommandExecutorsKillStopsTheGraphRunsTheFinalizerAndEndsKilled() throws Exception {
    AgentRun run = new AgentRun(task(t -> t
        .process("serve", "echo up > up; exec sleep 60")
        .finalizer("flush", "echo flushed >> log")
        .killGracePeriod(java.time.Duration.ofSeconds(2))));
    // the bound allows for a JVM starting on a loaded machine (the other waits here allow 60 s too)
    Await.value("serve started", () -> Files.exists(sandbox.resolve("up")) ? Optional.of(true) : Optional.empty(),
        java.time.Duration.ofSeconds(60));

    run.kill();

    assertThat(run.end()).isEqualTo(Map.entry(3, ScheduleStatus.KILLED));
    assertThat(read("log")).isEqualTo("flushed\n");
    assertThat(read("stdout")).contains("\"state\":\"KILLED\"");
  }
}
