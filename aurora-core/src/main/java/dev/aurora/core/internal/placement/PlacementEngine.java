package dev.aurora.core.internal.placement;

import dev.aurora.api.Resources;
import dev.aurora.api.TaskId;
import dev.aurora.core.PendingReason;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.Veto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches pending task groups to held offers through the filter pipeline and the weighted scorers.
 *
 * <p>One pass judges each group once per agent holding offers: agents no filter vetoes go into a
 * max-heap by score; the group's tasks are then placed one by one on the best agent, which is
 * re-judged (filters and score) lazily when it surfaces, so limit constraints and spread hold inside
 * the group without re-scanning the cluster. Nothing is allocated per agent judged.
 */
public final class PlacementEngine {
  /** Places one task of a group on an agent; the callee updates task state and limit counts. */
  public interface Assigner {
    /** Assigns {@code task} to {@code agent} with {@code ports}; false if the task cannot be. */
    boolean assign(TaskGroup group, TaskId task, AgentState agent, int[] ports);
  }

  private final PlacementFilter[] filters;
  private final PlacementScorer[] scorers;
  private final double[] weights;
  private final AgentPool pool;
  private AgentState[] heapAgents = new AgentState[16];
  private double[] heapScores = new double[16];
  private int heapSize;
  private final IdentityHashMap<Veto, long[]> vetoCounts = new IdentityHashMap<>();
  private Veto runVeto;
  private long runCount;

  public PlacementEngine(List<PlacementFilter> filters, List<PlacementScorer> scorers, List<Double> weights,
      AgentPool pool) {
    this.filters = filters.toArray(new PlacementFilter[0]);
    this.scorers = scorers.toArray(new PlacementScorer[0]);
    this.weights = weights.stream().mapToDouble(Double::doubleValue).toArray();
    this.pool = pool;
  }

  /** Orders groups: higher priority first, then the longest waiting. */
  public static final Comparator<TaskGroup> ORDER = Comparator.comparingInt(TaskGroup::priority).reversed()
      .thenComparingLong(TaskGroup::pendingSinceMillis);

  /**
   * Places as many tasks of {@code groups} (in order) as the held offers allow. Returns how many were
   * placed; veto counts of the pass are added to {@code vetoesOut} by reason.
   */
  public int pass(List<TaskGroup> groups, Assigner assigner, Map<String, Long> vetoesOut) {
    int placed = 0;
    for (TaskGroup g : groups) {
      if (pool.offered().isEmpty()) {
        break;
      }
      if (!g.isEmpty()) {
        placed += placeGroup(g, assigner);
      }
    }
    flushRun();
    for (Map.Entry<Veto, long[]> e : vetoCounts.entrySet()) {
      vetoesOut.merge(e.getKey().reason(), e.getValue()[0], Long::sum);
    }
    vetoCounts.clear();
    return placed;
  }

  private int placeGroup(TaskGroup g, Assigner assigner) {
    heapSize = 0;
    List<AgentState> offered = pool.offered();
    int n = offered.size();
    for (int i = 0; i < n; i++) {
      AgentState a = offered.get(i);
      AgentState.View v = a.view(g.revocable);
      if (v.bucket().isEmpty()) {
        continue;
      }
      Veto veto = judge(g, v);
      if (!veto.isNone()) {
        count(veto);
        continue;
      }
      push(a, score(g, v));
    }
    int placed = 0;
    Resources r = g.config.resources();
    int ports = r.ports().size();
    while (heapSize > 0 && !g.isEmpty()) {
      AgentState a = heapAgents[0];
      double oldScore = heapScores[0];
      popTop();
      AgentState.View v = a.view(g.revocable);
      if (!judge(g, v).isNone()) {
        continue;
      }
      double s = score(g, v);
      if (s < oldScore - 1e-12 && heapSize > 0 && s < heapScores[0]) {
        push(a, s);
        continue;
      }
      TaskId task = g.tasks.iterator().next();
      int[] assigned = v.bucket().take(g.cpuMillis, r.ramMb(), r.diskMb(), r.gpus(), ports);
      if (assigner.assign(g, task, a, assigned)) {
        placed++;
      }
      g.tasks.remove(task);
      if (!g.isEmpty() && judge(g, v).isNone()) {
        push(a, score(g, v));
      }
    }
    return placed;
  }

  private Veto judge(TaskGroup g, AgentState.View v) {
    for (PlacementFilter f : filters) {
      Veto veto = f.filter(g, v);
      if (!veto.isNone()) {
        return veto;
      }
    }
    return Veto.none();
  }

  private double score(TaskGroup g, AgentState.View v) {
    double s = 0;
    for (int i = 0; i < scorers.length; i++) {
      s += weights[i] * scorers[i].score(g, v);
    }
    return s;
  }

  /** Counts vetoes run-length first, since neighbouring agents mostly give the same one. */
  private void count(Veto veto) {
    if (veto == runVeto) {
      runCount++;
      return;
    }
    flushRun();
    runVeto = veto;
    runCount = 1;
  }

  private void flushRun() {
    if (runVeto != null) {
      vetoCounts.computeIfAbsent(runVeto, k -> new long[1])[0] += runCount;
      runVeto = null;
      runCount = 0;
    }
  }

  /**
   * Why a group's tasks are not placed: every filter is asked about every known agent (with offers
   * or not), and each reason is counted once per agent that gave it.
   */
  public PendingReason diagnose(TaskGroup g) {
    if (pool.agents().isEmpty()) {
      return new PendingReason(g.size(), Map.of(), "no agents have offered resources yet");
    }
    Map<String, Integer> counts = new HashMap<>();
    int fits = 0;
    for (AgentState a : pool.agents()) {
      AgentState.View v = a.view(g.revocable);
      boolean vetoed = false;
      for (PlacementFilter f : filters) {
        Veto veto = f.filter(g, v);
        if (!veto.isNone()) {
          counts.merge(veto.reason(), 1, Integer::sum);
          vetoed = true;
        }
      }
      if (!vetoed) {
        fits++;
      }
    }
    List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
    Map<String, Integer> ordered = new LinkedHashMap<>();
    sorted.forEach(e -> ordered.put(e.getKey(), e.getValue()));
    String message = fits > 0
        ? fits + (fits == 1 ? " agent fits" : " agents fit") + " now; the next placement pass will use them"
        : "no agent fits";
    return new PendingReason(g.size(), ordered, message);
  }

  // --- a binary max-heap of agents by score, in two parallel arrays ---

  private void push(AgentState a, double score) {
    if (heapSize == heapAgents.length) {
      heapAgents = java.util.Arrays.copyOf(heapAgents, heapSize * 2);
      heapScores = java.util.Arrays.copyOf(heapScores, heapSize * 2);
    }
    int i = heapSize++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heapScores[parent] >= score) {
        break;
      }
      heapAgents[i] = heapAgents[parent];
      heapScores[i] = heapScores[parent];
      i = parent;
    }
    heapAgents[i] = a;
    heapScores[i] = score;
  }

  private void popTop() {
    int last = --heapSize;
    AgentState a = heapAgents[last];
    double score = heapScores[last];
    heapAgents[last] = null;
    if (last == 0) {
      return;
    }
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= last) {
        break;
      }
      if (child + 1 < last && heapScores[child + 1] > heapScores[child]) {
        child++;
      }
      if (heapScores[child] <= score) {
        break;
      }
      heapAgents[i] = heapAgents[child];
      heapScores[i] = heapScores[child];
      i = child;
    }
    heapAgents[i] = a;
    heapScores[i] = score;
  }
}
