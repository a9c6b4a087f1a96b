package dev.aurora.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import dev.aurora.runner.ProcessReport;
import dev.aurora.runner.ProcessState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's process graph on the local backend: the task runner with real processes. */
class ProcessGraphOnLocalBackendTest {
  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;
  private HttpServer server;

  @AfterEach
  void close() {
    if (backend != null) {
      backend.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  private LocalBackend start(int portBase) {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(2).ramMbPerAgent(1024)
        .diskMbPerAgent(1024).portBase(portBase).portsPerAgent(1).killGracePeriod(Duration.ofSeconds(5)).build();
    backend.start(listener);
    return backend;
  }

  private TaskId launch(Consumer<dev.aurora.api.TaskBuilder> task) {
    TaskConfig config = Job.adhoc("www-data/test/graph").task(t -> {
      t.cpus(0.1).ramMb(16).diskMb(1);
      task.accept(t);
    }).build().task();
    Offer offer = listener.awaitOffer("local-0");
    var launch = Tasks.launch(offer, config, List.of()).build();
    backend.launch(List.of(offer.id()), List.of(launch));
    return launch.taskId();
  }

  @Test
  void anOrderedGraphWithAFinalizerRunsInOrderAndReportsEachProcess() throws IOException {
    start(31000);
    TaskId id = launch(t -> t
        .process("serve", "echo serve >> log")
        .process("build", "echo build >> log")
        .process("fetch", "echo fetch >> log")
        .finalizer("flush", "echo flush >> log")
        .order("fetch", "build", "serve"));

    TaskStatus end = listener.awaitEnd(id);

    assertThat(end.state()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(end.message()).isEqualTo("process 'serve' exited 0, the last of 3");
    Path sandbox = Tasks.awaitSandbox(backend, id);
    assertThat(Files.readString(sandbox.resolve("log"))).isEqualTo("fetch\nbuild\nserve\nflush\n");
    assertThat(backend.processes(id)).extracting(ProcessReport::process, ProcessReport::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("serve", ProcessState.SUCCESS),
            org.assertj.core.groups.Tuple.tuple("build", ProcessState.SUCCESS),
            org.assertj.core.groups.Tuple.tuple("fetch", ProcessState.SUCCESS),
            org.assertj.core.groups.Tuple.tuple("flush", ProcessState.SUCCESS));
    assertThat(backend.processes(id)).allSatisfy(r -> {
      assertThat(r.exitCode()).hasValue(0);
      assertThat(r.startedAt()).isPresent();
      assertThat(r.endedAt()).isPresent();
    });
    assertThat(Files.readAllLines(sandbox.resolve(".aurora/processes")))
        .anySatisfy(l -> assertThat(l).contains("fetch run 1 SUCCESS").contains("exit 0"));
  }

  /** A process that exits 1 if another such process runs at the same time, and logs its start and end. */
  private static String alone(String name) {
    return "[ -e running ] && { echo " + name + " overlapped >> log; exit 1; }; touch running;"
        + " echo start " + name + " >> log; sleep 0.3; echo end " + name + " >> log; rm running";
  }

  @Test
  void aTasksMaxConcurrencyAndMaxFailuresHoldOnRealProcesses() throws IOException {
    start(31000);
    TaskId id = launch(t -> t
        .process("a", alone("a"))
        .process("b", alone("b"))
        .process("bad", "exit 3")
        .parallel()
        .maxConcurrency(1)
        .maxFailures(2));

    TaskStatus end = listener.awaitEnd(id);

    assertThat(end.state()).as(end.message()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(end.message()).contains("1 failed");
    Path sandbox = Tasks.awaitSandbox(backend, id);
    assertThat(Files.readString(sandbox.resolve("log"))).isEqualTo("start a\nend a\nstart b\nend b\n");
    assertThat(backend.processes(id)).extracting(ProcessReport::process, ProcessReport::state).contains(
        org.assertj.core.groups.Tuple.tuple("bad", ProcessState.FAILED));
  }

  @Test
  void aRotatingLoggerKeepsAProcesssOutputFilesInTheSandboxUnderTheirSize() throws IOException {
    start(31000);
    TaskId id = launch(t -> t
        .process(dev.aurora.api.ProcessConfig.builder().name("chatty")
            .command("i=0; while [ $i -lt 30 ]; do i=$((i+1)); printf '%099d\\n' $i; done").build())
        .process(dev.aurora.api.ProcessConfig.builder().name("quiet").command("echo hidden")
            .logger(dev.aurora.api.ProcessLogger.none()).build())
        .logger(dev.aurora.api.ProcessLogger.rotate(1000, 1)));

    TaskStatus end = listener.awaitEnd(id);

    assertThat(end.state()).as(end.message()).isEqualTo(ScheduleStatus.FINISHED);
    Path sandbox = Tasks.awaitSandbox(backend, id);
    assertThat(Files.size(sandbox.resolve("chatty.stdout"))).isEqualTo(1000);
    assertThat(Files.size(sandbox.resolve("chatty.stdout.1"))).isEqualTo(1000);
    assertThat(sandbox.resolve("chatty.stdout.2")).doesNotExist();
    assertThat(Files.readString(sandbox.resolve("chatty.stdout"))).endsWith(String.format("%099d%n", 30));
    assertThat(sandbox.resolve("quiet.stdout")).doesNotExist();
  }

  @Test
  void eachProcesssStateExitCodeAndTimesReachTheSchedulerBeforeTheTasksEnd() {
    start(31000);
    TaskId id = launch(t -> t
        .process("fetch", "echo fetch")
        .process("build", "exit 3")
        .finalizer("flush", "echo flush")
        .order("fetch", "build"));

    TaskStatus end = listener.awaitEnd(id);

    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    List<dev.aurora.core.ProcessRecord> reports = listener.processReports(id); // in order, all before the end
    assertThat(reports).extracting(dev.aurora.core.ProcessRecord::process, dev.aurora.core.ProcessRecord::state)
        .contains(
            org.assertj.core.groups.Tuple.tuple("fetch", dev.aurora.core.ProcessRecord.State.RUNNING),
            org.assertj.core.groups.Tuple.tuple("fetch", dev.aurora.core.ProcessRecord.State.SUCCESS),
            org.assertj.core.groups.Tuple.tuple("build", dev.aurora.core.ProcessRecord.State.FAILED),
            org.assertj.core.groups.Tuple.tuple("flush", dev.aurora.core.ProcessRecord.State.SUCCESS));
    dev.aurora.core.ProcessRecord build = reports.stream()
        .filter(r -> r.process().equals("build") && r.state().isTerminal()).findFirst().orElseThrow();
    assertThat(build.exitCode()).hasValue(3);
    assertThat(build.run()).isEqualTo(1);
    assertThat(build.startedAt()).isPresent();
    assertThat(build.endedAt()).isPresent();
    assertThat(build.endedAt().get()).isAfterOrEqualTo(build.startedAt().get());
    assertThat(listener.statuses(id)).extracting(TaskStatus::state)
        .as("the task's own reports are unchanged")
        .containsExactly(ScheduleStatus.STARTING, ScheduleStatus.RUNNING, ScheduleStatus.FAILED);
  }

  @Test
  void aKillUsesTheTasksOwnGracePeriodThenRunsItsFinalizer() throws IOException {
    start(31000);
    TaskId id = launch(t -> t
        .process("stubborn", "trap '' TERM; while true; do sleep 0.1; done")
        .finalizer("flush", "echo flushed > flushed")
        .killGracePeriod(Duration.ofMillis(300)));
    listener.awaitStatus(id, ScheduleStatus.RUNNING);

    backend.kill(id);
    TaskStatus end = listener.awaitEnd(id);

    assertThat(end.state()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(end.message()).isEqualTo("killed on request (SIGKILL after the 300 ms grace period)");
    assertThat(Files.readString(Tasks.awaitSandbox(backend, id).resolve("flushed"))).isEqualTo("flushed\n");
  }

  @Test
  void aKillAsksTheTasksHttpPortToQuitBeforeAnySignal() throws IOException {
    List<String> requests = Collections.synchronizedList(new ArrayList<>());
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int port = server.getAddress().getPort();
    Path quit = root.resolve("quit-asked");
    server.createContext("/", exchange -> {
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      if (exchange.getRequestURI().getPath().equals("/quitquitquit")) {
        Files.writeString(quit, "");
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    start(port); // the task's port "http" is the in-test server's
    TaskId id = launch(t -> t.port("http")
        .process("server", "echo {{port.http}} > port; i=0; while [ ! -e " + quit + " ]; do i=$((i+1));"
            + " [ $i -gt 400 ] && exit 1; sleep 0.05; done")
        .httpLifecycle(HttpLifecycle.builder().port("http").gracefulShutdownWait(Duration.ofSeconds(20)).build()));
    listener.awaitStatus(id, ScheduleStatus.RUNNING);

    backend.kill(id);
    TaskStatus end = listener.awaitEnd(id);

    assertThat(Files.readString(Tasks.awaitSandbox(backend, id).resolve("port")).strip())
        .isEqualTo(Integer.toString(port));
    assertThat(end.state()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(end.message()).isEqualTo("killed on request");
    assertThat(requests).containsExactly("POST /quitquitquit");
    assertThat(backend.processes(id)).singleElement().satisfies(r -> assertThat(r.exitCode()).as(
        "it exited by itself once asked to quit, before any signal").hasValue(0));
  }
}
