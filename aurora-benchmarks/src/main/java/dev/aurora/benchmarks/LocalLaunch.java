package dev.aurora.benchmarks;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.local.LocalBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The embedded local backend with real processes: a scheduler on the production loop and {@link
 * LocalBackend} with 4 virtual agents is asked to run {@code --tasks} instances of {@code sleep} (one
 * service job, or {@code --jobs} of them), and the harness reports how many tasks reached RUNNING per
 * second and the p50 / p99 / max time from the {@code createJob} call to each task's RUNNING (as the
 * scheduler stored it). Each task is a real OS process started through the task runner, with its
 * own sandbox and output files. Not a JMH benchmark: one run, end to end, as a user would see it;
 * run it twice to see the warm figure ({@code --rounds=2} does both in one JVM, killing the first
 * round's tasks between). Each round also prints its CPU per task (from the launch to the end of the
 * kill), from {@code /proc/self/stat}: the JVM's user and system time and that of the children it
 * reaped (the tasks' processes, the kill shells), in ticks of 10 ms (USER_HZ 100).
 *
 * <pre>
 * mvn -o -B -q -pl aurora-benchmarks -am package -DskipTests
 * java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp aurora-benchmarks/target/benchmarks.jar \
 *     dev.aurora.benchmarks.LocalLaunch --tasks=1000 --rounds=2
 * </pre>
 */
public final class LocalLaunch {
  private LocalLaunch() {}

  public static void main(String[] args) throws Exception {
    int tasks = arg(args, "tasks", 1_000);
    int jobs = arg(args, "jobs", 1);
    int rounds = arg(args, "rounds", 2);
    Path sandboxes = Files.createTempDirectory("aurora-local-launch");
    LocalBackend backend = LocalBackend.builder().agents(4).cpusPerAgent(64).ramMbPerAgent(64_000)
        .diskMbPerAgent(1_000_000).sandboxRoot(sandboxes).killGracePeriod(Duration.ofSeconds(1))
        .sandboxMaxCount(Integer.MAX_VALUE).build();
    try (Scheduler scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(Storage.inMemory()).build()) {
      scheduler.start();
      for (int round = 1; round <= rounds; round++) {
        String prefix = "sleep" + round + "x";
        List<JobConfig> configs = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
          configs.add(Job.service("bench/prod/" + prefix + j)
              .instances(tasks / jobs + (j < tasks % jobs ? 1 : 0))
              .task(t -> t.process("sleep", "sleep 600").cpus(0.05).ramMb(16).diskMb(1)).build());
        }
        Instant[] created = new Instant[jobs];
        long[] cpuBefore = cpuTicks();
        long t0 = System.nanoTime();
        for (int j = 0; j < jobs; j++) {
          created[j] = Instant.now();
          scheduler.createJob(configs.get(j), Principal.of("bench"));
        }
        long deadline = t0 + Duration.ofMinutes(10).toNanos();
        List<ScheduledTask> running;
        while (true) {
          running = scheduler.tasks(TaskQuery.all()).stream()
              .filter(t -> t.job().name().startsWith(prefix))
              .filter(t -> t.status() == ScheduleStatus.RUNNING).toList();
          if (running.size() >= tasks) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("only " + running.size() + " of " + tasks + " RUNNING after 10 min");
          }
          Thread.sleep(50); // the figures are the RUNNING times the scheduler stored, not when this poll saw them
        }
        long[] millis = new long[running.size()];
        Instant last = Instant.MIN;
        for (int i = 0; i < millis.length; i++) {
          ScheduledTask t = running.get(i);
          int j = Integer.parseInt(t.job().name().substring(t.job().name().indexOf('x') + 1));
          Instant at = t.timeOf(ScheduleStatus.RUNNING).orElseThrow();
          millis[i] = Duration.between(created[j], at).toMillis();
          if (at.isAfter(last)) {
            last = at;
          }
        }
        Arrays.sort(millis);
        double seconds = Duration.between(created[0], last).toNanos() / 1e9;
        System.out.printf(Locale.ROOT, "round %d (%s): %d tasks of real processes on 4 agents, %d job(s)%n", round,
            round == 1 ? "cold JVM" : "warm", tasks, jobs);
        System.out.printf(Locale.ROOT, "  createJob -> all RUNNING: %.2f s, %.0f tasks RUNNING per second%n", seconds,
            tasks / seconds);
        System.out.printf(Locale.ROOT, "  createJob -> RUNNING per task: p50 %d ms, p99 %d ms, max %d ms%n",
            millis[millis.length / 2], millis[(int) Math.min(millis.length - 1, Math.ceil(millis.length * 0.99) - 1)],
            millis[millis.length - 1]);
        for (JobConfig c : configs) {
          scheduler.killJob(c.key(), Principal.of("bench"));
        }
        long killDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (scheduler.tasks(TaskQuery.all()).stream().anyMatch(t -> t.status().isActive())) {
          if (System.nanoTime() > killDeadline) {
            throw new IllegalStateException("tasks still active 2 min after the kill");
          }
          Thread.sleep(50);
        }
        long[] cpu = cpuTicks();
        if (cpu.length == 4 && cpuBefore.length == 4) {
          // ticks of 10 ms (USER_HZ 100); children: the task processes and kill shells the JVM reaped
          System.out.printf(Locale.ROOT, "  CPU per task (launch to RUNNING, kill, end), ms: JVM user %.1f, system %.1f;"
                  + " reaped children user %.1f, system %.1f; total %.1f%n",
              (cpu[0] - cpuBefore[0]) * 10.0 / tasks, (cpu[1] - cpuBefore[1]) * 10.0 / tasks,
              (cpu[2] - cpuBefore[2]) * 10.0 / tasks, (cpu[3] - cpuBefore[3]) * 10.0 / tasks,
              (cpu[0] + cpu[1] + cpu[2] + cpu[3] - cpuBefore[0] - cpuBefore[1] - cpuBefore[2] - cpuBefore[3])
                  * 10.0 / tasks);
        }
      }
    }
  }

  /** utime, stime, cutime, cstime of this JVM from /proc/self/stat (clock ticks); empty where there is none. */
  private static long[] cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    } catch (java.io.IOException | RuntimeException e) {
      return new long[0];
    }
  }

  private static int arg(String[] args, String name, int fallback) {
    for (String a : List.of(args)) {
      if (a.startsWith("--" + name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 3));
      }
    }
    return fallback;
  }
}
