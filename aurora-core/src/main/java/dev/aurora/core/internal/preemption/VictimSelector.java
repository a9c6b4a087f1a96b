package dev.aurora.core.internal.preemption;

import dev.aurora.api.Resources;
import dev.aurora.api.Tier;
import dev.aurora.core.ScheduledTask;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses the victims on one agent: the smallest set of its preemptible tasks whose resources,
 * added to what the agent has free, let the preemptor pass every placement filter. Among sets of that
 * size it prefers the cheapest: fewest preferred-tier victims, then fewest production ones, then the
 * lowest priorities.
 *
 * <p>Agents run few tasks, so sets are enumerated by size; past {@code maxEvaluations} judgements the
 * search falls back to a greedy pick (cheapest victims first, then drops any it does not need).
 */
final class VictimSelector {
  /** Whether the preemptor fits once resources of {@code tasks} victims are freed. */
  interface Fit {
    boolean fits(double cpus, long ramMb, long diskMb, int gpus, int ports, int tasks);
  }

  /** The victims to try first: non-production tiers, then lower priority, then bigger, then by id. */
  static final Comparator<ScheduledTask> PREFERENCE = Comparator
      .comparingInt((ScheduledTask t) -> t.config().tier() == Tier.PREFERRED ? 1 : 0)
      .thenComparingInt(t -> t.config().production() ? 1 : 0)
      .thenComparingInt(t -> t.config().priority())
      .thenComparing(Comparator.comparingDouble((ScheduledTask t) -> t.config().resources().cpus()).reversed())
      .thenComparing(Comparator.comparingLong((ScheduledTask t) -> t.config().resources().ramMb()).reversed())
      .thenComparing(ScheduledTask::id);

  /** How a set of victims ranks: fewer first, then cheaper. */
  record Cost(int size, int preferred, int production, long prioritySum) implements Comparable<Cost> {
    static Cost of(List<ScheduledTask> victims) {
      int preferred = 0;
      int production = 0;
      long priorities = 0;
      for (ScheduledTask t : victims) {
        preferred += t.config().tier() == Tier.PREFERRED ? 1 : 0;
        production += t.config().production() ? 1 : 0;
        priorities += t.config().priority();
      }
      return new Cost(victims.size(), preferred, production, priorities);
    }

    @Override
    public int compareTo(Cost o) {
      return Comparator.comparingInt(Cost::size).thenComparingInt(Cost::preferred)
          .thenComparingInt(Cost::production).thenComparingLong(Cost::prioritySum).compare(this, o);
    }
  }

  private VictimSelector() {}

  /**
   * The victims to kill among {@code candidates} (sorted by {@link #PREFERENCE}): an empty list if the
   * preemptor fits already, null if it does not fit even with all of them gone.
   */
  static List<ScheduledTask> choose(List<ScheduledTask> candidates, Fit fit, int maxEvaluations) {
    if (fit.fits(0, 0, 0, 0, 0, 0)) {
      return List.of();
    }
    int n = candidates.size();
    if (n == 0 || !fits(fit, candidates)) {
      return null;
    }
    int evaluations = 0;
    for (int k = 1; k <= n; k++) {
      List<ScheduledTask> best = null;
      Cost bestCost = null;
      int[] idx = new int[k];
      for (int i = 0; i < k; i++) {
        idx[i] = i;
      }
      while (true) {
        if (++evaluations > maxEvaluations) {
          return greedy(candidates, fit);
        }
        List<ScheduledTask> set = new ArrayList<>(k);
        for (int i : idx) {
          set.add(candidates.get(i));
        }
        if (fits(fit, set)) {
          Cost c = Cost.of(set);
          if (bestCost == null || c.compareTo(bestCost) < 0) {
            best = set;
            bestCost = c;
          }
        }
        if (!nextCombination(idx, n)) {
          break;
        }
      }
      if (best != null) {
        return best;
      }
    }
    return greedy(candidates, fit);
  }

  private static List<ScheduledTask> greedy(List<ScheduledTask> candidates, Fit fit) {
    List<ScheduledTask> set = new ArrayList<>();
    for (ScheduledTask t : candidates) {
      set.add(t);
      if (fits(fit, set)) {
        break;
      }
    }
    // drop the most valuable victims the preemptor does not need after all
    for (int i = set.size() - 1; i >= 0 && set.size() > 1; i--) {
      ScheduledTask t = set.remove(i);
      if (!fits(fit, set)) {
        set.add(i, t);
      }
    }
    return set;
  }

  private static boolean fits(Fit fit, List<ScheduledTask> victims) {
    double cpus = 0;
    long ram = 0;
    long disk = 0;
    int gpus = 0;
    int ports = 0;
    for (ScheduledTask t : victims) {
      Resources r = t.config().resources();
      cpus += r.cpus();
      ram += r.ramMb();
      disk += r.diskMb();
      gpus += r.gpus();
      ports += r.ports().size();
    }
    return fit.fits(cpus, ram, disk, gpus, ports, victims.size());
  }

  /** Advances {@code idx} to the next k-combination of 0..n-1 in lexicographic order. */
  private static boolean nextCombination(int[] idx, int n) {
    int k = idx.length;
    int i = k - 1;
    while (i >= 0 && idx[i] == n - k + i) {
      i--;
    }
    if (i < 0) {
      return false;
    }
    idx[i]++;
    for (int j = i + 1; j < k; j++) {
      idx[j] = idx[j - 1] + 1;
    }
    return true;
  }
}
