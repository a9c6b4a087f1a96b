package dev.aurora.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.ProcessLogger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskRunnerTest {
  private static final Duration GRACE = Duration.ofSeconds(2);

  @TempDir Path sandbox;
  private final Recorder recorder = new Recorder();

  private RunSpec spec(List<ProcessConfig> processes, List<List<String>> orders, boolean sequential) {
    return new RunSpec(processes, orders, sequential, Duration.ofSeconds(10), GRACE, Optional.empty(), sandbox,
        Map.of(), Map.of());
  }

  private RunSpec limited(List<ProcessConfig> processes, List<List<String>> orders, int maxFailures,
      int maxConcurrency) {
    return new RunSpec(processes, orders, false, Duration.ofSeconds(10), GRACE, Optional.empty(), sandbox,
        Map.of(), Map.of(), maxFailures, maxConcurrency, ProcessLogger.file());
  }

  private RunSpec logged(List<ProcessConfig> processes, ProcessLogger taskLogger) {
    return new RunSpec(processes, List.of(), false, Duration.ofSeconds(10), GRACE, Optional.empty(), sandbox,
        Map.of(), Map.of(), 1, 0, taskLogger);
  }

  private TaskOutcome run(RunSpec spec) throws Exception {
    return TaskRunner.start(spec, ProcessStarter.shell(), recorder).outcome().get(30, TimeUnit.SECONDS);
  }

  private static ProcessConfig p(String name, String command) {
    return ProcessConfig.builder().name(name).command(command).minDuration(Duration.ZERO).build();
  }

  /** Waits (bounded, polling every 50 ms) for a file the other side creates; exits 1 after 20 s. */
  private static String waitFor(String file) {
    return "i=0; while [ ! -e " + file + " ]; do i=$((i+1)); [ $i -gt 400 ] && exit 1; sleep 0.05; done";
  }

  private String read(String file) throws IOException {
    return Files.readString(sandbox.resolve(file));
  }

  @Test
  void orderedProcessesRunOnlyAfterTheOnesBeforeThemSucceeded() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            p("serve", "echo serve >> log"),
            p("build", "echo build >> log"),
            p("fetch", "echo fetch >> log")),
        List.of(List.of("fetch", "build", "serve")), false));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(outcome.message()).isEqualTo("process 'serve' exited 0, the last of 3");
    assertThat(read("log")).isEqualTo("fetch\nbuild\nserve\n");
    assertThat(recorder.order(ProcessState.RUNNING)).containsExactly("fetch", "build", "serve");
  }

  @Test
  void processesNoOrderBindsRunInParallel() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            p("a", "touch a.up; " + waitFor("b.up")),
            p("b", "touch b.up; " + waitFor("a.up"))),
        List.of(), false));

    assertThat(outcome.state()).as("each waits for the other to be up: only parallel runs succeed")
        .isEqualTo(TaskOutcome.State.SUCCEEDED);
  }

  @Test
  void aListOfProcessesWithoutOrderRunsInSequence() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            p("first", "sleep 0.3; touch first.done"),
            p("second", "test -e first.done")),
        List.of(), true));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(outcome.message()).isEqualTo("process 'second' exited 0, the last of 2");
  }

  @Test
  void aFailingProcessIsRunAgainUntilItsMaxFailures() throws Exception {
    String thirdTimeLucky = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]";
    TaskOutcome outcome = run(spec(List.of(ProcessConfig.builder().name("flaky").command(thirdTimeLucky)
        .maxFailures(3).minDuration(Duration.ZERO).build()), List.of(), true));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(read("count").strip()).isEqualTo("3");
    assertThat(recorder.of("flaky")).filteredOn(r -> r.exitCode().isPresent())
        .extracting(r -> r.run() + ":" + r.state() + ":" + r.exitCode().getAsInt())
        .containsExactly("1:WAITING:1", "2:WAITING:1", "3:SUCCESS:0");
  }

  @Test
  void aProcessThatUsesUpItsFailuresFailsTheTaskAndStopsTheRest() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            p("server", "sleep 600"),
            ProcessConfig.builder().name("check").command("echo broken >&2; exit 3").maxFailures(2)
                .minDuration(Duration.ZERO).build()),
        List.of(), false));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.FAILED);
    assertThat(outcome.message()).isEqualTo("process 'check' exited with code 3: broken (failed 2 times)");
    assertThat(recorder.of("server")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.KILLED));
    assertThat(recorder.of("check")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.FAILED));
  }

  @Test
  void aDaemonIsRestartedWheneverItExitsAndDoesNotHoldTheEnd() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            ProcessConfig.daemon("beat", "echo beat >> beats", Duration.ofMillis(20)),
            p("main", "i=0; until [ -e beats ] && [ $(wc -l < beats) -ge 3 ]; do i=$((i+1)); [ $i -gt 400 ] && exit 1;"
                + " sleep 0.05; done")),
        List.of(), true));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(recorder.of("beat")).filteredOn(r -> r.state() == ProcessState.RUNNING).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void anEphemeralProcessDoesNotHoldTheTasksEnd() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            ProcessConfig.ephemeral("logsaver", "sleep 600"),
            p("work", "true")),
        List.of(), true));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(recorder.of("logsaver")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.KILLED));
  }

  @Test
  void finalizersRunInOrderAfterTheTaskSucceeds() throws Exception {
    TaskOutcome outcome = run(spec(List.of(
            ProcessConfig.finalizer("upload", "echo upload >> log"),
            p("work", "echo work >> log"),
            ProcessConfig.finalizer("cleanup", "echo cleanup >> log")),
        List.of(), true));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(read("log")).isEqualTo("work\nupload\ncleanup\n");
  }

  @Test
  void finalizersRunWhenTheTaskIsKilled() throws Exception {
    TaskRun run = TaskRunner.start(spec(List.of(
            p("server", "touch up; sleep 600"),
            ProcessConfig.finalizer("flush", "echo flushed > flushed")),
        List.of(), true), ProcessStarter.shell(), recorder);
    awaitFile("up");
    run.kill();
    TaskOutcome outcome = run.outcome().get(30, TimeUnit.SECONDS);

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.KILLED);
    assertThat(outcome.message()).isEqualTo("killed on request");
    assertThat(read("flushed")).isEqualTo("flushed\n");
    assertThat(recorder.order(ProcessState.KILLED)).containsExactly("server");
    assertThat(recorder.order(ProcessState.SUCCESS)).containsExactly("flush");
  }

  @Test
  void finalizersThatOutliveTheFinalizationWaitAreKilled() throws Exception {
    RunSpec spec = new RunSpec(List.of(p("work", "true"), ProcessConfig.finalizer("slow", "sleep 600"),
        ProcessConfig.finalizer("never", "true")), List.of(), true, Duration.ofMillis(300), GRACE,
        Optional.empty(), sandbox, Map.of(), Map.of());
    TaskOutcome outcome = run(spec);

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(recorder.of("slow")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.KILLED));
    assertThat(recorder.of("never")).last().satisfies(r -> {
      assertThat(r.state()).isEqualTo(ProcessState.KILLED);
      assertThat(r.run()).isZero();
    });
  }

  @Test
  void eachProcessWritesItsOutputToFilesInTheSandboxAndReportsItsRun() throws Exception {
    run(spec(List.of(p("talk", "echo out; echo err >&2; exit 0")), List.of(), true));

    assertThat(read("talk.stdout")).isEqualTo("out\n");
    assertThat(read("talk.stderr")).isEqualTo("err\n");
    assertThat(recorder.of("talk")).last().satisfies(r -> {
      assertThat(r.state()).isEqualTo(ProcessState.SUCCESS);
      assertThat(r.exitCode()).hasValue(0);
      assertThat(r.pid()).isPresent();
      assertThat(r.startedAt()).isPresent();
      assertThat(r.endedAt().get()).isAfterOrEqualTo(r.startedAt().get());
    });
  }

  @Test
  void aProcessThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
    RunSpec spec = new RunSpec(List.of(p("stubborn", "trap '' TERM; touch up; while true; do sleep 0.1; done")),
        List.of(), true, Duration.ofSeconds(10), Duration.ofMillis(300), Optional.empty(), sandbox, Map.of(), Map.of());
    TaskRun run = TaskRunner.start(spec, ProcessStarter.shell(), recorder);
    awaitFile("up");
    run.kill();
    TaskOutcome outcome = run.outcome().get(30, TimeUnit.SECONDS);

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.KILLED);
    assertThat(outcome.forced()).isTrue();
  }

  @Test
  void aKillAsksTheTasksHttpPortToQuitBeforeAnySignal() throws Exception {
    List<String> requests = Collections.synchronizedList(new ArrayList<>());
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      if (exchange.getRequestURI().getPath().equals("/quitquitquit")) {
        Files.writeString(sandbox.resolve("quit"), "");
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    try {
      // exits 0 once asked to quit; a signal would end it with 143
      RunSpec spec = new RunSpec(List.of(p("server", "touch up; " + waitFor("quit"))), List.of(), true,
          Duration.ofSeconds(10), GRACE,
          Optional.of(HttpLifecycle.builder().port("http").gracefulShutdownWait(Duration.ofSeconds(20)).build()),
          sandbox, Map.of(), Map.of("http", server.getAddress().getPort()));
      TaskRun run = TaskRunner.start(spec, ProcessStarter.shell(), recorder);
      awaitFile("up");
      run.kill();
      TaskOutcome outcome = run.outcome().get(30, TimeUnit.SECONDS);

      assertThat(outcome.state()).isEqualTo(TaskOutcome.State.KILLED);
      assertThat(requests).containsExactly("POST /quitquitquit");
      assertThat(recorder.of("server")).last().satisfies(r -> assertThat(r.exitCode()).hasValue(0));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aTaskThatIgnoresQuitIsAbortedThenSignalled() throws Exception {
    List<String> requests = Collections.synchronizedList(new ArrayList<>());
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    try {
      RunSpec spec = new RunSpec(List.of(p("server", "touch up; sleep 600")), List.of(), true,
          Duration.ofSeconds(10), GRACE,
          Optional.of(HttpLifecycle.builder().port("http").gracefulShutdownWait(Duration.ofMillis(200))
              .shutdownWait(Duration.ofMillis(200)).build()),
          sandbox, Map.of(), Map.of("http", server.getAddress().getPort()));
      TaskRun run = TaskRunner.start(spec, ProcessStarter.shell(), recorder);
      awaitFile("up");
      run.kill();
      TaskOutcome outcome = run.outcome().get(30, TimeUnit.SECONDS);

      assertThat(outcome.state()).isEqualTo(TaskOutcome.State.KILLED);
      assertThat(requests).containsExactly("POST /quitquitquit", "POST /abortabortabort");
      assertThat(recorder.of("server")).last().satisfies(r -> assertThat(r.exitCode().getAsInt()).isNotZero());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aKillAfterTheTaskEndedChangesNothing() throws Exception {
    TaskRun run = TaskRunner.start(spec(List.of(p("quick", "true")), List.of(), true), ProcessStarter.shell(),
        recorder);
    TaskOutcome outcome = run.outcome().get(30, TimeUnit.SECONDS);
    run.kill();
    run.detach();

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(recorder.outcomes).containsExactly(outcome);
    assertThat(run.processes()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.SUCCESS));
  }

  /** A process that fails (exit 1) if another such process runs at the same time, and logs its start and end. */
  private static ProcessConfig alone(String name) {
    return p(name, "[ -e running ] && { echo " + name + " overlapped >> log; exit 1; }; touch running;"
        + " echo start " + name + " >> log; sleep 0.3; echo end " + name + " >> log; rm running");
  }

  @Test
  void withMaxConcurrencyOneParallelProcessesNeverOverlap() throws Exception {
    TaskOutcome outcome = run(limited(List.of(alone("a"), alone("b"), alone("c")), List.of(), 1, 1));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(read("log")).isEqualTo("start a\nend a\nstart b\nend b\nstart c\nend c\n");
    List<ProcessReport> ended = recorder.all().stream().filter(r -> r.state() == ProcessState.SUCCESS).toList();
    for (int i = 1; i < ended.size(); i++) {
      ProcessReport before = ended.get(i - 1);
      ProcessReport next = recorder.of(ended.get(i).process()).stream()
          .filter(r -> r.state() == ProcessState.SUCCESS).findFirst().get();
      assertThat(next.startedAt().get()).as("%s starts after %s ended", next.process(), before.process())
          .isAfterOrEqualTo(before.endedAt().get());
    }
  }

  @Test
  void maxConcurrencyTwoRunsTwoAtOnceButNotThree() throws Exception {
    // a and b each wait for the other to be up, so they must run together; c, which would start at once
    // without the limit, may not start until one of them has ended (each marks its end just before it
    // exits, so c's check does not race with the other one's last step)
    TaskOutcome outcome = run(limited(List.of(
            p("a", "touch a.up; " + waitFor("b.up") + "; sleep 0.3; touch a.done"),
            p("b", "touch b.up; " + waitFor("a.up") + "; sleep 0.3; touch b.done"),
            p("c", "[ -e a.done ] || [ -e b.done ] || exit 1")),
        List.of(), 1, 2));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
  }

  @Test
  void aTaskWithMaxFailuresTwoToleratesOneFailedProcess() throws Exception {
    TaskOutcome outcome = run(limited(List.of(
            p("bad", "echo broken >&2; exit 3"),
            p("good", "echo good > good"),
            p("fine", "echo fine > fine")),
        List.of(), 2, 0));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(outcome.message()).contains("1 failed").contains("maxFailures 2");
    assertThat(recorder.of("bad")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.FAILED));
    assertThat(read("good")).isEqualTo("good\n");
    assertThat(read("fine")).isEqualTo("fine\n");
  }

  @Test
  void aTaskFailsOnceMaxFailuresProcessesHaveFailed() throws Exception {
    TaskOutcome outcome = run(limited(List.of(
            p("bad1", "exit 3"),
            p("bad2", "exit 4"),
            p("server", "sleep 600")),
        List.of(), 2, 0));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.FAILED);
    assertThat(outcome.message()).contains("2 processes have failed").contains("maxFailures 2");
    assertThat(recorder.of("server")).last().satisfies(r -> assertThat(r.state()).isEqualTo(ProcessState.KILLED));
  }

  @Test
  void aTaskWithMaxFailuresZeroSucceedsWhateverItsProcessesDo() throws Exception {
    TaskOutcome outcome = run(limited(List.of(p("bad1", "exit 3"), p("bad2", "exit 4"), p("good", "true")),
        List.of(), 0, 0));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
  }

  @Test
  void aProcessOrderedAfterAToleratedFailureNeverRunsAndTheTaskFails() throws Exception {
    // as Thermos: max_failures 2, order(a, b, c), b fails: c can never run, so the task fails
    TaskOutcome outcome = run(limited(List.of(p("a", "true"), p("b", "exit 1"), p("c", "touch c.ran")),
        List.of(List.of("a", "b", "c")), 2, 0));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.FAILED);
    assertThat(outcome.message()).isEqualTo("process 'c' can never run: 'b', which it follows, failed");
    assertThat(sandbox.resolve("c.ran")).doesNotExist();
    assertThat(recorder.of("c")).last().satisfies(r -> {
      assertThat(r.state()).isEqualTo(ProcessState.KILLED);
      assertThat(r.run()).isZero();
    });
  }

  @Test
  void aRotatingLoggerKeepsFilesUnderTheirMaxSizeWithItsBackups() throws Exception {
    // lines 1..50 of 100 bytes each (99 digits and a newline): 5000 bytes, in files of at most 1000 bytes, 2 backups
    TaskOutcome outcome = run(logged(List.of(ProcessConfig.builder().name("chatty").minDuration(Duration.ZERO)
            .command("i=0; while [ $i -lt 50 ]; do i=$((i+1)); printf '%099d\\n' $i; done; echo last >&2")
            .logger(ProcessLogger.rotate(1000, 2)).build()),
        ProcessLogger.file()));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(sandbox.resolve("chatty.stdout.3")).as("only 2 backups are kept").doesNotExist();
    for (String f : List.of("chatty.stdout", "chatty.stdout.1", "chatty.stdout.2")) {
      assertThat(Files.size(sandbox.resolve(f))).as(f).isEqualTo(1000);
    }
    StringBuilder newest = new StringBuilder();
    for (int i = 21; i <= 50; i++) {
      newest.append(String.format("%099d%n", i));
    }
    assertThat(read("chatty.stdout.2") + read("chatty.stdout.1") + read("chatty.stdout"))
        .as("the newest 3000 bytes are kept, oldest in the highest backup").isEqualTo(newest.toString());
    assertThat(read("chatty.stderr")).isEqualTo("last\n");
  }

  @Test
  void aLoggerWithDestinationNoneWritesNoFilesAndTheTaskDefaultAppliesToTheOthers() throws Exception {
    TaskOutcome outcome = run(logged(List.of(
            ProcessConfig.builder().name("quiet").command("echo hidden; echo hidden >&2").logger(ProcessLogger.none())
                .build(),
            p("loud", "echo shown")),
        ProcessLogger.rotate(1 << 20, 1)));

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(sandbox.resolve("quiet.stdout")).doesNotExist();
    assertThat(sandbox.resolve("quiet.stderr")).doesNotExist();
    assertThat(read("loud.stdout")).isEqualTo("shown\n");
  }

  @Test
  void aConsoleLoggerCopiesOutputToTheRunnersConsoleAndBothAlsoToFiles() throws Exception {
    java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = System.out;
    System.setOut(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
    TaskOutcome outcome;
    try {
      outcome = run(logged(List.of(
              ProcessConfig.builder().name("tty").command("echo to-console").logger(ProcessLogger.console()).build(),
              ProcessConfig.builder().name("tee").command("echo to-both").logger(ProcessLogger.both()).build()),
          ProcessLogger.file()));
    } finally {
      System.setOut(out);
    }

    assertThat(outcome.state()).isEqualTo(TaskOutcome.State.SUCCEEDED);
    assertThat(console.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("to-console", "to-both");
    assertThat(sandbox.resolve("tty.stdout")).doesNotExist();
    assertThat(read("tee.stdout")).isEqualTo("to-both\n");
  }

  /** Bounded wait for a file a process creates. */
  private void awaitFile(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(sandbox.resolve(name))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not appear within 20 s; reports: " + recorder.all());
      }
      Thread.sleep(20);
    }
  }
}
