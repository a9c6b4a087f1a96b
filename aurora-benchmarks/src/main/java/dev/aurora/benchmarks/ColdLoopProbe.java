package dev.aurora.benchmarks;

import dev.aurora.api.JobConfig;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.testkit.SimulatedCluster;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * W1 from a fresh JVM on the production loop, one {@code createJobs} of all 1,000 jobs, set up as {@link
 * W1ProductionLoop} does (simulated cluster of 10,000 agents, in-memory storage, seed 7), with the
 * figures a cold start is made of besides its rate: the scheduler's start (build, start, the first
 * offers in), and for the start and the measured span the classes loaded, the JIT's compilation time
 * and the loop's and the caller's CPU. Prints the JVM's uptime at each mark so that a {@code
 * -Xlog:jit+compilation} or {@code -Xlog:class+load} log (decorated with {@code uptime}) can be split
 * into the start, the call and the placement after it.
 *
 * <pre>java -Xms6g -Xmx6g -XX:+UseParallelGC -cp benchmarks.jar dev.aurora.benchmarks.ColdLoopProbe [iterations]</pre>
 *
 * <p>Times move with the machine's load; the class counts and, less so, the CPU and compilation times
 * do not.
 */
public final class ColdLoopProbe {
  private ColdLoopProbe() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
    ClassLoadingMXBean cl = ManagementFactory.getClassLoadingMXBean();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    Workload w = Workload.w1InRacks(10_000, 100, 1000, 100, 42);
    int placeable = w.placeableTaskCount();
    List<JobConfig> jobs = w.jobs;
    for (int it = 1; it <= iterations; it++) {
      Clock clock = Clock.systemUTC();
      long s0 = System.nanoTime();
      long sClasses = cl.getTotalLoadedClassCount();
      long sJit = jit.getTotalCompilationTime();
      long sUp = rt.getUptime();
      StateLoop loop = StateLoop.singleThread(clock);
      SimulatedCluster b = SimulatedCluster.builder(loop).agents(w.agents)
          .attributes(i -> Map.of("host", w.hostname(i), "rack", w.rack(i), "zone", w.zone(i)))
          .resources(w.agentCpus, w.agentRamMb, w.agentDiskMb, 0).ports(w.portBase, w.portCount)
          .delays(Duration.ofDays(1), Duration.ofDays(1)).build();
      Counting.Backend counted = new Counting.Backend(b);
      Scheduler scheduler = Scheduler.builder().backend(counted).storage(Storage.inMemory()).clock(clock)
          .loop(loop).randomSeed(7).offerHold(Duration.ofDays(1)).build();
      long built = System.nanoTime();
      scheduler.start();
      long started = System.nanoTime();
      Loops.idle(loop, 3);
      long offersIn = System.nanoTime();
      long[] loopThread = {Loops.threadId(loop)};
      long startClasses = cl.getTotalLoadedClassCount() - sClasses;
      long startJit = jit.getTotalCompilationTime() - sJit;
      System.gc();

      long c0Classes = cl.getTotalLoadedClassCount();
      long c0Jit = jit.getTotalCompilationTime();
      long loopCpu0 = Alloc.cpuNanos(loopThread[0]);
      long clientCpu0 = Alloc.cpuNanos(Thread.currentThread().getId());
      long up0 = rt.getUptime();
      System.out.println("-- createJobs begins, iteration " + it);
      long t0 = System.nanoTime();
      scheduler.createJobs(jobs, AuroraHarness.BENCH);
      long t1 = System.nanoTime();
      System.out.println("-- createJobs returned, iteration " + it);
      long up1 = rt.getUptime();
      long callClasses = cl.getTotalLoadedClassCount() - c0Classes;
      long callJit = jit.getTotalCompilationTime() - c0Jit;
      long callLoopCpu = Alloc.cpuNanos(loopThread[0]) - loopCpu0;
      boolean all = counted.await(placeable, Duration.ofSeconds(1), () -> loop.queueDepth() == 0, Duration.ofSeconds(120));
      long up2 = rt.getUptime();
      long t2 = counted.lastLaunchAt();
      long allClasses = cl.getTotalLoadedClassCount() - c0Classes;
      long allJit = jit.getTotalCompilationTime() - c0Jit;
      System.out.printf(Locale.ROOT,
          "iteration %d: start %.3f s (build %.3f, start %.3f, offers in %.3f; uptime %d..%d ms), %d classes, JIT %d ms%n",
          it, (offersIn - s0) / 1e9, (built - s0) / 1e9, (started - built) / 1e9, (offersIn - started) / 1e9, sUp,
          rt.getUptime(), startClasses, startJit);
      System.out.printf(Locale.ROOT,
          "iteration %d: createJobs %.3f s (uptime %d..%d ms): %d classes loaded, JIT %d ms, loop CPU %.3f s, caller CPU %.3f s%n",
          it, (t1 - t0) / 1e9, up0, up1, callClasses, callJit, callLoopCpu / 1e9,
          (Alloc.cpuNanos(Thread.currentThread().getId()) - clientCpu0) / 1e9);
      System.out.printf(Locale.ROOT,
          "iteration %d: create to last launch %.3f s = %.0f tasks/s (uptime ..%d ms; %s), %d classes, JIT %d ms, loop CPU %.3f s%n",
          it, (t2 - t0) / 1e9, counted.launched() / ((t2 - t0) / 1e9), up2,
          all ? "all " + placeable + " placeable launched" : "only " + counted.launched() + " launched", allClasses,
          allJit, (Alloc.cpuNanos(loopThread[0]) - loopCpu0) / 1e9);
      scheduler.close();
      loop.stop();
      System.gc();
    }
  }
}
