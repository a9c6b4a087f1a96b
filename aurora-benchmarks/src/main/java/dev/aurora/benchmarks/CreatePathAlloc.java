package dev.aurora.benchmarks;

import dev.aurora.api.JobConfig;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Bytes allocated per created task on the create path alone: W1's 1,000 jobs (100,000 tasks) created on
 * the production loop ({@link StateLoop#singleThread}) into a cluster with no agent, so no task is placed
 * and what is counted is the creation (admission, the transaction, the storage append, the task records,
 * the pending groups) and the passes that find nothing to place. Counted from HotSpot's per-thread
 * counters of the loop and the calling thread, so the figure does not depend on the machine's load.
 *
 * <pre>java -cp benchmarks.jar dev.aurora.benchmarks.CreatePathAlloc [each|batch] [iterations]</pre>
 *
 * <p>Prints one line per iteration (the first is a fresh JVM's), with the snapshot the creation
 * triggers ({@code snapshotEvery} 100,000 ops) and, separately, with snapshots off.
 */
public final class CreatePathAlloc {
  private CreatePathAlloc() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "batch";
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Workload w = Workload.w1InRacks(10_000, 100, 1000, 100, 42);
    List<JobConfig> jobs = w.jobs;
    int tasks = jobs.stream().mapToInt(JobConfig::instances).sum();
    for (int i = 1; i <= iterations; i++) {
      for (int snapshotEvery : new int[] {100_000, Integer.MAX_VALUE}) {
        Clock clock = Clock.systemUTC();
        StateLoop loop = StateLoop.singleThread(clock);
        SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(0).build();
        Scheduler scheduler = Scheduler.builder().backend(cluster).storage(Storage.inMemory()).clock(clock)
            .loop(loop).randomSeed(7).snapshotEvery(snapshotEvery).build();
        scheduler.start();
        long[] loopThread = {Loops.threadId(loop)};
        Loops.idle(loop, 3);
        long loopBefore = Alloc.bytes(loopThread[0]);
        long clientBefore = Alloc.current();
        long loopCpu = Alloc.cpuNanos(loopThread[0]);
        long t0 = System.nanoTime();
        if (mode.equals("each")) {
          for (JobConfig j : jobs) {
            scheduler.createJob(j, AuroraHarness.BENCH);
          }
        } else {
          scheduler.createJobs(jobs, AuroraHarness.BENCH);
        }
        Loops.idle(loop, 3);
        long nanos = System.nanoTime() - t0;
        long bytes = Alloc.bytes(loopThread[0]) - loopBefore + Alloc.current() - clientBefore;
        System.out.printf(Locale.ROOT, "%s iteration %d snapshotEvery %s: %.1f bytes/task, %.3f s wall, %.3f s loop CPU%n",
            mode, i, snapshotEvery == Integer.MAX_VALUE ? "off" : snapshotEvery, bytes / (double) tasks, nanos / 1e9,
            (Alloc.cpuNanos(loopThread[0]) - loopCpu) / 1e9);
        scheduler.close();
        loop.stop();
        System.gc();
      }
    }
  }
}
