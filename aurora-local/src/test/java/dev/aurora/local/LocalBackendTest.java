package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBackendTest {
  private static final Duration GRACE = Duration.ofMillis(400);

  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;

  @AfterEach
  void closeBackend() {
    if (backend != null) {
      backend.close();
    }
  }

  private LocalBackend.Builder builder() {
    return LocalBackend.builder()
        .sandboxRoot(root)
        .agents(2)
        .cpusPerAgent(2)
        .ramMbPerAgent(1024)
        .diskMbPerAgent(2048)
        .portBase(31000)
        .portsPerAgent(10)
        .killGracePeriod(GRACE);
  }

  private LocalBackend start(LocalBackend.Builder builder) {
    backend = builder.build();
    backend.start(listener);
    return backend;
  }

  /** Launches one task on the next offer of local-0 and returns its id. */
  private TaskId run(TaskLaunch launchOnOffer, Offer offer) {
    backend.launch(List.of(offer.id()), List.of(launchOnOffer));
    return launchOnOffer.taskId();
  }

  private TaskId run(String... commands) {
    Offer offer = listener.awaitOffer("local-0");
    return run(Tasks.launch(offer, Tasks.small(), commands).build(), offer);
  }

  private Path sandbox(TaskId id) {
    return Tasks.awaitSandbox(backend, id);
  }

  @Test
  void offersEachAgentItsShareAttributesAndPortRange() {
    start(builder().agents(3).racks(2).zones(3).attribute(2, "dedicated", "www-data/hello"));

    List<Offer> offers = List.of(listener.awaitOffer("local-0"), listener.awaitOffer("local-1"),
        listener.awaitOffer("local-2"));

    assertThat(offers).extracting(Offer::id).doesNotHaveDuplicates();
    assertThat(offers).extracting(Offer::hostname).containsExactly("local-0", "local-1", "local-2");
    assertThat(offers).extracting(o -> o.attributes().get("rack")).containsExactly("rack-0", "rack-1", "rack-0");
    assertThat(offers).extracting(o -> o.attributes().get("zone")).containsExactly("zone-0", "zone-1", "zone-2");
    assertThat(offers.get(2).attributes()).containsEntry("dedicated", "www-data/hello");
    assertThat(offers).extracting(Offer::ports).containsExactly(
        List.of(PortRange.of(31000, 31009)), List.of(PortRange.of(31010, 31019)), List.of(PortRange.of(31020, 31029)));
    assertThat(offers).allSatisfy(o -> {
      assertThat(o.cpus()).isEqualTo(2.0);
      assertThat(o.ramMb()).isEqualTo(1024);
      assertThat(o.diskMb()).isEqualTo(2048);
    });
  }

  @Test
  void defaultsSplitTheMachineAmongFourAgents() {
    start(LocalBackend.builder().sandboxRoot(root));

    List<Offer> offers = List.of(listener.awaitOffer("local-0"), listener.awaitOffer("local-1"),
        listener.awaitOffer("local-2"), listener.awaitOffer("local-3"));

    double cpus = Runtime.getRuntime().availableProcessors() / 4.0;
    assertThat(offers).allSatisfy(o -> {
      assertThat(o.cpus()).isCloseTo(cpus, org.assertj.core.data.Offset.offset(0.001));
      assertThat(o.ramMb()).isPositive();
    });
    assertThat(offers).extracting(o -> o.ports().get(0)).containsExactly(PortRange.of(31000, 31999),
        PortRange.of(32000, 32999), PortRange.of(33000, 33999), PortRange.of(34000, 34999));
  }

  @Test
  void rejectsOptionsThatMakeNoSense() {
    assertThatThrownBy(() -> LocalBackend.builder().agents(0)).hasMessage("agents must be > 0, was 0");
    assertThatThrownBy(() -> LocalBackend.builder().portBase(65000).portsPerAgent(1000).build())
        .hasMessageContaining("would go past 65535");
    assertThatThrownBy(() -> LocalBackend.builder().agents(2).attribute(5, "rack", "r").build())
        .hasMessageContaining("agent 5");
  }

  @Test
  void offersTheRemainderAfterALaunchAndTheFreedResourcesOnceTheTaskEnds() {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch launch = Tasks.launch(offer, Resources.builder().cpus(0.5).ramMb(100).diskMb(10).addPorts("http")
        .build(), "sleep 30").build();

    run(launch, offer);

    Offer remainder = listener.awaitOffer("local-0");
    assertThat(remainder.id()).isNotEqualTo(offer.id());
    assertThat(remainder.cpus()).isEqualTo(1.5);
    assertThat(remainder.ramMb()).isEqualTo(924);
    assertThat(remainder.diskMb()).isEqualTo(2038);
    assertThat(remainder.ports()).containsExactly(PortRange.of(31001, 31009));

    listener.awaitStatus(launch.taskId(), ScheduleStatus.RUNNING);
    backend.kill(launch.taskId());
    listener.awaitStatus(launch.taskId(), ScheduleStatus.KILLED);

    Offer freed = listener.awaitOffer("local-0");
    assertThat(freed.id()).isNotEqualTo(remainder.id());
    assertThat(listener.rescinded()).isEmpty();
    assertThat(freed.cpus()).isEqualTo(0.5);
    assertThat(freed.ramMb()).isEqualTo(100);
    assertThat(freed.diskMb()).isEqualTo(10);
    assertThat(freed.ports()).containsExactly(PortRange.of(31000, 31000));
  }

  @Test
  void runsProcessesInOrderAndFinishesWhenTheLastExitsZero() throws IOException {
    start(builder());

    TaskId id = run("echo one > out.txt", "echo two >> out.txt; echo hello; echo oops >&2");

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end.state()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(listener.statuses(id)).extracting(TaskStatus::state)
        .containsExactly(ScheduleStatus.STARTING, ScheduleStatus.RUNNING, ScheduleStatus.FINISHED);
    Path sandbox = sandbox(id);
    assertThat(sandbox.getFileName().toString()).isEqualTo(id.value());
    assertThat(sandbox.getParent()).isEqualTo(root);
    assertThat(Files.readAllLines(sandbox.resolve("out.txt"))).containsExactly("one", "two");
    assertThat(Files.readString(sandbox.resolve("p2.stdout"))).isEqualTo("hello\n");
    assertThat(Files.readString(sandbox.resolve("p2.stderr"))).isEqualTo("oops\n");
  }

  @Test
  void failsOnTheFirstNonZeroExitNamingProcessAndCode() {
    start(builder());

    TaskId id = run("echo starting", "echo broken >&2; exit 3", "touch ran");

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).isEqualTo("process 'p2' exited with code 3: broken");
    assertThat(sandbox(id).resolve("ran")).doesNotExist();
  }

  @Test
  void commandThatDoesNotExistFailsSayingSo() {
    start(builder());

    TaskId id = run("no-such-command-anywhere --flag");

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).startsWith("process 'p1' failed: command not found (exit 127)");
  }

  @Test
  void processesGetTheLaunchEnvironmentTheAuroraVariablesAndTheirOwn() throws IOException {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    ProcessConfig process = ProcessConfig.builder().name("env").command("env > env.txt; pwd > pwd.txt")
        .putEnvironment("FROM_PROCESS", "b").build();
    TaskConfig config = TaskConfig.builder().resources(Resources.builder().ramMb(16).addPorts("http").build())
        .addProcesses(process).build();
    TaskLaunch launch = Tasks.launch(offer, config, List.of(process))
        .putPort("http", 31005)
        .putEnvironment("FROM_LAUNCH", "a")
        .putEnvironment("AURORA_JOB", "set/by/core")
        .build();

    run(launch, offer);

    assertThat(listener.awaitEnd(launch.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
    Path sandbox = sandbox(launch.taskId());
    assertThat(Files.readAllLines(sandbox.resolve("env.txt"))).contains(
        "AURORA_TASK_ID=" + launch.taskId().value(),
        "AURORA_INSTANCE=0",
        "AURORA_JOB=set/by/core",
        "AURORA_PORT_HTTP=31005",
        "FROM_LAUNCH=a",
        "FROM_PROCESS=b");
    assertThat(Files.readString(sandbox.resolve("pwd.txt")).trim()).isEqualTo(sandbox.toRealPath().toString());
    assertThat(listener.statuses(launch.taskId())).allSatisfy(s -> assertThat(s.healthy()).isEmpty());
  }

  @Test
  void namedPortsTheLaunchLeavesOutGetFreePortsOfTheAgent() throws IOException {
    start(builder());
    Offer offer = listener.awaitOffer("local-1");
    TaskLaunch launch = Tasks.launch(offer, Resources.builder().ramMb(16).addPorts("http", "admin").build(),
        "echo {{port.admin}} {{port.http}} $AURORA_PORT_ADMIN $AURORA_PORT_HTTP; sleep 30").build();

    run(launch, offer);

    Offer remainder = listener.awaitOffer("local-1");
    assertThat(remainder.ports()).containsExactly(PortRange.of(31012, 31019));
    Path stdout = sandbox(launch.taskId()).resolve("p1.stdout");
    Await.until("the ports in " + stdout, () -> Files.exists(stdout) && stdout.toFile().length() > 0);
    assertThat(Files.readString(stdout)).isEqualTo("31010 31011 31010 31011\n");
  }

  @Test
  void taskWhosePortsAreExhaustedFailsAndTheBackendGoesOn() {
    start(builder().portsPerAgent(1));
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch greedy = Tasks.launch(offer, Resources.builder().addPorts("a", "b").build(), "true").build();

    run(greedy, offer);

    TaskStatus end = listener.awaitEnd(greedy.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).isEqualTo(
        "port range exhausted: local-0 has no free port for 'b' in the offers the task was launched with (31000-31000)");
    Offer next = listener.awaitOffer("local-0");
    assertThat(next.ports()).containsExactly(PortRange.of(31000, 31000));
    TaskLaunch modest = Tasks.launch(next, Resources.builder().addPorts("a").build(), "true").build();
    run(modest, next);
    assertThat(listener.awaitEnd(modest.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
  }

  @Test
  void taskWhoseWorkingDirectoryCannotBeMadeFailsAndTheBackendGoesOn(@TempDir Path elsewhere) throws IOException {
    start(builder());
    Path file = Files.writeString(elsewhere.resolve("a-file"), "not a directory");
    ProcessConfig process = ProcessConfig.builder().name("server").command("true")
        .workingDirectory(file.resolve("sub").toString()).build();
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch launch = Tasks.launch(offer, TaskConfig.builder().addProcesses(process).build(), List.of(process))
        .build();

    run(launch, offer);

    TaskStatus end = listener.awaitEnd(launch.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).startsWith("process 'server': cannot make its working directory " + file.resolve("sub"));
    assertThat(listener.awaitEnd(run("true")).state()).isEqualTo(ScheduleStatus.FINISHED);
  }

  @Test
  void launchOnAnUsedOrUnknownOfferReportsEachTaskLost() {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    run(Tasks.launch(offer, Tasks.small(), "true").build(), offer);
    TaskLaunch late1 = Tasks.launch(offer, Tasks.small(), "true").build();
    TaskLaunch late2 = Tasks.launch(offer, Tasks.small(), "true").build();
    TaskLaunch stray = Tasks.launch(offer, Tasks.small(), "true").build();

    backend.launch(List.of(offer.id()), List.of(late1, late2));
    backend.launch(List.of("no-such-offer"), List.of(stray));

    for (TaskLaunch lost : List.of(late1, late2)) {
      TaskStatus end = listener.awaitEnd(lost.taskId());
      assertThat(end.state()).isEqualTo(ScheduleStatus.LOST);
      assertThat(end.message()).isEqualTo(
          "offer " + offer.id() + " is not valid: unknown, already used, declined or rescinded");
    }
    assertThat(listener.awaitEnd(stray.taskId()).message()).contains("offer no-such-offer is not valid");
  }

  @Test
  void launchThatDoesNotFitTheOfferIsLost() {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch huge = Tasks.launch(offer, Resources.of(0.5, 4096, 1), "true").build();

    run(huge, offer);

    TaskStatus end = listener.awaitEnd(huge.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.LOST);
    assertThat(end.message()).isEqualTo("insufficient resources on local-0: ramMb 4096 > 1024");
  }

  @Test
  void killEndsTheWholeProcessTreeEscalatingToSigkill() {
    start(builder());
    // a child, a grandchild whose parent is gone (it left the tree) and a child that ignores SIGTERM
    TaskId id = run("sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids);"
        + " sh -c 'trap \"\" TERM; echo $$ >> pids; sleep 302' & echo $$ >> pids; wait");
    Path pids = sandbox(id).resolve("pids");
    List<Long> tree = Tasks.awaitPids(pids, 4);
    assertThat(tree).allMatch(Tasks::isRunning);

    Instant killed = Instant.now();
    backend.kill(id);

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end.state()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(end.message()).isEqualTo("killed on request (SIGKILL after the 400 ms grace period)");
    assertThat(Duration.between(killed, Instant.now())).isGreaterThanOrEqualTo(GRACE);
    assertThat(tree).noneMatch(Tasks::isRunning);
  }

  @Test
  void killOfATaskThatHeedsSigtermEndsWithoutSigkill() {
    start(builder().killGracePeriod(Duration.ofSeconds(20)));
    TaskId id = run("sleep 300 & echo $! > pids; wait");
    List<Long> child = Tasks.awaitPids(sandbox(id).resolve("pids"), 1);

    backend.kill(id);

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end).isEqualTo(TaskStatus.of(id, ScheduleStatus.KILLED, "killed on request"));
    assertThat(child).noneMatch(Tasks::isRunning);
  }

  @Test
  void killOfAnUnknownTaskReportsItLost() {
    start(builder());
    TaskId stranger = TaskId.of("nobody-knows-me");

    backend.kill(stranger);

    assertThat(listener.awaitEnd(stranger).state()).isEqualTo(ScheduleStatus.LOST);
  }

  @Test
  void closeLeavesNoProcessRunning() throws IOException {
    start(builder());
    TaskId first = run("sleep 300 & echo $! >> pids; echo $$ >> pids; wait");
    TaskId second = run("trap '' TERM; (sleep 300 & echo $! >> pids); echo $$ >> pids; sleep 300");
    List<Long> pids = List.of(first, second).stream()
        .flatMap(id -> Tasks.awaitPids(sandbox(id).resolve("pids"), 2).stream()).toList();
    Path firstSandbox = sandbox(first);

    backend.close();

    assertThat(pids).noneMatch(Tasks::isRunning);
    assertThat(ProcessHandle.current().descendants().filter(h -> Tasks.isRunning(h.pid())))
        .noneMatch(h -> h.info().command().orElse("").endsWith("sleep"));
    assertThat(Files.readString(firstSandbox.resolve(".aurora/end"))).startsWith("KILLED");
  }

  @Test
  void declineHoldsTheAgentBackForTheRefusalTime() {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    Duration refusal = Duration.ofMillis(300);
    Instant declined = Instant.now();

    backend.decline(offer.id(), refusal);

    Offer again = listener.awaitOffer("local-0");
    RecordingListener.Received received = listener.offersReceived().stream()
        .filter(r -> r.offer().id().equals(again.id())).findFirst().orElseThrow();
    assertThat(again.id()).isNotEqualTo(offer.id());
    assertThat(Duration.between(declined, received.at())).isGreaterThanOrEqualTo(refusal);
    assertThat(again.cpus()).isEqualTo(offer.cpus());
  }

  @Test
  void aTaskThatEndsWhileALeftoverIsDeclinedIsOfferedAtOnceSoItsReplacementNeedNotWaitForTheRefusal() {
    start(builder());
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch first = Tasks.launch(offer, Resources.of(1.5, 512, 1024), "sleep 30").build();
    run(first, offer);
    Offer leftover = listener.awaitOffer("local-0");
    listener.awaitStatus(first.taskId(), ScheduleStatus.RUNNING);
    // far longer than any run of this test (the scheduler declines a leftover it cannot use for 5 s): an
    // offer of the agent can only come from the task's end, never from the refusal's, however slow the machine
    Duration refusal = Duration.ofHours(1);

    backend.decline(leftover.id(), refusal);
    backend.kill(first.taskId());

    listener.awaitStatus(first.taskId(), ScheduleStatus.KILLED);
    Offer freed = listener.awaitOffer("local-0", Tasks.BOUND);   // a bound to fail, not a speed
    // what the task freed and the declined leftover, together, while the refusal still runs
    assertThat(freed.id()).isNotEqualTo(leftover.id());
    assertThat(freed.cpus()).isEqualTo(2.0);
    assertThat(freed.ramMb()).isEqualTo(1024);
    TaskLaunch replacement = Tasks.launch(freed, Resources.of(1.5, 512, 1024), "sleep 30").build();
    run(replacement, freed);
    listener.awaitStatus(replacement.taskId(), ScheduleStatus.RUNNING);
    assertThat(listener.rescinded()).isEmpty();
  }

  @Test
  void reconcileReportsWhatRunsHowEndedTasksEndedAndLostForTheRest() {
    start(builder());
    TaskId finished = run("true");
    listener.awaitStatus(finished, ScheduleStatus.FINISHED);
    TaskId running = run("sleep 30");
    listener.awaitStatus(running, ScheduleStatus.RUNNING);
    TaskId unknown = TaskId.of("never-launched");
    int reportsBefore = listener.statuses(running).size();

    backend.reconcile(Set.of(finished, running, unknown));

    listener.awaitStatus("a second report on " + running, s -> listener.statuses(running).size() > reportsBefore);
    assertThat(listener.statuses(running).get(reportsBefore).state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(listener.awaitEnd(unknown).state()).isEqualTo(ScheduleStatus.LOST);
    Await.until("a second FINISHED for " + finished, () -> listener.statuses(finished).stream()
        .filter(s -> s.state() == ScheduleStatus.FINISHED).count() == 2);
  }

  @Test
  void keepsEndedSandboxesUpToTheMaximumCount() {
    start(builder().sandboxMaxCount(1));
    TaskId older = run("true");
    Path olderSandbox = sandbox(older);
    listener.awaitEnd(older);
    TaskId newer = run("true");
    Path newerSandbox = sandbox(newer);
    listener.awaitEnd(newer);

    Await.until(olderSandbox + " deleted", () -> !Files.exists(olderSandbox));
    assertThat(newerSandbox).exists();
    assertThat(backend.sandbox(older)).isEmpty();
    assertThat(backend.sandbox(newer)).contains(newerSandbox);
  }

  @Test
  void deletesEndedSandboxesAfterTheMaximumAge() {
    start(builder().sandboxMaxAge(Duration.ofMillis(200)));
    TaskId id = run("true");
    Path sandbox = sandbox(id);
    listener.awaitEnd(id);

    Await.until(sandbox + " deleted", () -> !Files.exists(sandbox));
  }

  @Test
  void aSecondBackendCannotShareTheSandboxRoot() {
    start(builder());
    LocalBackend second = builder().build();

    assertThatThrownBy(() -> second.start(new RecordingListener()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is in use by another local backend");
    second.close();
  }

  @Test
  void callsBeforeStartAreRefused() {
    LocalBackend idle = builder().build();

    assertThatThrownBy(() -> idle.kill(TaskId.of("x"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot kill: the local backend is not started");
    idle.close();
  }

  @Test
  void runningTasksDoNotEachHoldAThreadOfTheBackend() {
    start(builder().cpusPerAgent(16));
    Offer offer = listener.awaitOffer("local-0");
    List<TaskLaunch> launches = java.util.stream.IntStream.range(0, 40)
        .mapToObj(i -> (TaskLaunch) Tasks.launch(offer, Tasks.small(), "sleep 600").build()).toList();

    backend.launch(List.of(offer.id()), launches);
    launches.forEach(l -> listener.awaitStatus(l.taskId(), ScheduleStatus.RUNNING));

    // the JDK's own "process reaper" waits for each child; the backend's threads do not grow with its tasks
    List<String> backendThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(name -> name.startsWith("aurora-local-") || name.startsWith("aurora-runner")).toList();
    assertThat(backendThreads).hasSizeLessThan(launches.size() / 2);
  }
}
