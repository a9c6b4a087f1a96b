package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's command runs under {@code sh -c}; when it is one program with its arguments the shell
 * {@code exec}s it, so the task's pid is the program's own and a signal sent to it reaches the program;
 * any other command line (lists, pipes, subshells, redirections, builtins) still runs whole.
 */
class ShellWrapperTest {
  @TempDir Path root;
  @TempDir Path scripts;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;

  @BeforeEach
  void start() {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(4).ramMbPerAgent(1024)
        .portsPerAgent(0).killGracePeriod(Duration.ofSeconds(2)).build();
    backend.start(listener);
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private TaskId run(String command) {
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch launch = Tasks.launch(offer, Tasks.small(), command).build();
    backend.launch(List.of(offer.id()), List.of(launch));
    return launch.taskId();
  }

  /** The pid of the task's first process, as its sandbox's pid file records it. */
  private long recordedPid(TaskId id) {
    Path pids = Tasks.awaitSandbox(backend, id).resolve(".aurora/pids");
    return Await.value("a pid in " + pids, () -> {
      try {
        return Files.readAllLines(pids).stream().filter(l -> !l.isBlank())
            .map(l -> Long.parseLong(l.trim().split("\\s+")[0])).findFirst();
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  /** A script that says it is ready, and on SIGTERM writes {@code got-term} and exits 0. */
  private Path trappingScript() throws IOException {
    Path script = scripts.resolve("trap.sh");
    Files.writeString(script, "trap 'echo term > got-term; exit 0' TERM\n"
        + "echo ready > ready\n"
        + "while :; do sleep 0.05; done\n");
    return script;
  }

  @Test
  void aSimpleCommandRunsAsTheTasksOwnProcess() {
    TaskId id = run("sleep 300");
    listener.awaitStatus(id, ScheduleStatus.RUNNING);

    long pid = recordedPid(id);

    // the process is reported RUNNING once started, a moment before setsid and sh have exec'd the program
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    Await.until("pid " + pid + " to be sleep", () -> process.info().command().orElse("").endsWith("/sleep"));
    assertThat(process.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
    assertThat(process.children().toList()).isEmpty();
  }

  @Test
  void aProgramWhoseQuotedArgumentsHoldOperatorsIsOneProgram() {
    TaskId id = run("sh -c 'sleep 300; echo never'");
    listener.awaitStatus(id, ScheduleStatus.RUNNING);

    ProcessHandle process = ProcessHandle.of(recordedPid(id)).orElseThrow();

    // the sh of the user's command, with its own arguments, once setsid and the wrapper have exec'd it
    Await.until("pid " + process.pid() + " to run the user's sh", () -> process.info().arguments()
        .map(args -> List.of(args).equals(List.of("-c", "sleep 300; echo never"))).orElse(false));
  }

  @Test
  void aSignalSentToTheTasksPidReachesTheProgram() throws IOException {
    TaskId id = run("sh " + trappingScript());
    listener.awaitStatus(id, ScheduleStatus.RUNNING);
    Path sandbox = Tasks.awaitSandbox(backend, id);
    Await.until("the script to be ready", () -> Files.exists(sandbox.resolve("ready")));

    ProcessHandle.of(recordedPid(id)).orElseThrow().destroy(); // SIGTERM, as kill <pid> from a shell

    TaskStatus end = listener.awaitEnd(id);
    assertThat(end.state()).as(end.message()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(sandbox.resolve("got-term")).hasContent("term");
  }

  @Test
  void theRunningReportAndThePidApiNameTheProgramsPid() {
    TaskId id = run("sleep 300");

    TaskStatus running = listener.awaitStatus(id, ScheduleStatus.RUNNING);

    long pid = recordedPid(id);
    assertThat(backend.pid(id)).hasValue(pid);
    assertThat(running.message()).isEqualTo("process 'p1' started on local-0 as pid " + pid);
    backend.kill(id);
    listener.awaitEnd(id);
    assertThat(backend.pid(id)).isEmpty();
  }

  @Test
  void compoundCommandsStillRunWhole() throws IOException {
    List<String> commands = List.of(
        "echo a > out; echo b >> out",
        "true && echo and > out",
        "false || echo or > out",
        "echo piped | tr a-z A-Z > out",
        "(echo sub > out)",
        "{ echo group; } > out",
        "echo bg > out & wait",
        "echo redirected > out",
        "FOO=assigned sh -c 'echo $FOO' > out",
        "FOO=assigned sh -c 'echo $FOO > out'",
        "mkdir d && cd d && echo cd > ../out",
        "if true; then echo if > out; fi",
        "for x in loop; do echo $x > out; done",
        "echo $(echo substituted) > out",
        "echo multi > out\necho line >> out");
    List<String> expected = List.of("a\nb", "and", "or", "PIPED", "sub", "group", "bg", "redirected", "assigned",
        "assigned", "cd", "if", "loop", "substituted", "multi\nline");
    for (int i = 0; i < commands.size(); i++) {
      TaskId id = run(commands.get(i));
      TaskStatus end = listener.awaitEnd(id);
      assertThat(end.state()).as(commands.get(i) + ": " + end.message()).isEqualTo(ScheduleStatus.FINISHED);
      assertThat(Tasks.awaitSandbox(backend, id).resolve("out")).as(commands.get(i)).hasContent(expected.get(i));
    }
  }

  @Test
  void shellBuiltinsAndMissingProgramsEndAsBefore() {
    TaskStatus exit = listener.awaitEnd(run("exit 3"));
    assertThat(exit.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(exit.message()).isEqualTo("process 'p1' exited with code 3");

    TaskStatus colon = listener.awaitEnd(run(":"));
    assertThat(colon.state()).as(colon.message()).isEqualTo(ScheduleStatus.FINISHED);

    TaskStatus missing = listener.awaitEnd(run("nosuch-program --flag"));
    assertThat(missing.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(missing.message()).startsWith("process 'p1' failed: command not found (exit 127): ")
        .endsWith("nosuch-program: not found");

    TaskStatus signalled = listener.awaitEnd(run("sh -c 'kill -9 $$'"));
    assertThat(signalled.message()).isEqualTo("process 'p1' was killed by signal 9 (exit 137)");
  }
}
