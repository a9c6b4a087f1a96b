package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.ImmutableHealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduler embedding a local backend, restarted over the same storage and sandbox root, with real
 * processes: without {@code keepTasksOnClose} its tasks are replaced at once (not held back as
 * flapping); with it, the same processes run on and the new scheduler knows them RUNNING.
 *
 * <p>Each restart test prints the service's downtime it saw (see docs/local-backend.md); nothing
 * asserts on time.
 */
class SchedulerRestartTest {
  private static final Principal USER = Principal.of("test");
  /** Shorter than the 30 s a flapping task is held back. */
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir
  Path state;
  @TempDir
  Path sandboxes;

  private final List<Long> leftRunning = new ArrayList<>();

  @AfterEach
  void endWhatTheTestLeftRunning() {
    for (long pid : leftRunning) {
      ProcessHandle.of(pid).ifPresent(h -> {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
      });
    }
  }

  static JobConfig service() {
    HealthCheck check = ImmutableHealthCheck.copyOf(HealthCheck.command("echo probed >> probes.log"))
        .withInitialDelay(Duration.ofMillis(100)).withInterval(Duration.ofMillis(200));
    return Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("server", "sleep 600").cpus(0.1).ramMb(64).diskMb(1).healthCheck(check))
        .build();
  }

  private Scheduler scheduler(boolean keepTasks) {
    return scheduler(state, sandboxes, keepTasks);
  }

  static Scheduler scheduler(Path state, Path sandboxes, boolean keepTasks) {
    return Scheduler.builder()
        .backend(LocalBackend.builder().agents(2).cpusPerAgent(1).ramMbPerAgent(1024).diskMbPerAgent(1024)
            .sandboxRoot(sandboxes).killGracePeriod(Duration.ofSeconds(2)).keepTasksOnClose(keepTasks).build())
        .storage(Storage.fileLog(state))
        .build();
  }

  /** How many health probes ran in each sandbox, by task (each appends a line to its probes.log). */
  private Map<TaskId, Long> probes(Iterable<TaskId> ids) {
    Map<TaskId, Long> probes = new HashMap<>();
    for (TaskId id : ids) {
      Path log = sandboxes.resolve(id.value()).resolve("probes.log");
      try {
        probes.put(id, Files.exists(log) ? Files.readAllLines(log).size() : 0L);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return probes;
  }

  private static List<ScheduledTask> healthy(Scheduler scheduler, JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key())).stream()
        .filter(t -> t.status() == ScheduleStatus.RUNNING && t.healthy().orElse(false)).toList();
  }

  private static Map<TaskId, ScheduledTask> awaitAllHealthy(Scheduler scheduler, JobConfig job) {
    return Await.value("all instances RUNNING and healthy", () -> {
      List<ScheduledTask> up = healthy(scheduler, job);
      return up.size() == job.instances()
          ? Optional.of(up.stream().collect(Collectors.toMap(ScheduledTask::id, t -> t))) : Optional.empty();
    }, BOUND);
  }

  /** The process group leaders a task's sandbox records (its pid file). */
  private Map<TaskId, Long> pids(Iterable<TaskId> ids) {
    Map<TaskId, Long> pids = new HashMap<>();
    try (var dirs = Files.list(sandboxes)) {
      for (Path dir : dirs.toList()) {
        Path idFile = dir.resolve(".aurora/task-id");
        Path pidFile = dir.resolve(".aurora/pids");
        if (Files.isRegularFile(idFile) && Files.isRegularFile(pidFile)) {
          TaskId id = TaskId.of(Files.readString(idFile).trim());
          for (TaskId wanted : ids) {
            if (wanted.equals(id)) {
              pids.put(id, Long.parseLong(Files.readAllLines(pidFile).get(0).split(" ")[0]));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pids;
  }

  @Test
  void restartWithKeepTasksOnCloseKeepsTheSameProcessesAndTheSchedulerKnowsThemRunning() {
    JobConfig job = service();
    Scheduler first = scheduler(true);
    first.start();
    first.createJob(job, USER);
    Map<TaskId, ScheduledTask> before = awaitAllHealthy(first, job);
    Map<TaskId, Long> pids = pids(before.keySet());
    leftRunning.addAll(pids.values());
    assertThat(pids).hasSize(2);

    long closing = System.nanoTime();
    first.close();
    assertThat(pids.values()).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    Map<TaskId, Long> probedBefore = probes(before.keySet());

    Scheduler second = scheduler(true);
    try {
      second.start();
      // the new backend adopted them: its health checks run on them again
      Await.until("health checks of the adopted tasks resumed", () -> probes(before.keySet()).entrySet().stream()
          .allMatch(e -> e.getValue() > probedBefore.get(e.getKey())));
      long restarted = System.nanoTime();
      Map<TaskId, ScheduledTask> after = awaitAllHealthy(second, job);
      assertThat(after.keySet()).isEqualTo(before.keySet());
      assertThat(pids(after.keySet())).isEqualTo(pids);
      assertThat(pids.values()).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      assertThat(second.tasks(TaskQuery.job(job.key()))).hasSize(2); // nothing replaced
      System.out.printf("[downtime] keepTasksOnClose=true: processes ran throughout (service downtime 0 ms);"
          + " close() to adopted RUNNING+healthy in the new scheduler: %d ms%n", (restarted - closing) / 1_000_000);
    } finally {
      second.close(); // leaves them running again: the @AfterEach ends them
    }
  }

  @Test
  void afterTheEmbeddingJvmIsKilledTheNextSchedulerAdoptsItsTasks(@TempDir Path logs) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process app = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), EmbeddingApp.class.getName(), state.toString(), sandboxes.toString())
        .redirectError(logs.resolve("stderr").toFile())
        .start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.equals("READY")) {
        // its output before it is ready
      }
      assertThat(line).as("the embedding app got ready; its stderr: %s", Files.readString(logs.resolve("stderr")))
          .isEqualTo("READY");
    } finally {
      app.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
    }
    Scheduler second = scheduler(true);
    try {
      second.start();
      List<TaskId> ids = second.tasks(TaskQuery.job(service().key())).stream().map(ScheduledTask::id).toList();
      Map<TaskId, Long> pids = pids(ids);
      leftRunning.addAll(pids.values());
      assertThat(pids).hasSize(2);
      assertThat(pids.values()).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      Map<TaskId, Long> probedBefore = probes(ids);
      Await.until("health checks of the adopted tasks resumed", () -> probes(ids).entrySet().stream()
          .allMatch(e -> e.getValue() > probedBefore.get(e.getKey())));
      assertThat(awaitAllHealthy(second, service()).keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(pids(ids)).isEqualTo(pids);
      assertThat(second.tasks(TaskQuery.job(service().key()))).hasSize(2); // nothing replaced
    } finally {
      second.close();
    }
  }

  @Test
  void tasksLeftRunningThatTheSchedulerDoesNotKnowAreEnded(@TempDir Path otherState) {
    JobConfig job = service();
    Scheduler first = scheduler(true);
    first.start();
    first.createJob(job, USER);
    Map<TaskId, Long> pids = pids(awaitAllHealthy(first, job).keySet());
    leftRunning.addAll(pids.values());
    first.close();
    assertThat(pids.values()).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

    Scheduler stranger = scheduler(otherState, sandboxes, true); // knows none of them
    try {
      stranger.start();
      Await.until("the unknown tasks' processes ended", () -> pids.values().stream()
          .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
      assertThat(stranger.jobs()).isEmpty();
    } finally {
      stranger.close();
    }
  }

  @Test
  void restartWithoutKeepTasksOnCloseReplacesTheStoppedTasksAtOnceNotAsFlapping() {
    JobConfig job = service();
    Scheduler first = scheduler(false);
    first.start();
    first.createJob(job, USER);
    Map<TaskId, ScheduledTask> before = awaitAllHealthy(first, job);
    Map<TaskId, Long> pids = pids(before.keySet());

    long closing = System.nanoTime();
    first.close();
    long closed = System.nanoTime();
    assertThat(pids.values()).noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

    Scheduler second = scheduler(false);
    try {
      second.start();
      Await.value("a replacement RUNNING and healthy", () -> healthy(second, job).stream()
          .anyMatch(t -> !before.containsKey(t.id())) ? Optional.of(true) : Optional.empty(), BOUND);
      long firstUp = System.nanoTime();
      Map<TaskId, ScheduledTask> after = Await.value("replacements of every instance RUNNING and healthy", () -> {
        List<ScheduledTask> up = healthy(second, job).stream().filter(t -> !before.containsKey(t.id())).toList();
        return up.size() == job.instances()
            ? Optional.of(up.stream().collect(Collectors.toMap(ScheduledTask::id, t -> t))) : Optional.empty();
      }, BOUND);
      long allUp = System.nanoTime();
      assertThat(after.keySet()).doesNotContainAnyElementsOf(before.keySet());
      assertThat(after.values()).allSatisfy(t -> assertThat(t.flapCount()).isZero());
      assertThat(second.tasks(TaskQuery.job(job.key()))).noneMatch(t -> t.status() == ScheduleStatus.THROTTLED);
      System.out.printf("[downtime] keepTasksOnClose=false: close() took %d ms; no instance serving from close()"
          + " until the first replacement RUNNING+healthy: %d ms (all instances: %d ms)%n",
          (closed - closing) / 1_000_000, (firstUp - closing) / 1_000_000, (allUp - closing) / 1_000_000);
    } finally {
      second.close();
    }
  }
}
