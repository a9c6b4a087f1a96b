package dev.aurora.benchmarks;

import dev.aurora.api.Constraint;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Resources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks an {@link Outcome} against its workload, independently of either engine: no agent holds more
 * than it has (cpus, ram, disk, ports, each port once), every constraint holds, and no task that was
 * tried and left unplaced could have been placed on the final cluster (a placeable task left pending).
 */
public final class PlacementAudit {
  /** What the audit found. */
  public record Report(List<String> violations, int placeableLeftPending) {
    public boolean clean() {
      return violations.isEmpty() && placeableLeftPending == 0;
    }
  }

  private PlacementAudit() {}

  public static Report check(Outcome o) {
    Workload w = o.workload;
    int inst = o.instances();
    List<String> violations = new ArrayList<>();
    long[] cpuMillis = new long[w.agents];
    long[] ram = new long[w.agents];
    long[] disk = new long[w.agents];
    BitSet[] ports = new BitSet[w.agents];
    // per job: agent -> count, rack -> count
    List<Map<Integer, int[]>> onAgent = new ArrayList<>();
    List<Map<Integer, int[]>> onRack = new ArrayList<>();
    for (int j = 0; j < w.jobs.size(); j++) {
      onAgent.add(new HashMap<>());
      onRack.add(new HashMap<>());
    }
    for (int t = 0; t < o.agentOf.length; t++) {
      int a = o.agentOf[t];
      if (a < 0) {
        continue;
      }
      int j = t / inst;
      Resources r = w.jobs.get(j).task().resources();
      cpuMillis[a] += Math.round(r.cpus() * 1000);
      ram[a] += r.ramMb();
      disk[a] += r.diskMb();
      int port = o.portOf[t];
      if (r.ports().size() > 0) {
        if (port < w.portBase || port >= w.portBase + w.portCount) {
          violations.add("task " + t + " has port " + port + " outside the agent's range");
        } else {
          BitSet b = ports[a] == null ? (ports[a] = new BitSet()) : ports[a];
          if (b.get(port - w.portBase)) {
            violations.add("port " + port + " given twice on " + w.hostname(a));
          }
          b.set(port - w.portBase);
        }
      }
      onAgent.get(j).computeIfAbsent(a, k -> new int[1])[0]++;
      onRack.get(j).computeIfAbsent(w.rackOf(a), k -> new int[1])[0]++;
      for (Constraint c : w.jobs.get(j).task().constraints()) {
        if (!c.isLimit() && !c.values().contains(w.zone(a)) && c.attribute().equals("zone")) {
          violations.add("task " + t + " of " + w.jobs.get(j).key() + " on " + w.hostname(a) + " breaks " + c);
        }
      }
    }
    for (int a = 0; a < w.agents; a++) {
      if (cpuMillis[a] > Math.round(w.agentCpus * 1000)) {
        violations.add(w.hostname(a) + " over-committed on cpus: " + cpuMillis[a] / 1000.0 + " of " + w.agentCpus);
      }
      if (ram[a] > w.agentRamMb) {
        violations.add(w.hostname(a) + " over-committed on ram: " + ram[a] + " of " + w.agentRamMb + " MiB");
      }
      if (disk[a] > w.agentDiskMb) {
        violations.add(w.hostname(a) + " over-committed on disk: " + disk[a] + " of " + w.agentDiskMb + " MiB");
      }
    }
    for (int j = 0; j < w.jobs.size(); j++) {
      for (Constraint c : w.jobs.get(j).task().constraints()) {
        if (!c.isLimit()) {
          continue;
        }
        Map<Integer, int[]> counts = c.attribute().equals("host") ? onAgent.get(j) : onRack.get(j);
        for (Map.Entry<Integer, int[]> e : counts.entrySet()) {
          if (e.getValue()[0] > c.limit().getAsInt()) {
            violations.add(w.jobs.get(j).key() + " breaks " + c + ": " + e.getValue()[0] + " on " + e.getKey());
          }
        }
      }
    }
    // Any tried, unplaced task that fits somewhere on the final cluster is a placeable task left pending.
    int placeable = 0;
    for (int t = 0; t < o.agentOf.length; t++) {
      if (!o.tried[t] || o.agentOf[t] >= 0) {
        continue;
      }
      int j = t / inst;
      if (fitsSomewhere(w, w.jobs.get(j), onAgent.get(j), onRack.get(j), cpuMillis, ram, disk, ports)) {
        placeable++;
      }
    }
    return new Report(violations, placeable);
  }

  private static boolean fitsSomewhere(Workload w, JobConfig job, Map<Integer, int[]> onAgent,
      Map<Integer, int[]> onRack, long[] cpuMillis, long[] ram, long[] disk, BitSet[] ports) {
    Resources r = job.task().resources();
    for (int a = 0; a < w.agents; a++) {
      if (cpuMillis[a] + Math.round(r.cpus() * 1000) > Math.round(w.agentCpus * 1000)
          || ram[a] + r.ramMb() > w.agentRamMb || disk[a] + r.diskMb() > w.agentDiskMb
          || (ports[a] != null ? ports[a].cardinality() : 0) + r.ports().size() > w.portCount) {
        continue;
      }
      boolean ok = true;
      for (Constraint c : job.task().constraints()) {
        if (!c.isLimit()) {
          ok &= c.values().contains(w.zone(a));
        } else if (c.attribute().equals("host")) {
          int[] n = onAgent.get(a);
          ok &= n == null || n[0] < c.limit().getAsInt();
        } else {
          int[] n = onRack.get(w.rackOf(a));
          ok &= n == null || n[0] < c.limit().getAsInt();
        }
      }
      if (ok) {
        return true;
      }
    }
    return false;
  }
}
