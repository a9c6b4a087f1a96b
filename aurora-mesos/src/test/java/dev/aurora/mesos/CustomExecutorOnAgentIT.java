package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ProcessRecord;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosAgent;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.mesos.v1.Protos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with the real executor jar as the custom executor: the backend launches on the fake
 * master; the test plays the agent: it fetches the ExecutorInfo's URIs into a sandbox, runs the
 * executor's command with the environment an agent sets, pointing at a {@link FakeMesosAgent}, sends
 * it the LAUNCH (and KILL), and forwards each UPDATE through the fake master to the backend, as an
 * agent does. The per-process records the runner's executor writes reach the core as the backend
 * reads them.
 */
class CustomExecutorOnAgentIT {
  static Path jar;
  static final Path JAVA = ExecutorJar.JAVA;

  @TempDir Path sandbox;
  Harness h;
  FakeMesosAgent agent;
  Process executor;

  @BeforeAll
  static void findTheJar() {
    jar = ExecutorJar.find();
  }

  @AfterEach
  void close() throws Exception {
    if (executor != null && executor.isAlive()) {
      executor.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (agent != null) {
      agent.close();
    }
    if (h != null) {
      h.close();
    }
  }

  static TaskConfig task(UnaryOperator<dev.aurora.api.TaskBuilder> processes) {
    return Job.adhoc("www/prod/graph").task(t -> processes.apply(t.cpus(0.5).ramMb(64).diskMb(10).port("http")))
        .build().task();
  }

  /** Launches {@code task} and starts its executor as an agent would; returns the task's id. */
  TaskId launch(TaskConfig task) throws IOException {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.customExecutor(jar.toUri(), JAVA.toString()));
    TaskId id = h.launch(h.freshOffer(), task);
    Protos.TaskInfo info = Await.value("the task launched", () -> h.master.taskInfo(id.value()));
    Protos.ExecutorInfo e = info.getExecutor();
    for (Protos.CommandInfo.URI uri : e.getCommand().getUrisList()) {
      String name = uri.hasOutputFile() ? uri.getOutputFile()
          : uri.getValue().substring(uri.getValue().lastIndexOf('/') + 1);
      try (InputStream in = java.net.URI.create(uri.getValue()).toURL().openStream()) {
        Files.copy(in, sandbox.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    agent = FakeMesosAgent.start();
    agent.onUpdate(s -> h.master.executorUpdate(s.getTaskId().getValue(), s.getState(), s.getMessage(),
        s.getData().toByteArray()));
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", e.getCommand().getValue()).directory(sandbox.toFile())
        .redirectErrorStream(true).redirectOutput(sandbox.resolve("executor.log").toFile());
    pb.environment().putAll(agent.executorEnvironment(h.backend.frameworkId().orElseThrow(),
        e.getExecutorId().getValue(), sandbox, true));
    executor = pb.start();
    until("the executor subscribed", agent::subscribed, Duration.ofSeconds(60));
    agent.launch(info);
    return id;
  }

  static void until(String what, java.util.function.BooleanSupplier condition, Duration bound) {
    Await.value(what, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), bound);
  }

  String log() throws IOException {
    Path p = sandbox.resolve("executor.log");
    return Files.exists(p) ? Files.readString(p) : "";
  }

  TaskStatus awaitEnd(TaskId id, ScheduleStatus state) throws IOException {
    try {
      until("the task ended " + state, () -> h.recorder.saw(id, state), Duration.ofSeconds(60));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the executor's log:\n" + log(), e);
    }
    return h.recorder.last(id).orElseThrow();
  }

  @Test
  void theRunnersProcessRecordsReachTheBackendThroughTheCustomExecutor() throws Exception {
    TaskId id = launch(task(t -> t
        .process("fetch", "echo fetched {{port.http}} >> log")
        .process("serve", "echo served {{task_id}} >> log")
        .finalizer("flush", "echo flushed >> log")
        .order("fetch", "serve")));

    TaskStatus end = awaitEnd(id, ScheduleStatus.FINISHED);

    assertThat(end.processes()).extracting(ProcessRecord::process, ProcessRecord::state, ProcessRecord::exitCode)
        .containsExactly(tuple("fetch", ProcessRecord.State.SUCCESS, Optional.of(0)),
            tuple("serve", ProcessRecord.State.SUCCESS, Optional.of(0)),
            tuple("flush", ProcessRecord.State.SUCCESS, Optional.of(0)));
    assertThat(end.processes()).allSatisfy(p -> {
      assertThat(p.run()).isEqualTo(1);
      assertThat(p.startedAt()).isPresent();
      assertThat(p.endedAt()).isPresent();
    });
    List<TaskStatus> reports;
    synchronized (h.recorder) {
      reports = List.copyOf(h.recorder.statuses);
    }
    assertThat(reports).as("a report while serve ran").anySatisfy(s -> assertThat(s.processes())
        .anySatisfy(p -> assertThat(p.process() + " " + p.state()).isEqualTo("serve RUNNING")));
    assertThat(Files.readString(sandbox.resolve("log"))).matches("fetched 31000\nserved t-\\d+\nflushed\n");
    assertThat(executor.waitFor(60, TimeUnit.SECONDS)).as("the executor exits; its log:\n%s", log()).isTrue();
    assertThat(executor.exitValue()).isZero();
    assertThat(agent.violations()).isEmpty();
    assertThat(h.master.violations()).isEmpty();
    assertThat(h.counter("bad_process_data")).isZero();
  }

  @Test
  void theAgentsKillStopsTheGraphRunsTheFinalizerAndTheTaskEndsKilledWithItsRecords() throws Exception {
    TaskId id = launch(task(t -> t
        .process("serve", "exec sleep 600")
        .finalizer("flush", "echo flushed >> log")
        .killGracePeriod(Duration.ofSeconds(2))));
    until("serve runs", () -> h.recorder.last(id).map(s -> s.processes().stream()
        .anyMatch(p -> p.process().equals("serve") && p.state() == ProcessRecord.State.RUNNING)).orElse(false),
        Duration.ofSeconds(60));

    agent.kill(id.value()); // as the agent forwards the scheduler's KILL to the task's executor

    TaskStatus end = awaitEnd(id, ScheduleStatus.KILLED);
    assertThat(end.processes()).extracting(ProcessRecord::process, ProcessRecord::state)
        .containsExactly(tuple("serve", ProcessRecord.State.KILLED), tuple("flush", ProcessRecord.State.SUCCESS));
    assertThat(Files.readString(sandbox.resolve("log"))).isEqualTo("flushed\n");
    assertThat(executor.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }
}
