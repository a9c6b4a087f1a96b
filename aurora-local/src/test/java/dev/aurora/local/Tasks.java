package dev.aurora.local;

import dev.aurora.testkit.Await;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ImmutableTaskLaunch;
import dev.aurora.core.Offer;
import dev.aurora.core.TaskLaunch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Makes task launches and looks at processes, for tests. */
final class Tasks {
  static final JobKey JOB = JobKey.of("www-data", "test", "hello");
  private static final AtomicInteger IDS = new AtomicInteger();
  /**
   * How long a test waits for what real processes do (an offer, a launch, a status, a JVM to exit)
   * before it fails. Generous on purpose: a passing test waits only as long as the processes take, and
   * on a loaded machine (several builds on 2 cores, 1,000 other processes, the test JVM at nice 19) a
   * first launch in a cold JVM was measured at 6-8 s (class loading: Jackson for the launch record),
   * so the testkit's 10 s {@link Await#DEFAULT} failed tests that were right.
   */
  static final Duration BOUND = Duration.ofSeconds(60);

  private Tasks() {}

  static TaskId newId() {
    return TaskId.of("www-data-test-hello-" + IDS.incrementAndGet());
  }

  /** A launch builder for a task on {@code offer}'s agent that runs {@code commands} in order. */
  static ImmutableTaskLaunch.Builder launch(Offer offer, Resources resources, String... commands) {
    List<ProcessConfig> processes = processes(commands);
    return launch(offer, TaskConfig.builder().resources(resources).processes(processes).build(), processes);
  }

  static ImmutableTaskLaunch.Builder launch(Offer offer, TaskConfig config, List<ProcessConfig> processes) {
    return TaskLaunch.builder()
        .taskId(newId())
        .instance(InstanceKey.of(JOB, 0))
        .agentId(offer.agentId())
        .config(config)
        .processes(processes);
  }

  /** Processes named p1, p2, ... running {@code commands}. */
  static List<ProcessConfig> processes(String... commands) {
    AtomicInteger n = new AtomicInteger();
    return Arrays.stream(commands).map(c -> ProcessConfig.of("p" + n.incrementAndGet(), c)).toList();
  }

  static Resources small() {
    return Resources.of(0.1, 16, 1);
  }

  /** Waits until the task's sandbox is made, and returns it. */
  static Path awaitSandbox(LocalBackend backend, TaskId id) {
    return Await.value("the sandbox of " + id, () -> backend.sandbox(id), BOUND);
  }

  /** Whether {@code pid} runs (a zombie does not: this container's init may never reap it). */
  static boolean isRunning(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.ISO_8859_1);
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !Files.isDirectory(Path.of("/proc"));
    }
  }

  /** The pids written to {@code file}, one a line, once it holds {@code count}. */
  static List<Long> awaitPids(Path file, int count) {
    return Await.value(count + " pids in " + file, () -> {
      try {
        List<Long> pids = Files.readAllLines(file).stream().filter(l -> !l.isBlank())
            .map(l -> Long.parseLong(l.trim())).toList();
        return pids.size() >= count ? java.util.Optional.of(pids) : java.util.Optional.empty();
      } catch (IOException | NumberFormatException e) {
        return java.util.Optional.empty();
      }
    }, BOUND);
  }

  /** Waits until {@code condition} holds, failing with {@code what} after {@link #BOUND}. */
  static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
    Await.value(what, () -> condition.getAsBoolean() ? java.util.Optional.of(true) : java.util.Optional.empty(), BOUND);
  }
}
