package dev.aurora.testkit.internal.sim;

import static dev.aurora.core.ScheduleStatus.*;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.core.PendingReason;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The named invariants a simulation checks, after every step and at the end. It watches the scheduler
 * only through the public API and its events, and keeps its own model of what users were told.
 */
public final class Checker {
  /** The invariants' names, as failures report them. */
  public static final String ACKNOWLEDGED_OP_SURVIVES = "acknowledgedOpSurvivesEveryCrash";
  public static final String LIVE_EQUALS_CONFIG = "liveInstancesEqualConfigOnceOperationsStop";
  public static final String SERVICES_CONVERGE = "servicesConvergeWithinBoundAfterFaultsStop";
  public static final String ONE_ACTIVE_TASK = "neverTwoActiveTasksPerInstanceBeyondWindow";
  public static final String QUOTA = "quotaNeverExceeded";
  public static final String NOT_ON_DRAINING = "noTaskPlacedOnDrainingHost";
  public static final String UPDATES_END = "everyUpdateEndsTerminal";
  public static final String LEGAL_TRANSITIONS = "noIllegalTransition";
  public static final String NO_OVERCOMMIT = "noOverCommittedAgentResourcesOrPorts";
  public static final String WHY_PENDING = "whyPendingAgreesWithPlacement";
  public static final String CLEAN_ERRORS = "operationsFailOnlyWithDocumentedErrors";
  public static final String DEPOSED_NEVER_APPENDS = "deposedLeaderNeverAppends";
  public static final String DEPOSED_REFUSES = "deposedLeaderRefusesOperations";

  private static final Map<ScheduleStatus, Set<ScheduleStatus>> LEGAL = new EnumMap<>(ScheduleStatus.class);

  static {
    // An independent copy of the documented table (docs/concepts.md, DESIGN.md), not the core's.
    Set<ScheduleStatus> ends = EnumSet.of(FINISHED, FAILED, KILLED, LOST);
    Set<ScheduleStatus> kills = EnumSet.of(KILLING, RESTARTING, DRAINING, PREEMPTING);
    LEGAL.put(INIT, EnumSet.of(PENDING, THROTTLED, KILLED));
    LEGAL.put(THROTTLED, EnumSet.of(PENDING, KILLED));
    LEGAL.put(PENDING, EnumSet.of(ASSIGNED, KILLED));
    LEGAL.put(ASSIGNED, union(EnumSet.of(STARTING, RUNNING, PARTITIONED), ends, kills));
    LEGAL.put(STARTING, union(EnumSet.of(RUNNING, PARTITIONED), ends, kills));
    LEGAL.put(RUNNING, union(EnumSet.of(PARTITIONED), ends, kills));
    // an unreachable agent's task (docs/concepts.md, "PARTITIONED"): back, given up (LOST) or killed
    LEGAL.put(PARTITIONED, union(EnumSet.of(STARTING, RUNNING), ends, kills));
    LEGAL.put(KILLING, EnumSet.copyOf(ends));
    for (ScheduleStatus s : List.of(RESTARTING, DRAINING, PREEMPTING)) {
      LEGAL.put(s, union(EnumSet.of(KILLING), ends, EnumSet.noneOf(ScheduleStatus.class)));
    }
    for (ScheduleStatus s : ends) {
      LEGAL.put(s, EnumSet.noneOf(ScheduleStatus.class));
    }
  }

  private static Set<ScheduleStatus> union(Set<ScheduleStatus> a, Set<ScheduleStatus> b, Set<ScheduleStatus> c) {
    EnumSet<ScheduleStatus> out = EnumSet.noneOf(ScheduleStatus.class);
    out.addAll(a);
    out.addAll(b);
    out.addAll(c);
    return out;
  }

  private static final EnumSet<ScheduleStatus> KILL_IN_FLIGHT = EnumSet.of(KILLING, RESTARTING, DRAINING, PREEMPTING);

  private final SimulatedCluster cluster;
  private final Clock clock;
  private final Duration duplicateWindow;
  private final double agentCpus;
  private final long agentRamMb;
  private final Supplier<String> where;
  private final List<String> violations = new ArrayList<>();
  private final Set<String> reported = new LinkedHashSet<>();
  private Scheduler scheduler;

  // the model of what users were told: services' instance counts (null: not known, to resync)
  private final Map<JobKey, Integer> expectedInstances = new TreeMap<>();
  private final Set<JobKey> mustBeGone = new LinkedHashSet<>();
  private final Set<JobKey> unknown = new LinkedHashSet<>();
  private final Map<JobKey, UpdateId> updating = new LinkedHashMap<>();
  private final Map<String, Optional<ResourceQuota>> expectedQuota = new TreeMap<>();
  private final Set<String> unknownQuota = new LinkedHashSet<>();
  private final Map<InstanceKey, Long> twoActiveSince = new HashMap<>();
  private final Map<String, Resources> lastConsumption = new TreeMap<>();
  private final Map<String, ResourceQuota> lastQuota = new TreeMap<>();

  public Checker(SimulatedCluster cluster, Clock clock, Duration duplicateWindow, double agentCpus, long agentRamMb,
      Supplier<String> where) {
    this.cluster = cluster;
    this.clock = clock;
    this.duplicateWindow = duplicateWindow;
    this.agentCpus = agentCpus;
    this.agentRamMb = agentRamMb;
    this.where = where;
  }

  public List<String> violations() {
    return violations;
  }

  /** Records a violation of {@code invariant}; each distinct detail once. */
  public void violation(String invariant, String detail) {
    String key = invariant + ": " + detail;
    if (reported.add(key)) {
      violations.add(key + " [" + where.get() + "]");
    }
  }

  /** Watches a (new) scheduler: call before it starts, so recovery's events are seen too. */
  public void attach(Scheduler s) {
    this.scheduler = s;
    watch(s);
  }

  /** Watches a scheduler's events without reading through it (a follower, until it leads). */
  public void watch(Scheduler s) {
    s.events().subscribe(e -> {
      try {
        onEvent(s, e);
      } catch (dev.aurora.core.NotLeaderException deposedMeanwhile) {
        // the event came from a term that ended since: nothing of it to read
      }
    });
  }

  /** Reads through {@code s} from now on (the leader after a failover). */
  public void use(Scheduler s) {
    this.scheduler = s;
  }

  private void onEvent(Scheduler s, SchedulerEvent e) {
    if (e instanceof SchedulerEvent.TaskStateChanged tc) {
      ScheduledTask t = tc.task();
      if (tc.from() != t.status() && !LEGAL.getOrDefault(tc.from(), Set.of()).contains(t.status())) {
        violation(LEGAL_TRANSITIONS, t.id() + " " + tc.from() + " -> " + t.status());
      }
      if (t.status() == ASSIGNED && t.host().isPresent() && s.maintenance().containsKey(t.host().get())) {
        violation(NOT_ON_DRAINING, t.id() + " assigned to " + t.host().get() + ", which is "
            + s.maintenance().get(t.host().get()));
      }
      if (t.lastMessage().contains("over-committed")) {
        violation(NO_OVERCOMMIT, t.id() + " " + t.lastMessage());
      }
    }
  }

  // ------------------------------------------------------------------ the model of acknowledged ops

  public void created(JobConfig job) {
    mustBeGone.remove(job.key());
    unknown.remove(job.key());
    if (job.isService()) {
      expectedInstances.put(job.key(), job.instances());
    }
  }

  public void killed(JobKey key) {
    expectedInstances.remove(key);
    unknown.remove(key);
    mustBeGone.add(key);
    updating.remove(key);
  }

  public void instancesChanged(JobKey key, int delta) {
    expectedInstances.computeIfPresent(key, (k, n) -> n + delta);
  }

  public void updateStarted(JobKey key, UpdateId id) {
    if (expectedInstances.remove(key) != null) {
      updating.put(key, id);
    }
  }

  /** An operation on {@code key} was not acknowledged: either outcome is right; resync at the restart. */
  public void unacknowledged(JobKey key) {
    if (expectedInstances.remove(key) != null || mustBeGone.remove(key) || updating.remove(key) != null) {
      unknown.add(key);
    } else {
      unknown.add(key);
    }
  }

  public void quotaSet(String role, Optional<ResourceQuota> quota) {
    expectedQuota.put(role, quota);
    unknownQuota.remove(role);
  }

  public void quotaUnacknowledged(String role) {
    expectedQuota.remove(role);
    unknownQuota.add(role);
  }

  /** After a restart: what unacknowledged ops left open is now whatever storage recovered. */
  public void resync() {
    for (JobKey key : unknown) {
      Optional<JobConfig> job = scheduler.job(key);
      if (job.isPresent() && job.get().isService()) {
        if (scheduler.updates(key).stream().anyMatch(u -> !u.status().isTerminal())) {
          scheduler.updates(key).stream().filter(u -> !u.status().isTerminal()).findFirst()
              .ifPresent(u -> updating.put(key, u.id()));
        } else {
          expectedInstances.put(key, job.get().instances());
        }
      } else if (job.isEmpty()) {
        mustBeGone.add(key);
      }
    }
    unknown.clear();
    for (String role : unknownQuota) {
      expectedQuota.put(role, scheduler.quota(role));
    }
    unknownQuota.clear();
  }

  // ------------------------------------------------------------------ after every step

  public void afterStep() {
    Scheduler s = scheduler;
    for (Map.Entry<JobKey, UpdateId> u : new ArrayList<>(updating.entrySet())) {
      Optional<UpdateDetails> d = s.update(u.getValue());
      if (d.isPresent() && d.get().status().isTerminal()) {
        updating.remove(u.getKey());
        s.job(u.getKey()).ifPresent(j -> expectedInstances.put(u.getKey(), j.instances()));
      }
    }
    for (Map.Entry<JobKey, Integer> e : expectedInstances.entrySet()) {
      Optional<JobConfig> job = s.job(e.getKey());
      if (job.isEmpty()) {
        violation(ACKNOWLEDGED_OP_SURVIVES, e.getKey() + " was acknowledged with " + e.getValue()
            + " instances but is gone");
      } else if (job.get().instances() != e.getValue()) {
        violation(ACKNOWLEDGED_OP_SURVIVES, e.getKey() + " was acknowledged with " + e.getValue()
            + " instances but has " + job.get().instances());
      }
    }
    for (JobKey key : mustBeGone) {
      if (s.job(key).isPresent()) {
        violation(ACKNOWLEDGED_OP_SURVIVES, key + " was killed (acknowledged) but is back");
      }
    }
    for (Map.Entry<String, Optional<ResourceQuota>> e : expectedQuota.entrySet()) {
      if (!s.quota(e.getKey()).equals(e.getValue())) {
        violation(ACKNOWLEDGED_OP_SURVIVES, "quota of " + e.getKey() + " was acknowledged as " + e.getValue()
            + " but is " + s.quota(e.getKey()));
      }
    }

    List<ScheduledTask> active = s.tasks(TaskQuery.all().active());
    long now = clock.millis();
    Map<InstanceKey, Integer> upCount = new HashMap<>();
    Map<JobKey, Integer> pendingPerJob = new TreeMap<>();
    for (ScheduledTask t : active) {
      if (!KILL_IN_FLIGHT.contains(t.status())) {
        upCount.merge(t.instanceKey(), 1, Integer::sum);
      }
      if (t.status() == PENDING) {
        pendingPerJob.merge(t.job(), 1, Integer::sum);
      }
    }
    // Resources and ports are checked where they are held: on the cluster. The scheduler's own view
    // may lag it (a task's end delayed or lost in transit), and offers come from the cluster's truth.
    for (SimulatedCluster.Agent agent : cluster.agents()) {
      double cpus = 0;
      long ram = 0;
      Set<Integer> ports = new java.util.HashSet<>();
      for (dev.aurora.api.TaskId id : agent.tasks()) {
        Optional<dev.aurora.core.TaskLaunch> launch = cluster.launchOf(id);
        if (launch.isEmpty()) {
          continue;
        }
        cpus += launch.get().config().resources().cpus();
        ram += launch.get().config().resources().ramMb();
        for (int p : launch.get().ports().values()) {
          if (!ports.add(p)) {
            violation(NO_OVERCOMMIT, "port " + p + " given twice on " + agent.hostname() + " (" + id + ")");
          }
        }
      }
      if (cpus > agentCpus + 1e-6 || ram > agentRamMb) {
        violation(NO_OVERCOMMIT, agent.id() + " runs tasks of " + cpus + " cpus, " + ram + " MiB; it has "
            + agentCpus + ", " + agentRamMb);
      }
    }
    for (Map.Entry<InstanceKey, Integer> e : upCount.entrySet()) {
      if (e.getValue() >= 2) {
        long since = twoActiveSince.computeIfAbsent(e.getKey(), k -> now);
        if (now - since > duplicateWindow.toMillis()) {
          violation(ONE_ACTIVE_TASK, e.getKey() + " has " + e.getValue() + " active tasks for "
              + Duration.ofMillis(now - since).toSeconds() + " s");
        }
      }
    }
    twoActiveSince.keySet().removeIf(k -> upCount.getOrDefault(k, 0) < 2);

    Map<String, ResourceQuota> quotas = new TreeMap<>(s.quotas());
    // a role whose quota was removed starts afresh when it gets one again: lowering (or setting) a
    // quota below what is used stops growth, it kills nothing
    lastQuota.keySet().retainAll(quotas.keySet());
    lastConsumption.keySet().retainAll(quotas.keySet());
    for (Map.Entry<String, ResourceQuota> q : quotas.entrySet()) {
      Resources used = s.quotaConsumption(q.getKey());
      Resources before = lastConsumption.get(q.getKey());
      boolean grew = before == null || used.cpus() > before.cpus() + 1e-9 || used.ramMb() > before.ramMb()
          || used.diskMb() > before.diskMb();
      if (!q.getValue().covers(used) && grew && q.getValue().equals(lastQuota.get(q.getKey()))) {
        StringBuilder jobs = new StringBuilder();
        for (JobConfig j : s.jobs()) {
          if (j.key().role().equals(q.getKey())) {
            jobs.append(' ').append(j.key().name()).append(" x").append(j.instances()).append(' ')
                .append(j.task().tier());
            s.updates(j.key()).stream().filter(u -> !u.status().isTerminal()).forEach(u -> jobs.append(" (")
                .append(u.status()).append(' ').append(u.from().instances()).append("->").append(u.to().instances())
                .append(')'));
          }
        }
        violation(QUOTA, q.getKey() + " uses " + used + " over its quota " + q.getValue() + "; before "
            + before + "; jobs" + jobs);
      }
      lastConsumption.put(q.getKey(), used);
      lastQuota.put(q.getKey(), q.getValue());
    }

    for (Map.Entry<JobKey, Integer> e : pendingPerJob.entrySet()) {
      PendingReason why = s.whyPending(e.getKey());
      if (why.pendingTasks() != e.getValue()) {
        violation(WHY_PENDING, e.getKey() + ": whyPending counts " + why.pendingTasks() + " pending tasks, "
            + e.getValue() + " are PENDING");
      }
    }
  }

  // ------------------------------------------------------------------ once operations and faults stop

  /** Whether every service runs its instances and every update has ended. */
  public boolean converged() {
    Scheduler s = scheduler;
    for (JobConfig job : s.jobs()) {
      if (s.updates(job.key()).stream().anyMatch(u -> !u.status().isTerminal())) {
        return false;
      }
      if (job.isService() && running(job.key()) != job.instances()) {
        return false;
      }
    }
    return true;
  }

  private int running(JobKey key) {
    return (int) scheduler.tasks(TaskQuery.job(key).states(RUNNING)).stream().map(ScheduledTask::instance)
        .distinct().count();
  }

  /** The end-of-run invariants, once the bound after the faults stopped has passed. */
  public void atEnd() {
    Scheduler s = scheduler;
    for (JobConfig job : s.jobs()) {
      for (UpdateDetails u : s.updates(job.key())) {
        if (!u.status().isTerminal()) {
          violation(UPDATES_END, u.id() + " of " + job.key() + " is still " + u.status() + "; instances "
              + u.instances() + "; tasks " + s.tasks(TaskQuery.job(job.key()).active()).stream()
                  .map(t -> t.instance() + ":" + t.status() + (t.healthy().isPresent() ? "/healthy=" + t.healthy().get() : "")
                      + ":" + t.config().processes().get(0).command().replaceAll(".*--version (\\S+).*", "$1"))
                  .toList());
        }
      }
      if (!job.isService()) {
        continue;
      }
      long live = s.tasks(TaskQuery.job(job.key()).active()).stream().filter(t -> !KILL_IN_FLIGHT.contains(t.status()))
          .map(ScheduledTask::instance).distinct().count();
      if (live != job.instances()) {
        violation(LIVE_EQUALS_CONFIG, job.key() + " config says " + job.instances() + " instances, " + live + " are live");
      }
      int running = running(job.key());
      if (running != job.instances()) {
        violation(SERVICES_CONVERGE, job.key() + " runs " + running + " of " + job.instances() + " instances ("
            + s.whyPending(job.key()) + ")");
      }
    }
  }
}
