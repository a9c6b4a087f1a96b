package dev.aurora.core.internal.placement;

import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskId;
import dev.aurora.core.PendingReason;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.ScheduledTask;
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
 * <p>Agents holding regular offers sit in an {@link AgentIndex} ordered by fullness, whose walk skips
 * every agent without the group's cpu and ram free. A group walks it once, judging each agent it meets
 * once into a max-heap by score, and places its tasks one by one on the best, re-judged when it
 * surfaces. With the default scorer (bin-pack alone, at any weight) the walk stops as soon as no agent
 * further on could outscore the heap's best, so a task costs a few index steps instead of a look at
 * every agent; with other scorers the walk runs to the end. Revocable-tier groups walk the agents
 * holding offers instead.
 *
 * <p>A group with tasks left after a pass is remembered as stuck; later passes skip it until something
 * that could let it place changes: an agent on the pool's change log (a new offer, a task gone) now
 * fits it and passes its filters, a task of its job left an agent (limit counts fell), or the pool
 * started a new epoch (maintenance changed). That is sound because every filter declares what its
 * verdict rests on ({@link PlacementFilter.Kind}): with a filter declared EXTERNAL (a user's lambda,
 * unless declared), whose answers may depend on anything, stuck groups are tried again on every pass; so
 * are groups found stuck while a {@link TransientFilter} (preemption's reservations) vetoed something.
 *
 * <p>When one of a group's constraints leaves few agents open (a zone list, a rack limit with few racks
 * left: see {@link GroupRules#narrow}), or when a stuck group is tried again, the group judges just
 * those agents, from the pool's per-attribute lists, instead of walking the index.
 *
 * <p>Groups that must spread (a limit per {@code host}) need room on many agents. Once one has been
 * seen, a regular-tier group that may stack several tasks on an agent first places only where a task of
 * the smallest such group (the smallest cpu and the smallest ram asked for by one) would still fit after
 * it ({@link #placeGroup}): it opens a fresh agent rather than fill an agent in use to the last cpu, and
 * takes that last room only when nothing else fits (or when an earlier pass left it pending). Room is
 * kept only for a task of at most 1/32 of the smallest agent's cpu and ram ({@link #RESERVE_SHARE}).
 * Without it, a group that must spread and comes after the agents in use were filled to the brim opens
 * one fresh agent per task, and those agents stay nearly empty when no more work comes.
 *
 * <p>With bin-pack among the scorers, a regular-tier group also avoids agents on which its task would
 * strand cpus ({@link #strandsCpu}): where the share of ram left after the task would be under 1/8 of
 * the share of cpu left (and at least 1/32 of the cpu is left), the agent scores below every agent where
 * it would not, so a ram-heavy task goes where cpus are taken or ram is plentiful rather than filling the
 * ram of an agent whose cpus then stay idle. Best fit alone, fed jobs one at a time, left thousands of
 * cpus on agents with their ram full (W1 at 10,000 agents); placed together, largest first, the tasks
 * fit each other's gaps and the rule matters less. The rule holds once a pass has been given a group whose
 * tasks could use such cpus (under 1/8 as large a share of ram as of cpu): with only ram-heavy tasks, ram runs
 * out first everywhere and keeping cpus would only open more agents. A group an earlier pass left pending
 * takes what fits.
 *
 * <p>The narrowing and the built-in constraint filters (which run first in the pipeline) ask the same
 * {@link ConstraintRule}s, once per attribute value and once per agent. Nothing is allocated per agent
 * judged.
 */
public final class PlacementEngine {
  /** Places one task of a group on an agent; the callee updates task state and limit counts. */
  public interface Assigner {
    /**
     * Assigns {@code task} to {@code agent} with {@code ports}; false if the task cannot be. {@code
     * pending} is the PENDING task the group holds for it (null if the group was given its id alone).
     */
    boolean assign(TaskGroup group, TaskId task, ScheduledTask pending, AgentState agent, int[] ports);
  }

  /** A group whose constraints leave at most this many agents open judges those instead of walking. */
  private static final int NARROW_BELOW = 512;

  /** Scores within this of each other are ties (the agent found first keeps the task). */
  private static final double TIE = 1e-9;

  private final PlacementFilter[] filters;
  private final PlacementScorer[] scorers;
  private final double[] weights;
  private final AgentPool pool;
  /** The bin-pack weight when bin-pack is the only scorer, else NaN (no early stop). */
  private final double binPackOnlyWeight;
  /**
   * Whether every filter declares its verdict {@link PlacementFilter.Kind#STATIC STATIC} or {@link
   * PlacementFilter.Kind#DYNAMIC DYNAMIC} (it rests on the task, the agent and what the scheduler tracks)
   * or is a {@link TransientFilter}; with any {@link PlacementFilter.Kind#EXTERNAL EXTERNAL} filter,
   * stuck groups are tried on every pass.
   */
  private final boolean pureFilters;
  private final TransientFilter[] transientFilters;
  private final HashMap<JobKey, long[]> releases = new HashMap<>();
  private long releasesEpoch;
  private AgentState[] heapAgents = new AgentState[16];
  private double[] heapScores = new double[16];
  private int heapSize;
  private final IdentityHashMap<Veto, long[]> vetoCounts = new IdentityHashMap<>();
  private final ArrayList<AgentState> narrowed = new ArrayList<>();
  private Veto runVeto;
  private long runCount;
  private long minCapacityCpu;
  private long minCapacityRam;
  /**
   * Room is kept for a task of a group that must spread only if it takes at most this share (1 in 32)
   * of the smallest agent's cpu and of its ram: keeping it then costs at most about that share of the
   * agents in use, while no such group comes again.
   */
  private static final long RESERVE_SHARE = 32;
  /** The smallest cpu (thousandths) and ram (MiB) a task of a group that must spread asked for. */
  private long spreadCpu = Long.MAX_VALUE;
  private long spreadRam = Long.MAX_VALUE;
  /** What an agent must have free for the group placed now to keep room after a task (0, 0: no room kept). */
  private long keepNeedCpu;
  private long keepNeedRam;
  /**
   * An agent keeps at least 1/{@value} of its share of cpu free as its share of ram free: a task that
   * would leave less ram than that for the cpus left strands them ({@link #strandsCpu}).
   */
  private static final long STRAND_RATIO = 8;
  /** Whether the group placed now avoids agents it would strand cpus on (bin-pack scores, regular tier). */
  private boolean keepBalance;
  /**
   * Whether a regular-tier group given to a pass asked for under 1/{@link #STRAND_RATIO} as large a share of
   * the smallest agent's ram as of its cpu: a task that could use cpus left beside little ram. Until one is
   * seen, cpus are not kept usable (with only ram-heavy tasks, ram runs out first on every agent anyway, and
   * keeping cpus would only open more agents).
   */
  private boolean cpuHeavySeen;
  /** Whether bin-pack is among the scorers: only then are cpus kept from being stranded. */
  private final boolean binPacks;
  private final double weightSum;

  public PlacementEngine(List<PlacementFilter> filters, List<PlacementScorer> scorers, List<Double> weights,
      AgentPool pool) {
    this.filters = filters.toArray(new PlacementFilter[0]);
    this.scorers = scorers.toArray(new PlacementScorer[0]);
    this.weights = weights.stream().mapToDouble(Double::doubleValue).toArray();
    this.weightSum = java.util.Arrays.stream(this.weights).sum();
    this.pool = pool;
    this.binPackOnlyWeight = this.scorers.length == 1 && this.scorers[0] == BinPackScorer.INSTANCE
        ? this.weights[0] : Double.NaN;
    this.binPacks = java.util.Arrays.asList(this.scorers).contains(BinPackScorer.INSTANCE);
    boolean pure = true;
    List<TransientFilter> transients = new ArrayList<>();
    for (PlacementFilter f : this.filters) {
      if (f instanceof TransientFilter t) {
        transients.add(t);
      } else {
        PlacementFilter.Kind kind = f.kind();
        pure &= kind == PlacementFilter.Kind.STATIC || kind == PlacementFilter.Kind.DYNAMIC;
      }
    }
    this.pureFilters = pure;
    this.transientFilters = transients.toArray(new TransientFilter[0]);
  }

  /**
   * Orders groups: higher priority first, then the longest waiting, then (groups that came together)
   * those a value constraint confines to part of the cluster: they have fewer places to go, and
   * unconfined groups placed first could take them; then the largest tasks first, by their {@linkplain
   * TaskGroup#dominantShare() dominant share} of an agent (first-fit decreasing: small tasks placed later fill
   * the gaps large ones leave, where small tasks placed first would leave gaps no large one fits);
   * last, the order the groups were created in (their {@linkplain TaskGroup#seq() sequence}). The order
   * is total: it never depends on how a hash map iterates, so a seeded run places alike in every JVM.
   */
  public static final Comparator<TaskGroup> ORDER = Comparator.comparingInt(TaskGroup::priority).reversed()
      .thenComparingLong(TaskGroup::pendingSinceMillis)
      .thenComparing((TaskGroup g) -> !g.confined())
      .thenComparing(Comparator.comparingDouble(TaskGroup::dominantShare).reversed())
      .thenComparingLong(TaskGroup::seq);

  /** The agent shape a group is sized against while no agent is known: 1 core to 4 GiB of ram. */
  private static final long REFERENCE_CPU_MILLIS = 1_000;
  private static final long REFERENCE_RAM_MB = 4_096;

  /**
   * Sets a new group's {@linkplain TaskGroup#dominantShare() size} for the {@linkplain #ORDER placement order}:
   * the larger of its cpu and ram shares of the smallest agent known (of 1 core and 4 GiB with no agent
   * known; only the ratio of the two matters). Call once, before the group is ordered.
   */
  public void size(TaskGroup g) {
    long cpuCap = pool.minCapacityCpu();
    long ramCap = pool.minCapacityRam();
    if (cpuCap <= 0 || ramCap <= 0 || cpuCap == Long.MAX_VALUE || ramCap == Long.MAX_VALUE) {
      cpuCap = REFERENCE_CPU_MILLIS;
      ramCap = REFERENCE_RAM_MB;
    }
    g.size = Math.max((double) g.cpuMillis / cpuCap, (double) g.config.resources().ramMb() / ramCap);
  }

  private boolean emptied;

  /** Whether the last pass emptied a group (so the caller has empty groups to drop). */
  public boolean emptiedGroups() {
    return emptied;
  }

  /** A task of {@code job} left an agent: its limit counts fell, so its stuck groups must look again. */
  public void released(JobKey job) {
    releaseCounter(job)[0]++;
  }

  /** The job's release count in this epoch, as a live cell. */
  private long[] releaseCounter(JobKey job) {
    if (releasesEpoch != pool.epoch()) {
      releases.clear();
      releasesEpoch = pool.epoch();
    }
    return releases.computeIfAbsent(job, k -> new long[1]);
  }

  /**
   * Places as many tasks of {@code groups} (in order) as the held offers allow. Returns how many were
   * placed; veto counts of the pass are added to {@code vetoesOut} by reason.
   */
  public int pass(List<TaskGroup> groups, Assigner assigner, Map<String, Long> vetoesOut) {
    int placed = 0;
    emptied = false;
    minCapacities();
    if (!cpuHeavySeen && binPacks) {
      for (TaskGroup g : groups) {
        noteCpuHeavy(g);
      }
    }
    for (TaskGroup g : groups) {
      if (pool.offered().isEmpty()) {
        break;
      }
      if (g.isEmpty() || (g.stuck && stillStuck(g))) {
        continue;
      }
      placed += placeGroup(g, assigner);
      if (g.isEmpty()) {
        g.stuck = false;
        emptied = true;
      } else {
        g.stuck = true;
        g.stuckTrusted = transientsQuiet();
        g.stuckEpoch = pool.epoch();
        g.stuckLogPosition = pool.changed().size();
        g.stuckReleaseCounter = releaseCounter(g.job);
        g.stuckReleases = g.stuckReleaseCounter[0];
      }
    }
    flushRun();
    for (Map.Entry<Veto, long[]> e : vetoCounts.entrySet()) {
      vetoesOut.merge(e.getKey().reason(), e.getValue()[0], Long::sum);
    }
    vetoCounts.clear();
    return placed;
  }

  /**
   * Whether a group a pass left with tasks still cannot place any: nothing changed since but agents on
   * the change log, and none of those fits it and passes its filters.
   */
  private boolean stillStuck(TaskGroup g) {
    List<AgentState> changed = pool.changed();
    if (!pureFilters || !g.stuckTrusted || g.revocable || g.stuckEpoch != pool.epoch()
        || (g.stuckReleaseCounter != null ? g.stuckReleaseCounter[0] : 0) != g.stuckReleases) {
      return false;
    }
    if (g.stuckLogPosition == changed.size()) {
      return true;
    }
    long ram = g.config.resources().ramMb();
    for (int i = g.stuckLogPosition; i < changed.size(); i++) {
      AgentState a = changed.get(i);
      if (a.indexed && a.indexCpu >= g.cpuMillis && a.indexRam >= ram && !a.regular.isEmpty()
          && judge(g, a.regularView).isNone()) {
        return false;
      }
    }
    g.stuckLogPosition = changed.size();
    return true;
  }

  private boolean transientsQuiet() {
    for (TransientFilter f : transientFilters) {
      if (!f.vetoesNothing()) {
        return false;
      }
    }
    return true;
  }

  /** Notes a regular-tier group whose tasks could use cpus left beside little ram ({@link #cpuHeavySeen}). */
  private void noteCpuHeavy(TaskGroup g) {
    if (!g.revocable && !g.isEmpty() && minCapacityCpu > 0 && minCapacityRam > 0
        && minCapacityCpu != Long.MAX_VALUE && minCapacityRam != Long.MAX_VALUE
        && g.config.resources().ramMb() * STRAND_RATIO * minCapacityCpu < g.cpuMillis * minCapacityRam) {
      cpuHeavySeen = true;
    }
  }

  private void minCapacities() {
    // agents without offers count too: a smaller capacity only loosens the bin-pack bound
    minCapacityCpu = pool.minCapacityCpu();
    minCapacityRam = pool.minCapacityRam();
  }

  /**
   * Places a group's tasks one by one on the best-scoring agent no filter vetoes. Candidates come from a
   * walk (the index for the regular tier, the agents holding offers for the revocable tier); each agent
   * the walk yields is judged once for the group and, if no filter vetoes it, kept in a max-heap by
   * score. The walk advances only while its next agent could outscore the heap's best: with bin-pack
   * alone that bound is exact, so a task costs a few steps; with other scorers the walk runs to its end.
   * An agent vetoed once stays out for the rest of the group (its resources only shrink and its limit
   * counts only grow while the group is placed); the agent that took a task is judged and scored again.
   */
  private int placeGroup(TaskGroup g, Assigner assigner) {
    if (g.revocable) {
      return placeGroup(g, assigner, 0, 0);
    }
    long ram = g.config.resources().ramMb();
    if (g.spreads()) {
      spreadCpu = Math.min(spreadCpu, g.cpuMillis);
      spreadRam = Math.min(spreadRam, ram);
      return placeGroup(g, assigner, 0, 0);
    }
    if (spreadCpu == Long.MAX_VALUE || minCapacityCpu <= 0 || minCapacityRam <= 0
        || spreadCpu > minCapacityCpu / RESERVE_SHARE || spreadRam > minCapacityRam / RESERVE_SHARE) {
      return placeGroup(g, assigner, 0, 0); // none seen, or too large to keep room for: plain best fit
    }
    if (g.stuck) {
      return placeGroup(g, assigner, 0, 0); // an earlier pass left it pending: it takes what fits
    }
    return placeGroup(g, assigner, spreadCpu, spreadRam);
  }

  /**
   * Places the group's tasks, preferring agents that keep {@code keepCpu} and {@code keepRam} free after
   * a task: an agent that would not scores below every agent that would ({@link #keptScore}), so it is
   * chosen only when none that would is left (0 and 0: plain best fit). One walk: while the best agent
   * kept falls short of the room, the walk goes on to the next agent that fits.
   */
  private int placeGroup(TaskGroup g, Assigner assigner, long keepCpu, long keepRam) {
    try {
      return placeTasks(g, assigner, keepCpu, keepRam);
    } finally {
      pool.flushTook(); // the agents that took tasks, re-keyed once each, before anything walks again
    }
  }

  private int placeTasks(TaskGroup g, Assigner assigner, long keepCpu, long keepRam) {
    heapSize = 0;
    Resources r = g.config.resources();
    long cpu = g.cpuMillis;
    long ram = r.ramMb();
    keepNeedCpu = keepCpu == 0 && keepRam == 0 ? 0 : cpu + keepCpu;
    keepNeedRam = keepCpu == 0 && keepRam == 0 ? 0 : ram + keepRam;
    keepBalance = binPacks && cpuHeavySeen && !g.revocable && !g.stuck;
    int ports = r.ports().size();
    boolean indexed = !g.revocable;
    AgentIndex index = pool.index();
    List<AgentState> offered = pool.offered();
    // what a task of this group can add at most to an agent's bin-pack score, over all capacities
    double bonus = Double.isNaN(binPackOnlyWeight) || !indexed || minCapacityCpu <= 0 || minCapacityRam <= 0
        ? Double.NaN : (double) cpu / minCapacityCpu + (double) ram / minCapacityRam;
    double walkKey = Double.NEGATIVE_INFINITY;
    int walkSeq = 0;
    int walkPos = 0;
    boolean walkDone = false;
    // A constraint that leaves few agents open (a value list, a limit with few values left) beats the
    // walk: judge those agents only. A stuck group tried again may walk everything: narrow it whenever
    // that judges clearly fewer agents than the walk could visit (every narrowed agent is judged and
    // scored; the walk stops early once the group is placed, and its vetoes are cheap).
    int narrowBelow = g.stuck ? Math.max(NARROW_BELOW, index.size() / 2) : NARROW_BELOW;
    if (GroupRules.of(g).narrow(g, pool, narrowBelow, narrowed)) {
      for (int i = 0, n = narrowed.size(); i < n; i++) {
        AgentState a = narrowed.get(i);
        if (a.view(g.revocable).bucket().isEmpty() || (indexed && (a.regular.cpuMillis < cpu
            || a.regular.ramMb < ram))) {
          continue;
        }
        consider(g, a);
      }
      narrowed.clear();
      walkDone = true;
    }
    int placed = 0;
    while (!g.isEmpty()) {
      while (!walkDone) {
        AgentState a;
        if (indexed) {
          a = index.next(walkKey, walkSeq, cpu, ram);
        } else {
          a = walkPos < offered.size() ? offered.get(walkPos) : null;
        }
        if (a == null) {
          walkDone = true;
          break;
        }
        if (indexed && a.regular.isEmpty()) {
          index.remove(a); // parked (its offers consumed, none since): out of the index, the walk goes on
          continue;
        }
        if (heapSize > 0 && !Double.isNaN(bonus)
            && binPackOnlyWeight * (1 - (a.indexKey - bonus) / 2) <= heapScores[0] + TIE) {
          break; // every agent further on is emptier: none can outscore the best kept
        }
        walkKey = a.indexKey;
        walkSeq = a.indexSeq;
        walkPos++;
        consider(g, a);
      }
      if (heapSize == 0) {
        break;
      }
      AgentState a = heapAgents[0];
      double oldScore = heapScores[0];
      popTop();
      AgentState.View v = a.view(g.revocable);
      if (v.bucket().isEmpty() || !judge(g, v).isNone()) {
        continue;
      }
      double s = score(g, v);
      if (s < oldScore - 1e-12 && heapSize > 0 && s < heapScores[0]) {
        push(a, s); // another scorer (spread) lowered it since it was kept
        continue;
      }
      Map.Entry<TaskId, ScheduledTask> next = g.tasks.entrySet().iterator().next();
      TaskId task = next.getKey();
      ScheduledTask pending = next.getValue();
      int[] assigned = v.bucket().take(cpu, ram, r.diskMb(), r.gpus(), ports);
      if (indexed) {
        pool.took(a);
      }
      if (assigner.assign(g, task, pending, a, assigned)) {
        placed++;
      }
      g.tasks.remove(task);
      if (!g.isEmpty() && !v.bucket().isEmpty() && judge(g, v).isNone()) {
        push(a, score(g, v));
      }
    }
    return placed;
  }

  private void consider(TaskGroup g, AgentState a) {
    AgentState.View v = a.view(g.revocable);
    if (v.bucket().isEmpty()) {
      return;
    }
    Veto veto = judge(g, v);
    if (!veto.isNone()) {
      count(veto);
      return;
    }
    push(a, score(g, v));
  }

  private Veto judge(TaskGroup g, AgentState.View v) {
    PlacementFilter[] fs = g.judgeFilters;
    if (g.judgeFiltersOf != this) {
      fs = judgeFilters(g);
    }
    for (PlacementFilter f : fs) {
      // the built-in filters called by their class, where the call can be inlined; any other by interface
      Veto veto;
      if (f instanceof BuiltInFilters.ResourceFilter r) {
        veto = r.filter(g, v);
      } else if (f instanceof BuiltInFilters.MaintenanceFilter m) {
        veto = m.filter(g, v);
      } else if (f instanceof BuiltInFilters.DedicatedFilter d) {
        veto = d.filter(g, v);
      } else if (f instanceof BuiltInFilters.LimitConstraintFilter l) {
        veto = l.filter(g, v);
      } else if (f instanceof BuiltInFilters.ValueConstraintFilter c) {
        veto = c.filter(g, v);
      } else {
        veto = f.filter(g, v);
      }
      if (!veto.isNone()) {
        return veto;
      }
    }
    return Veto.none();
  }

  /**
   * The filters that may veto an agent for the group, in order: the engine's, less the built-in ones
   * that veto nothing for it (value or limit constraints when it has none, the tier filter for a task
   * not of the revocable tier). Made once per group.
   */
  private PlacementFilter[] judgeFilters(TaskGroup g) {
    GroupRules rules = GroupRules.of(g);
    List<PlacementFilter> kept = new ArrayList<>(filters.length);
    for (PlacementFilter f : filters) {
      boolean vetoesNothing = f instanceof BuiltInFilters.ValueConstraintFilter && rules.valueRules == 0
          || f instanceof BuiltInFilters.LimitConstraintFilter && rules.valueRules == rules.rules.length
          || f instanceof BuiltInFilters.TierFilter && !g.revocable;
      if (!vetoesNothing) {
        kept.add(f);
      }
    }
    g.judgeFilters = kept.toArray(new PlacementFilter[0]);
    g.judgeFiltersOf = this;
    return g.judgeFilters;
  }

  private double score(TaskGroup g, AgentState.View v) {
    double s = 0;
    for (int i = 0; i < scorers.length; i++) {
      s += weights[i] * scorers[i].score(g, v);
    }
    if (keepBalance && strandsCpu(g, v)) {
      return s - weightSum - 1;
    }
    return keepNeedCpu == 0 && keepNeedRam == 0 ? s : keptScore(s, v);
  }

  /**
   * Whether a task of {@code g} would leave the agent with cpus that the little ram left could hardly go
   * with: at least 1/{@value #RESERVE_SHARE} of its cpu free after the task, and a share of its ram free
   * under 1/{@value #STRAND_RATIO} of the share of cpu free. Such an agent scores below every agent that
   * would not ({@link #keptScore}), so bin-pack fills an agent's ram only as far as its cpus can follow
   * and takes that agent only when no other fits.
   */
  private static boolean strandsCpu(TaskGroup g, AgentState.View v) {
    AgentState a = v.agent();
    Bucket b = v.bucket();
    if (a.capacityCpuMillis <= 0 || a.capacityRamMb <= 0) {
      return false;
    }
    long cpuLeft = b.cpuMillis - g.cpuMillis;
    long ramLeft = b.ramMb - g.config.resources().ramMb();
    // cpuLeft/capCpu >= 1/32 and ramLeft/capRam < (cpuLeft/capCpu) / 8, in exact integer arithmetic
    return cpuLeft * RESERVE_SHARE >= a.capacityCpuMillis
        && ramLeft * STRAND_RATIO * a.capacityCpuMillis < cpuLeft * a.capacityRamMb;
  }

  /**
   * The score of an agent that would keep less than the room asked for after a task ({@link
   * #keepNeedCpu}, {@link #keepNeedRam}), lowered below every score an agent that would keep it can have
   * (scores are from 0 to the sum of the weights): negative, so the walk's early stop, which compares
   * with the best kept score, never stops while the best kept falls short.
   */
  private double keptScore(double s, AgentState.View v) {
    Bucket b = v.bucket();
    return b.cpuMillis >= keepNeedCpu && b.ramMb >= keepNeedRam ? s : s - weightSum - 1;
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
