package dev.aurora.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * How tightly our engine packs W1, without JMH: the hosts used, the tasks placed and the hosts per 1,000
 * placed tasks, with the placement audit. On the manual loop hosts used do not depend on machine load,
 * so this gives exact packing figures on a shared machine in seconds.
 *
 * <pre>
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.PackingProbe               # 1,000 and 10,000 agents
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.PackingProbe 1000:100:batch # agents:jobs:mode
 * </pre>
 *
 * <p>The workloads are the comparison's: {@code Workload.w1InRacks(agents, 100, jobs, 100, 42)}. Modes:
 * {@code batch} (the default: every job created, then the manual loop runs, as W1 and the comparison),
 * {@code online} (the manual loop runs after each job is created: each pass sees one job) and {@code
 * loop} (the production loop, {@link dev.aurora.core.StateLoop#singleThread}, jobs created from this
 * thread while the loop places, as {@link W1ProductionLoop}; its hosts vary from run to run), {@code
 * loopbatch} (the production loop, one {@code createJobs} of every job) and {@code loopidle} (the
 * production loop, the client waiting after each {@code createJob} until the loop is idle: every
 * launch's remainder is offered again before the next job's pass); {@code looplone} (the production loop,
 * 200 jobs each created alone: the time of a {@code createJob} call, p50 and p99). With {@code -Dprobe.tick=PT1H} the
 * production loop's clock moves in steps of an hour (an experiment: every group pending at one time).
 */
public final class PackingProbe {
  private PackingProbe() {}

  /**
   * W1 on the production loop as {@link W1ProductionLoop} runs it: this thread creates the jobs one
   * after the other while the loop thread places; then the loop is let go idle and the outcome read.
   */
  static void productionLoop(String label, Workload w, String mode) throws InterruptedException {
    java.time.Clock clock = java.time.Clock.systemUTC();
    String tick = System.getProperty("probe.tick");
    if (tick != null) { // an experiment: a clock that moves in steps of this (ISO-8601) duration
      clock = java.time.Clock.tick(clock, java.time.Duration.parse(tick));
    }
    dev.aurora.core.StateLoop loop = dev.aurora.core.StateLoop.singleThread(clock);
    dev.aurora.core.ClusterBackend b = dev.aurora.testkit.SimulatedCluster.builder(loop).agents(w.agents)
        .attributes(i -> java.util.Map.of("host", w.hostname(i), "rack", w.rack(i), "zone", w.zone(i)))
        .resources(w.agentCpus, w.agentRamMb, w.agentDiskMb, 0).ports(w.portBase, w.portCount)
        .delays(java.time.Duration.ofDays(1), java.time.Duration.ofDays(1)).build();
    dev.aurora.core.Scheduler scheduler = dev.aurora.core.Scheduler.builder().backend(b)
        .storage(dev.aurora.core.Storage.inMemory()).clock(clock).loop(loop).randomSeed(7)
        .offerHold(java.time.Duration.ofDays(1)).build();
    scheduler.start();
    Loops.idle(loop, 5);
    long t0 = System.nanoTime();
    if (mode.equals("looplone")) {
      // latency, not packing: each job created alone (the loop idle before it), the time of the call
      // (the pass runs in the call's turn: when it returns the job's tasks are placed) for the first 200
      int n = Math.min(200, w.jobs.size());
      long[] micros = new long[n];
      for (int i = 0; i < n; i++) {
        long c0 = System.nanoTime();
        scheduler.createJob(w.jobs.get(i), AuroraHarness.BENCH);
        micros[i] = (System.nanoTime() - c0) / 1_000;
        Loops.idle(loop, 5);
      }
      java.util.Arrays.sort(micros);
      System.out.printf(Locale.ROOT, "%s: createJob of a lone job (returns placed), %d calls: p50 %d us, p99 %d us,"
          + " max %d us%n", label, n, micros[n / 2], micros[(int) Math.ceil(n * 0.99) - 1], micros[n - 1]);
      scheduler.close();
      loop.stop();
      return;
    }
    if (mode.equals("loopbatch")) {
      scheduler.createJobs(w.jobs, AuroraHarness.BENCH);
    } else {
      for (dev.aurora.api.JobConfig j : w.jobs) {
        scheduler.createJob(j, AuroraHarness.BENCH);
        if (mode.equals("loopidle")) {
          Loops.idle(loop, 5); // an experiment: every launch's remainder is offered again before the next job comes
        }
      }
    }
    Loops.idle(loop, 5);
    Outcome o = AuroraHarness.outcomeOf(scheduler, w, System.nanoTime() - t0);
    PlacementAudit.Report audit = PlacementAudit.check(o);
    System.out.printf(Locale.ROOT, "%s: hosts used %d, placed %d of %d placeable, %.2f hosts per 1,000 placed;"
            + " violations %d, placeable left pending %d%n", label, o.hostsUsed(), o.placed(),
        w.placeableTaskCount(), 1000.0 * o.hostsUsed() / Math.max(1, o.placed()), audit.violations().size(),
        audit.placeableLeftPending());
    scheduler.close();
    loop.stop();
  }

  public static void main(String[] args) throws Exception {
    List<String> sizes = args.length == 0 ? List.of("1000:100", "10000:1000") : List.of(args);
    for (String s : sizes) {
      String[] p = s.split(":");
      int agents = Integer.parseInt(p[0]);
      int jobs = Integer.parseInt(p[1]);
      boolean online = p.length > 2 && p[2].equals("online");
      Workload w = Workload.w1InRacks(agents, 100, jobs, 100, 42);
      if (p.length > 2 && p[2].startsWith("loop")) {
        productionLoop(s, w, p[2]);
        continue;
      }
      try (AuroraHarness h = new AuroraHarness(w)) {
        long nanos;
        long allocated = 0;
        if (online) {
          nanos = 0;
          for (dev.aurora.api.JobConfig j : w.jobs) {
            h.createJobs(List.of(j));
            nanos += h.runUntilPlaced();
          }
        } else {
          h.createJobs();
          long before = Alloc.current();
          nanos = h.runUntilPlaced();
          allocated = Alloc.current() - before;
        }
        Outcome o = h.outcome(nanos);
        PlacementAudit.Report audit = PlacementAudit.check(o);
        System.out.printf(Locale.ROOT,
            "%s: hosts used %d, placed %d of %d placeable, %.2f hosts per 1,000 placed;"
                + " violations %d, placeable left pending %d (%.0f ms, %.0f bytes allocated per placed task)%n",
            s, o.hostsUsed(), o.placed(), w.placeableTaskCount(),
            1000.0 * o.hostsUsed() / Math.max(1, o.placed()), audit.violations().size(),
            audit.placeableLeftPending(), nanos / 1e6, allocated / (double) Math.max(1, o.placed()));
      }
    }
  }
}
