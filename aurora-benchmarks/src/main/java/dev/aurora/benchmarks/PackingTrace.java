package dev.aurora.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * Where the hosts of W1's packing go, without JMH (hosts are exact and do not depend on machine load):
 * the used agents at the end by what is left free on them, and, with jobs placed one per pass, which jobs
 * opened an agent nothing was on (by their constraints, and how many of them the last tenth of the jobs
 * opened).
 *
 * <pre>
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.PackingTrace 1000 100 online  # agents jobs mode
 * java -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.PackingTrace 1000 100 batch
 * </pre>
 *
 * <p>Modes as {@link PackingProbe}'s on the manual loop: {@code batch} (every job, then one run) and
 * {@code online} (the loop run after each job: what the production loop does for jobs created one at a
 * time, host for host). A used agent is <i>nearly empty</i> with at least 7/8 of its cpus free, <i>cpu
 * full</i> with less than 0.25 cpu free (W1's smallest task), <i>ram bound</i> with cpu free but less
 * than 1 GiB of ram, else <i>other</i>.
 */
public final class PackingTrace {
  private PackingTrace() {}

  public static void main(String[] args) {
    int agents = Integer.parseInt(args[0]);
    int jobs = Integer.parseInt(args[1]);
    boolean online = args.length > 2 && args[2].equals("online");
    Workload w = Workload.w1InRacks(agents, 100, jobs, 100, 42);
    int instances = 100;
    try (AuroraHarness h = new AuroraHarness(w)) {
      int[] opened = new int[jobs];
      boolean[] used = new boolean[agents];
      if (online) {
        for (int j = 0; j < jobs; j++) {
          h.createJobs(List.of(w.jobs.get(j)));
          h.runUntilPlaced();
          Outcome o = h.outcome(0);
          for (int i = 0; i < instances; i++) {
            int a = o.agentOf[j * instances + i];
            if (a >= 0 && !used[a]) {
              used[a] = true;
              opened[j]++;
            }
          }
        }
      } else {
        h.createJobs();
        h.runUntilPlaced();
      }
      Outcome o = h.outcome(0);
      double[] cpu = new double[agents];
      long[] ram = new long[agents];
      int[] count = new int[agents];
      for (int t = 0; t < o.agentOf.length; t++) {
        int a = o.agentOf[t];
        if (a >= 0) {
          var r = w.jobs.get(t / instances).task().resources();
          cpu[a] += r.cpus();
          ram[a] += r.ramMb();
          count[a]++;
        }
      }
      int usedCount = 0;
      int[] kind = new int[4]; // nearly empty, cpu full, ram bound, other
      double[] kindFreeCpu = new double[4];
      long freeRam = 0;
      for (int a = 0; a < agents; a++) {
        if (count[a] == 0) {
          continue;
        }
        usedCount++;
        double fc = w.agentCpus - cpu[a];
        long fr = w.agentRamMb - ram[a];
        freeRam += fr;
        int k = fc >= w.agentCpus * 7 / 8 ? 0 : fc < 0.25 ? 1 : fr < 1024 ? 2 : 3;
        kind[k]++;
        kindFreeCpu[k] += fc;
      }
      double freeCpu = kindFreeCpu[0] + kindFreeCpu[1] + kindFreeCpu[2] + kindFreeCpu[3];
      System.out.printf(Locale.ROOT, "%d:%d:%s: hosts used %d, placed %d; nearly empty %d (%.1f cpus free),"
              + " cpu full %d, ram bound %d (%.1f cpus free), other %d (%.1f cpus free); cpus free on used hosts"
              + " %.1f (%.1f hosts' worth), ram free %d GiB%n", agents, jobs, online ? "online" : "batch",
          usedCount, o.placed(), kind[0], kindFreeCpu[0], kind[1], kind[2], kindFreeCpu[2], kind[3],
          kindFreeCpu[3], freeCpu, freeCpu / w.agentCpus, freeRam / 1024);
      if (online) {
        int[] byKind = new int[4]; // limited per host, per another attribute, confined to values, none
        int[] jobsByKind = new int[4];
        int lastTenth = 0;
        for (int j = 0; j < jobs; j++) {
          int k = 3;
          for (dev.aurora.api.Constraint c : w.jobs.get(j).task().constraints()) {
            int ck = c.isLimit() ? ("host".equals(c.attribute()) ? 0 : 1) : 2;
            k = Math.min(k, ck);
          }
          byKind[k] += opened[j];
          jobsByKind[k]++;
          if (j >= jobs - jobs / 10) {
            lastTenth += opened[j];
          }
        }
        System.out.printf(Locale.ROOT, "  agents opened (nothing on them before) by jobs limited per host %d"
                + " (%d jobs), limited per rack but not host %d (%d jobs), confined to a zone only %d (%d jobs),"
                + " unconstrained %d (%d jobs); by the last tenth of the jobs %d%n", byKind[0], jobsByKind[0],
            byKind[1], jobsByKind[1], byKind[2], jobsByKind[2], byKind[3], jobsByKind[3], lastTenth);
      }
    }
  }
}
