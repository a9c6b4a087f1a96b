package dev.aurora.benchmarks;

public final class Probe {
  public static void main(String[] args) throws Exception {
    int agents = Integer.parseInt(args[0]);
    int jobs = Integer.parseInt(args[1]);
    String engine = args[2];
    long budget = (long) (Double.parseDouble(args.length > 3 ? args[3] : "30") * 1e9);
    for (int rep = 0; rep < (args.length > 4 ? Integer.parseInt(args[4]) : 1); rep++) {
      Workload w = Workload.w1(agents, jobs, 100, 42);
      Outcome o;
      long t0 = System.nanoTime();
      if (engine.equals("aurora")) {
        try (AuroraHarness h = new AuroraHarness(w)) {
          long t1 = System.nanoTime();
          h.createJobs();
          long t2 = System.nanoTime();
          long n = h.runUntilPlaced();
          System.out.printf("setup %.2fs create %.2fs place %.3fs idle %.3fs%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9, n / 1e9, h.lastIdleNanos() / 1e9);
          o = h.outcome(n);
        }
      } else {
        try (FenzoHarness f = new FenzoHarness(w, engine.equals("fenzo"))) {
          o = f.placeAll(budget);
        }
      }
      PlacementAudit.Report r = PlacementAudit.check(o);
      System.out.printf("%s placed=%d unplaced=%d tried=%d/%d time=%.3fs rate=%.0f/s cpu=%.3f ram=%.3f violations=%d placeablePending=%d%n",
          o.engine, o.placed(), o.unplaced(), o.triedCount(), o.agentOf.length, o.seconds(), o.tasksPerSecond(),
          o.cpuAllocation(), o.ramAllocation(), r.violations().size(), r.placeableLeftPending());
      r.violations().stream().limit(5).forEach(System.out::println);
    }
  }
}
