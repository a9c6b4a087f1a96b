package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ending process trees, with setsid (a group per command) and without (the tree below the shell). */
class ProcessKillerTest {
  @TempDir Path dir;
  /** The group of the tree started last. */
  private ProcessGroup group;

  /** Starts {@code script}, which writes {@code pids} pids to the file {@code pids}, and returns them. */
  private List<Long> startTree(ProcessLauncher launcher, String script, int pids) throws IOException {
    ProcessLauncher.Started started = launcher.start(script, dir, Map.of(),
        ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD);
    group = started.group();
    List<Long> found = awaitPids(dir.resolve("pids"), pids);
    assertThat(ProcessTable.snapshot().members(List.of(group))).containsAll(found);
    return found;
  }

  @ParameterizedTest(name = "setsid={0}")
  @ValueSource(booleans = {true, false})
  void sigtermEndsATreeThatHeedsIt(boolean setsid) throws IOException {
    List<Long> tree = startTree(new ProcessLauncher(setsid), "sleep 300 & echo $! >> pids; echo $$ >> pids; wait", 2);

    boolean forced = ProcessKiller.terminate(List.of(group), Duration.ofSeconds(20));

    assertThat(forced).isFalse();
    assertThat(tree).noneMatch(ProcessKillerTest::isRunning);
  }

  @org.junit.jupiter.api.Test
  void aChildStillEndingAfterItsShellIsReapedIsWaitedFor() throws IOException {
    // Without setsid the tree is found below the shell; once the shell has died and been reaped, its
    // child is reparented away from it. A child that takes a while to heed SIGTERM must still be seen.
    List<Long> tree = startTree(new ProcessLauncher(false),
        "sh -c 'trap \"sleep 0.5; exit 0\" TERM; echo $$ >> pids; sleep 300 & wait' & echo $$ >> pids; wait", 2);

    boolean forced = ProcessKiller.terminate(List.of(group), Duration.ofSeconds(20));

    assertThat(forced).isFalse();
    assertThat(tree).noneMatch(ProcessKillerTest::isRunning);
  }

  @ParameterizedTest(name = "setsid={0}")
  @ValueSource(booleans = {true, false})
  void aMemberStartedAfterTheSigtermIsAskedToEndTooNotLeftForSigkill(boolean setsid) throws IOException {
    // the shell's TERM handler starts a process and waits a second before it exits: that process, and the
    // handler's own sleep, were not members when SIGTERM went out; each must be sent SIGTERM as well
    List<Long> tree = startTree(new ProcessLauncher(setsid),
        "trap 'sleep 300 & echo $! >> late; sleep 1; exit 0' TERM; echo $$ >> pids; while :; do sleep 0.05; done", 1);
    long start = System.nanoTime();

    boolean forced = ProcessKiller.terminate(List.of(group), Duration.ofSeconds(5));

    assertThat(forced).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    List<Long> late = awaitPids(dir.resolve("late"), 1);
    assertThat(tree).noneMatch(ProcessKillerTest::isRunning);
    assertThat(late).noneMatch(ProcessKillerTest::isRunning);
  }

  @ParameterizedTest(name = "setsid={0}")
  @ValueSource(booleans = {true, false})
  void sigkillEndsWhatIgnoresSigtermAfterTheGracePeriod(boolean setsid) throws IOException {
    List<Long> tree = startTree(new ProcessLauncher(setsid),
        "trap '' TERM; sleep 300 & echo $! >> pids; echo $$ >> pids; wait", 2);
    long start = System.nanoTime();

    boolean forced = ProcessKiller.terminate(List.of(group), Duration.ofMillis(200));

    assertThat(forced).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(tree).noneMatch(ProcessKillerTest::isRunning);
  }

  @org.junit.jupiter.api.Test
  void aKillWaitsForItsLeadersExitRatherThanReadingTheProcessTableOverAndOver() throws IOException {
    // the leader takes a second to heed SIGTERM: polling every 20 ms would read the table ~50 times
    ProcessLauncher.Started started = new ProcessLauncher(true).start(
        "trap 'sleep 1; exit 0' TERM; echo $$ >> pids; while :; do sleep 0.05; done", dir, Map.of(),
        ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD);
    List<Long> tree = awaitPids(dir.resolve("pids"), 1);
    long readsBefore = ProcessTable.reads();

    boolean forced = ProcessKiller.terminate(List.of(started.group()), Duration.ofSeconds(20),
        started.process().onExit());

    assertThat(forced).isFalse();
    assertThat(tree).noneMatch(ProcessKillerTest::isRunning);
    assertThat(ProcessTable.reads() - readsBefore).isLessThanOrEqualTo(3);
  }

  @ParameterizedTest(name = "from /proc={0}")
  @ValueSource(booleans = {true, false})
  void theProcessTableSeesAGroupAndItsMemory(boolean fromProc) throws IOException {
    List<Long> tree = startTree(new ProcessLauncher(true), "sleep 300 & echo $! >> pids; echo $$ >> pids; wait", 2);

    ProcessTable table = fromProc ? ProcessTable.snapshot() : ProcessTable.fromPs();

    assertThat(table.members(List.of(group))).containsExactlyInAnyOrderElementsOf(tree);
    assertThat(table.rssKb(tree)).isPositive();
    ProcessKiller.terminate(List.of(group), Duration.ZERO);
  }

  private static List<Long> awaitPids(Path file, int count) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<List<Long>> pids = read(file).filter(p -> p.size() >= count);
      if (pids.isPresent()) {
        return pids.get();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    throw new AssertionError(count + " pids never appeared in " + file);
  }

  private static Optional<List<Long>> read(Path file) {
    try {
      return Optional.of(Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
          .map(l -> Long.parseLong(l.trim())).toList());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isRunning(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }
}
