package dev.aurora.core.internal.preemption;

import dev.aurora.api.Constraint;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.api.Tier;
import dev.aurora.core.AgentView;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.Settings;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.LimitCounts;
import dev.aurora.core.internal.placement.TaskGroup;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.TaskAccess;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes room for pending tasks that cannot be placed by preempting less important ones.
 *
 * <p>Who may preempt whom: a {@code preferred}-tier task may preempt {@code preemptible} and {@code
 * revocable} tasks of any role; within a role, a task may preempt tasks of lower priority. Revocable
 * tasks run on revocable resources, so only a revocable task gains from preempting one (and a
 * non-revocable task only from non-revocable victims).
 *
 * <p>Every {@code preemptionInterval}, each task pending for at least {@code preemptionDelay} (most
 * important first: preferred tier, then priority, then the longest waiting) is matched against every
 * agent in service: the agent's held offers plus the resources of its eligible victims must let the
 * task pass every placement filter. The agent needing the {@link VictimSelector smallest, cheapest}
 * set of victims wins; the victims go PREEMPTING (and are replaced as usual), the agent is {@link
 * Reservations reserved} for the preemptor for {@code preemptionReservation}, and a {@link
 * SchedulerEvent.TasksPreempted} event says who made room for whom. At most {@code
 * preemptionMaxVictims} tasks are preempted per {@code preemptionWindow}.
 */
public final class Preemptor implements CoreListener {
  private static final int MAX_EVALUATIONS_PER_AGENT = 2_000;
  private static final int MAX_CANDIDATES_PER_SEARCH = 200;
  private static final TaskAccess ACCESS = TaskAccess.get();

  private final Core core;
  private final Settings settings;
  private final Reservations reservations;
  private final List<PlacementFilter> filters;
  private final HypotheticalAgent hypothetical = new HypotheticalAgent();
  private final ArrayDeque<Long> recentVictims = new ArrayDeque<>();
  /**
   * How many tasks of each class are on an agent in a preemptible state, kept as tasks move once
   * known; counted on the first search after recovery rather than during it.
   */
  private final Map<VictimClass, int[]> victimClasses = new HashMap<>();
  private boolean victimClassesKnown;
  private final Counter preemptions;
  private final Counter rateLimited;
  private boolean started;

  /**
   * A preemptor judging agents with {@code filters} (the placement pipeline without the reservation
   * filter).
   */
  public Preemptor(Core core, Settings settings, List<PlacementFilter> filters, MeterRegistry registry) {
    this.core = core;
    this.settings = settings;
    this.filters = List.copyOf(filters);
    this.reservations = new Reservations(core::now);
    this.preemptions = Counter.builder("aurora.preemptions").description("tasks preempted").register(registry);
    this.rateLimited = Counter.builder("aurora.preemptions.rate.limited")
        .description("preemptions put off by the rate limit").register(registry);
  }

  /** The placement filter that holds preempted room for its preemptor. */
  public PlacementFilter reservations() {
    return reservations;
  }

  // --- CoreListener ---

  @Override
  public void onTransition(ScheduledTask before, ScheduledTask after) {
    boolean wasVictim = before != null && isPossibleVictim(before);
    if (victimClassesKnown && wasVictim != isPossibleVictim(after)) {
      countVictim(wasVictim ? before : after, wasVictim ? -1 : 1);
    }
    // A pending task's status time is when it became PENDING: the candidates come from the pending
    // groups, so nothing is kept per pending task here (a task created costs this listener nothing).
    if (before != null && before.status() == ScheduleStatus.PENDING && after.status() != ScheduleStatus.PENDING) {
      reservations.release(after.id());
      reservations.usedBy(after.job(), after.config(), ACCESS.agentIdOrNull(after));
    }
  }

  @Override
  public void recovered() {
    victimClasses.clear();
    victimClassesKnown = false;
    if (!started) {
      started = true;
      scheduleSearch();
    }
  }

  private void scheduleSearch() {
    core.schedule(settings.preemptionInterval(), () -> {
      search();
      scheduleSearch();
    });
  }

  // --- the search ---

  /** One round: finds victims for the pending tasks that waited long enough, within the rate limit. */
  void search() {
    reservations.expire();
    if (settings.preemptionMaxVictims() == 0 || core.pendingGroups().isEmpty()) {
      return;
    }
    long now = core.now();
    long windowStart = now - settings.preemptionWindow().toMillis();
    while (!recentVictims.isEmpty() && recentVictims.peekFirst() <= windowStart) {
      recentVictims.pollFirst();
    }
    int budget = settings.preemptionMaxVictims() - recentVictims.size();
    if (budget <= 0) {
      rateLimited.increment();
      return;
    }
    if (!victimClassesKnown) {
      for (ScheduledTask t : core.tasks()) {
        if (isPossibleVictim(t)) {
          countVictim(t, 1);
        }
      }
      victimClassesKnown = true;
    }
    List<ScheduledTask> candidates = candidates(now);
    if (candidates.isEmpty()) {
      return; // the common case of tasks that fit nowhere: costs nothing per running task or agent
    }
    List<AgentState> agents = new ArrayList<>(core.pool().agents());
    agents.sort(Comparator.comparing(AgentState::id));
    Map<String, List<ScheduledTask>> onAgent = new HashMap<>();
    for (ScheduledTask t : core.tasks()) {
      if (isPossibleVictim(t)) {
        onAgent.computeIfAbsent(ACCESS.agentIdOrNull(t), a -> new ArrayList<>()).add(t);
      }
    }
    Set<GroupKey> hopeless = new HashSet<>();
    for (ScheduledTask c : candidates) {
      GroupKey group = new GroupKey(c.job(), c.config());
      if (hopeless.contains(group)) {
        continue;
      }
      Choice choice = bestChoice(c, agents, onAgent);
      if (choice == null) {
        hopeless.add(group);
        continue;
      }
      if (choice.victims.isEmpty()) {
        core.requestPass(); // it fits somewhere now: the next placement pass will place it
        continue;
      }
      if (choice.victims.size() > budget) {
        rateLimited.increment();
        break;
      }
      preempt(c, choice, now);
      onAgent.get(choice.agent.id()).removeAll(choice.victims);
      budget -= choice.victims.size();
    }
  }

  private List<ScheduledTask> candidates(long now) {
    long delay = settings.preemptionDelay().toMillis();
    List<ScheduledTask> out = new ArrayList<>();
    for (TaskGroup g : core.pendingGroups()) {
      if (!mayPreemptAny(g.job(), g.config())) {
        continue; // the group's tasks share what this depends on: skip them all at once
      }
      for (TaskId id : g.tasks()) {
        ScheduledTask t = core.task(id);
        if (t != null && t.status() == ScheduleStatus.PENDING && now - ACCESS.statusTimeMillis(t) >= delay
            && !reservations.holds(id)) {
          out.add(t);
        }
      }
    }
    // a PENDING task's status time is when it became pending: the longest waiting first
    out.sort(Comparator.comparingInt((ScheduledTask t) -> t.config().tier() == Tier.PREFERRED ? 0 : 1)
        .thenComparing(Comparator.comparingInt((ScheduledTask t) -> t.config().priority()).reversed())
        .thenComparingLong(ACCESS::statusTimeMillis)
        .thenComparing(ScheduledTask::id));
    return out.size() > MAX_CANDIDATES_PER_SEARCH ? out.subList(0, MAX_CANDIDATES_PER_SEARCH) : out;
  }

  /**
   * Whether some task now on an agent is one a pending task of {@code job} running {@code config} may
   * preempt. When none is, no agent scan can help it: tasks that fit nowhere cost a search nothing per
   * running task or agent.
   */
  private boolean mayPreemptAny(JobKey job, TaskConfig config) {
    for (VictimClass k : victimClasses.keySet()) {
      if (k.mayBePreemptedBy(job, config)) {
        return true;
      }
    }
    return false;
  }

  private record GroupKey(JobKey job, TaskConfig config) {}

  /** What {@link #mayPreempt} looks at in a victim, apart from its identity. */
  private record VictimClass(Tier tier, int priority, String role) {
    static VictimClass of(ScheduledTask t) {
      return new VictimClass(t.config().tier(), t.config().priority(), t.job().role());
    }

    /**
     * Whether some task of this class may be preempted by a pending task of {@code job} running {@code p}
     * (as {@link #mayPreempt}).
     */
    boolean mayBePreemptedBy(JobKey job, TaskConfig p) {
      if ((p.tier() == Tier.REVOCABLE) != (tier == Tier.REVOCABLE)) {
        return false;
      }
      return (p.tier() == Tier.PREFERRED && tier != Tier.PREFERRED)
          || (p.priority() > priority && job.role().equals(role));
    }
  }

  private record Choice(AgentState agent, List<ScheduledTask> victims, VictimSelector.Cost cost) {}

  /** The agent needing the fewest, cheapest victims for {@code c}; null if none would do. */
  private Choice bestChoice(ScheduledTask c, List<AgentState> agents, Map<String, List<ScheduledTask>> onAgent) {
    JobState job = core.job(c.job());
    if (job == null) {
      return null;
    }
    // a probe, never placed or ordered
    TaskGroup probe = new TaskGroup(c.job(), c.config(), countsWithReservations(c, job, agents), 0);
    boolean revocable = c.config().tier() == Tier.REVOCABLE;
    Choice best = null;
    for (AgentState agent : agents) {
      // Only agents holding tasks that c may preempt matter: where c fits without victims, the
      // placement pass places it. Cheapest checks first: this loop runs for every agent.
      List<ScheduledTask> here = onAgent.get(agent.id());
      if (here == null) {
        continue;
      }
      List<ScheduledTask> eligible = null;
      for (ScheduledTask v : here) {
        if (mayPreempt(c, v)) {
          if (eligible == null) {
            eligible = new ArrayList<>();
          }
          eligible.add(v);
        }
      }
      if (eligible == null) {
        continue;
      }
      AgentView view = agent.viewFor(revocable);
      if (view.maintenance() != MaintenanceMode.NONE || agent.hostname() == null
          || reservations.isHeld(agent.id())) {
        continue;
      }
      eligible.sort(VictimSelector.PREFERENCE);
      List<ScheduledTask> victims = VictimSelector.choose(eligible,
          (cpus, ram, disk, gpus, ports, tasks) -> judge(probe, hypothetical.set(view, cpus, ram, disk, gpus, ports, tasks)),
          MAX_EVALUATIONS_PER_AGENT);
      if (victims == null) {
        continue;
      }
      if (victims.isEmpty()) {
        return new Choice(agent, List.of(), VictimSelector.Cost.of(List.of()));
      }
      VictimSelector.Cost cost = VictimSelector.Cost.of(victims);
      if (best == null || cost.compareTo(best.cost) < 0) {
        best = new Choice(agent, victims, cost);
      }
    }
    return best;
  }

  /**
   * The job's counts for its limit constraints, counting each agent held for a task of the job as if
   * that task ran there already: it will, and room preempted for {@code c} that the limit would then
   * keep it out of is victims killed for nothing (and an agent closed to others meanwhile).
   */
  private LimitCounts countsWithReservations(ScheduledTask c, JobState job, List<AgentState> agents) {
    boolean limited = false;
    for (Constraint k : c.config().constraints()) {
      limited |= k.isLimit();
    }
    List<String> held = limited ? reservations.agentsHeldFor(c.job()) : List.of();
    if (held.isEmpty()) {
      return job;
    }
    List<AgentState> heldAgents = new ArrayList<>(held.size());
    for (AgentState a : agents) {
      if (held.contains(a.id())) {
        heldAgents.add(a);
      }
    }
    return (attribute, value) -> {
      int n = job.countOn(attribute, value);
      for (AgentState a : heldAgents) {
        if (value.equals(a.attribute(attribute, null))) {
          n++;
        }
      }
      return n;
    };
  }

  private boolean judge(TaskGroup probe, AgentView agent) {
    for (PlacementFilter f : filters) {
      if (!f.filter(probe, agent).isNone()) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code pending} may preempt {@code victim}. */
  static boolean mayPreempt(ScheduledTask pending, ScheduledTask victim) {
    TaskConfig p = pending.config();
    TaskConfig v = victim.config();
    if ((p.tier() == Tier.REVOCABLE) != (v.tier() == Tier.REVOCABLE)) {
      return false; // their resources come from different pools: nothing the preemptor could use
    }
    if (victim.job().equals(pending.job()) && victim.instance() == pending.instance()) {
      return false;
    }
    return (p.tier() == Tier.PREFERRED && v.tier() != Tier.PREFERRED)
        || (p.priority() > v.priority() && pending.job().role().equals(victim.job().role()));
  }

  /** Why {@code pending} may preempt {@code victim}, or null if it may not. */
  static String reason(ScheduledTask pending, ScheduledTask victim) {
    if (!mayPreempt(pending, victim)) {
      return null;
    }
    TaskConfig p = pending.config();
    TaskConfig v = victim.config();
    if (p.tier() == Tier.PREFERRED && v.tier() != Tier.PREFERRED) {
      return "preferred over " + v.tier().configName();
    }
    return "priority " + p.priority() + " over " + v.priority() + " in role " + pending.job().role();
  }

  private void preempt(ScheduledTask c, Choice choice, long now) {
    Set<String> reasons = new LinkedHashSet<>();
    List<TaskId> ids = new ArrayList<>();
    for (ScheduledTask v : choice.victims) {
      reasons.add(reason(c, v));
      ids.add(v.id());
      core.kill(v, ScheduleStatus.PREEMPTING, "preempted by " + c.id() + " of " + c.job());
      recentVictims.addLast(now);
    }
    preemptions.increment(ids.size());
    reservations.reserve(choice.agent.id(), c.id(), c.job(), c.config(),
        now + settings.preemptionReservation().toMillis());
    core.emit(new SchedulerEvent.TasksPreempted(core.instant(), c.id(), c.job(), choice.agent.hostname(), ids,
        String.join("; ", reasons)));
  }

  private static boolean isPreemptibleState(ScheduleStatus s) {
    return s == ScheduleStatus.ASSIGNED || s == ScheduleStatus.STARTING || s == ScheduleStatus.RUNNING;
  }

  private static boolean isPossibleVictim(ScheduledTask t) {
    return isPreemptibleState(t.status()) && ACCESS.agentIdOrNull(t) != null;
  }

  private void countVictim(ScheduledTask t, int delta) {
    VictimClass k = VictimClass.of(t);
    int[] n = victimClasses.computeIfAbsent(k, x -> new int[1]);
    n[0] += delta;
    if (n[0] <= 0) {
      victimClasses.remove(k);
    }
  }
}
