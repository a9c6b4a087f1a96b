package dev.aurora.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What happens to tasks when the JVM that ran their backend goes away, run in a JVM of its own. */
class OrphanReapingTest {
  @TempDir Path root;
  @TempDir Path logs;
  private Process jvm;
  private LocalBackend backend;

  @AfterEach
  void cleanUp() {
    if (jvm != null) {
      jvm.destroyForcibly();
    }
    if (backend != null) {
      backend.close();
    }
  }

  /** Starts an {@link OrphanMaker} JVM and returns its READY line's task id and sandbox. */
  private String[] startOrphanMaker(String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    jvm = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), OrphanMaker.class.getName(), root.toString(), mode)
        .redirectError(logs.resolve("stderr").toFile())
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
    // read on another thread, so that a JVM that neither says READY nor ends fails the test, not hangs it
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("READY ")) {
            return line;
          }
        }
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String line;
    try {
      line = ready.get(Tasks.BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the orphan maker did not start its task within " + Tasks.BOUND + ": "
          + Files.readString(logs.resolve("stderr")));
    } catch (ExecutionException | InterruptedException e) {
      throw new AssertionError("reading the orphan maker's output failed", e);
    }
    if (line == null) {
      throw new AssertionError("the orphan maker ended without starting its task: "
          + Files.readString(logs.resolve("stderr")));
    }
    return line.split(" ");
  }

  @Test
  void aBackendOnTheSameRootKillsAndReportsTheOrphansOfADeadOne() throws Exception {
    String[] ready = startOrphanMaker("wait");
    TaskId orphan = TaskId.of(ready[1]);
    List<Long> pids = Tasks.awaitPids(Path.of(ready[2]).resolve("pids"), 3);

    // SIGKILL: no shutdown hook runs. Gone before the next backend takes the root (its lock goes with it)
    assertThat(jvm.destroyForcibly().waitFor(Tasks.BOUND.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(pids).allMatch(Tasks::isRunning);

    RecordingListener listener = new RecordingListener();
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).killGracePeriod(Duration.ofMillis(200)).build();
    backend.start(listener);

    assertThat(pids).noneMatch(Tasks::isRunning);
    TaskStatus reaped = listener.awaitEnd(orphan);
    assertThat(reaped.state()).isEqualTo(ScheduleStatus.LOST);
    assertThat(reaped.message()).isEqualTo("orphan of an earlier local backend on this sandbox root, which stopped"
        + " without ending it: killed its 3 remaining processes");
    backend.reconcile(Set.of(orphan));
    Tasks.awaitUntil("a second report on the orphan", () -> listener.statuses(orphan).size() == 2);
    assertThat(listener.statuses(orphan).get(1)).isEqualTo(reaped);
  }

  @Test
  void aJvmThatExitsWithoutClosingItsBackendLeavesNoProcessRunning() throws Exception {
    String[] ready = startOrphanMaker("exit");
    List<Long> pids = Tasks.awaitPids(Path.of(ready[2]).resolve("pids"), 3);

    assertThat(jvm.waitFor(Tasks.BOUND.toMillis(), TimeUnit.MILLISECONDS)).as("the JVM exited").isTrue();

    assertThat(pids).noneMatch(Tasks::isRunning);
    assertThat(Files.readString(Path.of(ready[2]).resolve(".aurora/end"))).startsWith("KILLED");
  }
}
