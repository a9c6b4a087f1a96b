package dev.aurora.core.internal.pass;

import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.PendingReason;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.PlacementEngine;
import dev.aurora.core.internal.placement.TaskGroup;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.state.TaskAccess;
import dev.aurora.core.internal.tx.Transactions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where placement passes run. Keeps the PENDING tasks in groups (one per job and task config) in
 * placement order, runs a pass of the {@link PlacementEngine} over them when one is requested (at most
 * one queued at a time), moves each task the engine places to ASSIGNED, and hands the launches of a
 * transaction to the backend, per agent with the offers used, once the transaction is stored.
 */
public final class PlacementCoordinator {
  private static final TaskAccess ACCESS = TaskAccess.get();

  private final SchedulerState state;
  private final AgentPool pool;
  private final PlacementEngine engine;
  private final Transactions tx;
  private final SchedulerMetrics metrics;
  private final ClusterBackend backend;
  private final PlacementEngine.Assigner assigner = this::assign;

  // --- owned by the loop ---
  private final Map<GroupKey, TaskGroup> groups = new LinkedHashMap<>();
  /** The next group's creation sequence (the placement order's last tie-break). */
  private long groupSeq;
  private boolean passRequested;
  /**
   * The pending-since time of the groups that join before the coming pass: groups one pass sees for the
   * first time came together (one {@code createJobs}, or calls that arrived while the last pass ran) and
   * are ordered among themselves by confinement and size, not by the millisecond each was created in.
   */
  private long joinedAt;
  /** The groups in placement order (a group's order is fixed while it lives); null until sorted. */
  private List<TaskGroup> orderedGroups;
  /**
   * When the task pending longest became PENDING ({@link Long#MAX_VALUE} with none), unless {@link
   * #oldestStale}: the time the user is told, not the groups' ordering time (which groups that join
   * before one pass share).
   */
  private long oldestPendingMillis = Long.MAX_VALUE;
  /** The group holding that task, and the task (the group's first); null with none. */
  private TaskGroup oldestGroup;
  private TaskId oldestTask;
  /** Whether {@link #oldestPendingMillis} must be recomputed at the next pass (a group went). */
  private boolean oldestStale;
  /** Whether the backend was started, so it hears of demand. */
  private boolean backendStarted;
  /** The demand the backend last heard of (a backend starts as if told there is some). */
  private boolean announcedDemand = true;
  /** Launches per agent collected by the passes of the current transaction. */
  private final Map<AgentState, List<TaskLaunch>> launches = new LinkedHashMap<>();
  /**
   * The agent of the last launch collected and its list in {@link #launches}: a pass fills an agent with
   * a group's tasks one after another, so most launches need no lookup in the map.
   */
  private AgentState lastAgent;
  private List<TaskLaunch> lastLaunches;
  /**
   * Whether a task left ASSIGNED since the launches collected were begun: only then may one of them be
   * for a task no longer ASSIGNED (killed, or its agent lost, after its pass in the same transaction).
   */
  private boolean leftAssigned;
  /**
   * The tasks of {@link #launches}, made when first asked for in a transaction (a kill in the turn of a
   * pass) and kept up to date until the launches are handed over; null otherwise.
   */
  private Set<TaskId> launching;

  /**
   * A group's key. Its {@code equals} and {@code hashCode} are written out (the same values a record's
   * would give): a record's are made by {@code ObjectMethods}' bootstrap the first time they run, ~55 ms
   * of the loop's CPU in a fresh JVM, and the first {@code createJobs} was where they first ran.
   */
  private record GroupKey(JobKey job, TaskConfig config) {
    @Override
    public boolean equals(Object o) {
      return this == o || o instanceof GroupKey k && java.util.Objects.equals(job, k.job)
          && java.util.Objects.equals(config, k.config);
    }

    @Override
    public int hashCode() {
      return 31 * java.util.Objects.hashCode(job) + java.util.Objects.hashCode(config);
    }
  }

  public PlacementCoordinator(SchedulerState state, PlacementEngine engine, Transactions tx,
      SchedulerMetrics metrics, ClusterBackend backend) {
    this.state = state;
    this.pool = state.pool();
    this.engine = engine;
    this.tx = tx;
    this.metrics = metrics;
    this.backend = backend;
  }

  /** Adds a PENDING task to its group (made if it is the group's first). */
  public void addToGroup(ScheduledTask t) {
    GroupKey k = new GroupKey(t.job(), t.config());
    TaskGroup g = groups.get(k);
    if (g == null) {
      JobState job = state.job(t.job());
      if (job == null) {
        return;
      }
      g = new TaskGroup(t.job(), t.config(), job, groupSeq++);
      engine.size(g);
      groups.put(k, g);
      if (!passRequested) {
        joinedAt = tx.now(); // the first to join since the last pass: the coming pass's groups take its time
      }
      g.add(t, joinedAt);
      if (orderedGroups != null) {
        int at = Collections.binarySearch(orderedGroups, g, PlacementEngine.ORDER);
        orderedGroups.add(at < 0 ? -at - 1 : at + 1, g);
        if (!oldestStale && tx.now() < oldestPendingMillis) {
          oldestPendingMillis = tx.now(); // the task became PENDING now
          oldestGroup = g;
          oldestTask = t.id();
        }
      }
      return;
    }
    g.add(t, tx.now());
  }

  /**
   * Tells the task's group that the scheduler's copy of a PENDING task changed while it stayed PENDING
   * (the group places the copy it holds).
   */
  public void replaceInGroup(ScheduledTask t) {
    TaskGroup g = groups.get(new GroupKey(t.job(), t.config()));
    if (g != null) {
      g.replace(t);
    }
  }

  /** The groups of PENDING tasks, in no particular order (a live, unmodifiable view). */
  public java.util.Collection<TaskGroup> groups() {
    return Collections.unmodifiableCollection(groups.values());
  }

  /** Removes a task that leaves PENDING from its group (and the group, if it empties). */
  public void removeFromGroup(ScheduledTask t) {
    GroupKey k = new GroupKey(t.job(), t.config());
    TaskGroup g = groups.get(k);
    if (g != null) {
      g.remove(t.id());
      if (g.isEmpty()) {
        groups.remove(k);
        if (orderedGroups != null) {
          orderedGroups.remove(g);
          oldestStale = true;
        }
      }
    }
  }

  /**
   * {@link #addToGroup} of a new PENDING task of the same job and config as the task that joined {@code
   * group} just before it (null: none yet, or it joined no group): joins that group with no look-up while
   * it holds tasks (a group is dropped only when it empties), else as addToGroup. Returns the task's group
   * (null if it joined none), to pass with the next task of its job and config.
   */
  public TaskGroup addToGroup(ScheduledTask t, TaskGroup group) {
    if (group != null && !group.isEmpty()) {
      group.add(t, tx.now());
      return group;
    }
    addToGroup(t);
    return groups.get(new GroupKey(t.job(), t.config()));
  }

  /** The least time from one pass's start to the next's, in millis of the loop's clock (0: none). */
  private long minPassIntervalMillis;
  /** When the last pass started (loop clock millis); {@link Long#MIN_VALUE} before the first. */
  private long lastPassAt = Long.MIN_VALUE;

  /** Sets the least time from one pass's start to the next's (zero: a pass asked for runs at once). */
  public void minPassInterval(Duration interval) {
    this.minPassIntervalMillis = interval.toMillis();
  }

  /**
   * Asks for a placement pass in a coming turn of the loop (one at a time): at once, or, within the {@link
   * #minPassInterval} of the last pass's start, once that interval has passed (what comes meanwhile
   * joins that pass).
   */
  public void requestPass() {
    if (!passRequested) {
      passRequested = true;
      long wait = minPassIntervalMillis == 0 || lastPassAt == Long.MIN_VALUE ? 0
          : lastPassAt + minPassIntervalMillis - tx.now();
      if (wait <= 0 || wait > minPassIntervalMillis) { // (more than the interval: the clock went back)
        tx.submit(this::pass);
      } else {
        tx.schedule(Duration.ofMillis(wait), this::pass);
      }
    }
  }

  private void pass() {
    passRequested = false;
    if (groups.isEmpty()) {
      metrics.noPending();
      return;
    }
    // A group's order (priority, pending since) is fixed while it lives: sort only when groups come or go.
    if (orderedGroups == null) {
      orderedGroups = new ArrayList<>(groups.values());
      orderedGroups.sort(PlacementEngine.ORDER);
      oldestStale = true;
    }
    publishOldestPending();
    List<TaskGroup> ordered = orderedGroups;
    if (pool.offered().isEmpty()) {
      return;
    }
    lastPassAt = tx.now(); // a pass with nothing to place or no offer to place on does not count
    long start = System.nanoTime();
    Map<String, Long> vetoes = new HashMap<>();
    passJobKey = null;
    passJob = null;
    int placed = engine.pass(ordered, assigner, vetoes);
    passJobKey = null;
    passJob = null;
    if (engine.emptiedGroups() && groups.values().removeIf(TaskGroup::isEmpty)) {
      orderedGroups.removeIf(TaskGroup::isEmpty);
      oldestStale = true;
    }
    if (placed > 0) {
      publishOldestPending();
    }
    metrics.pass(Duration.ofNanos(System.nanoTime() - start), placed, vetoes);
  }

  /**
   * Tells the metrics when the task pending longest became PENDING. A group's tasks are placed in the
   * order they joined it, so that is the first task of some group; it is looked for again only when the
   * group known to hold it lost that task (or a group went).
   */
  private void publishOldestPending() {
    if (!oldestStale && oldestGroup != null && (oldestGroup.isEmpty() || !oldestGroup.first().equals(oldestTask))) {
      oldestStale = true;
    }
    if (oldestStale) {
      oldestPendingMillis = Long.MAX_VALUE;
      oldestGroup = null;
      oldestTask = null;
      for (TaskGroup g : orderedGroups) {
        if (g.isEmpty()) {
          continue;
        }
        TaskId first = g.first();
        ScheduledTask t = state.task(first);
        long since = t != null && t.status() == ScheduleStatus.PENDING ? ACCESS.statusTimeMillis(t) : g.pendingSinceMillis();
        if (since < oldestPendingMillis) {
          oldestPendingMillis = since;
          oldestGroup = g;
          oldestTask = first;
        }
      }
      oldestStale = false;
    }
    if (oldestPendingMillis == Long.MAX_VALUE) {
      metrics.noPending();
    } else {
      metrics.oldestPending(oldestPendingMillis);
    }
  }

  private boolean assign(TaskGroup g, TaskId id, ScheduledTask pending, AgentState agent, int[] ports) {
    // the group's copy is the task map's while the task is PENDING: a task that left PENDING left its group
    ScheduledTask t = pending != null ? pending : state.task(id);
    if (t == null || t.status() != ScheduleStatus.PENDING) {
      return false;
    }
    long now = tx.now();
    ScheduledTask next = ACCESS.assigned(t, agent.id(), agent.hostname(), ports, now);
    state.tasks().put(id, next);
    tx.store(new Op.AssignTask(id, agent.id(), agent.hostname(), portList(ports), now));
    metrics.moved(ScheduleStatus.PENDING, ScheduleStatus.ASSIGNED);
    if (tx.eventsHeard()) {
      tx.emit(new SchedulerEvent.TaskStateChanged(tx.instant(), next, ScheduleStatus.PENDING));
    }
    state.notifyTransition(t, next);
    Resources r = t.config().resources();
    pool.hold(agent, Math.round(r.cpus() * 1000), r.ramMb());
    jobOf(t.job()).onAgent(agent);
    if (agent != lastAgent) {
      lastLaunches = launches.computeIfAbsent(agent, a -> new ArrayList<>());
      lastAgent = agent;
    }
    lastLaunches.add(g.launchTemplate().launchOf(next, ACCESS.ports(next), agent));
    if (launching != null) {
      launching.add(id);
    }
    return true;
  }

  /** The job last looked up by {@link #jobOf} in this pass, by its key's identity (tasks of a job share it). */
  private dev.aurora.api.JobKey passJobKey;
  private JobState passJob;

  /**
   * The job's state, looked up once for the tasks of a group that share one key object (jobs neither come
   * nor go while a pass assigns: the cache is dropped at each pass's start).
   */
  private JobState jobOf(dev.aurora.api.JobKey key) {
    if (key != passJobKey) {
      passJob = state.job(key);
      passJobKey = key;
    }
    return passJob;
  }

  /**
   * Whether a pass of this transaction placed the task and its launch is not handed to the backend yet
   * (it is, once the transaction is stored): the backend has never heard of it.
   */
  public boolean launchWaiting(TaskId id) {
    if (launches.isEmpty()) {
      return false;
    }
    if (launching == null) {
      launching = new HashSet<>();
      for (List<TaskLaunch> l : launches.values()) {
        for (TaskLaunch launch : l) {
          launching.add(launch.taskId());
        }
      }
    }
    return launching.contains(id);
  }

  private static List<Integer> portList(int[] ports) {
    if (ports.length == 0) {
      return List.of();
    }
    if (ports.length == 1) {
      return List.of(ports[0]);
    }
    Integer[] boxed = new Integer[ports.length];
    for (int i = 0; i < ports.length; i++) {
      boxed[i] = ports[i];
    }
    return List.of(boxed);
  }

  /** Hands this transaction's launches to the backend once it is stored, with the offers they use. */
  public void flushLaunches() {
    if (launches.isEmpty()) {
      return;
    }
    int used = 0;
    for (Map.Entry<AgentState, List<TaskLaunch>> e : launches.entrySet()) {
      if (e.getKey().removed()) {
        // the agent was lost after a pass of this transaction placed on it: its tasks are LOST (and
        // replaced) already and its offers are gone with it, so nothing goes to the backend
        continue;
      }
      List<String> offerIds = pool.consumeTouchedOffers(e.getKey());
      List<TaskLaunch> agentLaunches = leftAssigned ? stillAssigned(e.getValue()) : e.getValue();
      if (agentLaunches.isEmpty()) {
        // every task placed here was killed after its pass, in this transaction: nothing to launch; the
        // offers the pass took go back to the backend at once, which offers their resources again
        for (String id : offerIds) {
          tx.afterCommit(() -> backend.decline(id, Duration.ZERO));
        }
        continue;
      }
      used += offerIds.size();
      tx.afterCommit(() -> backend.launch(offerIds, agentLaunches));
    }
    metrics.offersUsed(used);
    launches.clear();
    launching = null;
    lastAgent = null;
    lastLaunches = null;
    leftAssigned = false;
  }

  /** A task left ASSIGNED (called by every such move): launches collected since may be for it. */
  public void leftAssigned() {
    if (!launches.isEmpty()) {
      leftAssigned = true;
    }
  }

  /**
   * The launches whose task is still ASSIGNED: a task killed after the pass that placed it, in the same
   * transaction, is not launched (its kill goes to the backend; the backend returns what an accepted
   * offer's launches leave unused).
   */
  private List<TaskLaunch> stillAssigned(List<TaskLaunch> launches) {
    List<TaskLaunch> left = null;
    for (int i = 0; i < launches.size(); i++) {
      ScheduledTask t = state.task(launches.get(i).taskId());
      boolean assigned = t != null && t.status() == ScheduleStatus.ASSIGNED;
      if (!assigned && left == null) {
        left = new ArrayList<>(launches.subList(0, i));
      } else if (assigned && left != null) {
        left.add(launches.get(i));
      }
    }
    return left == null ? launches : left;
  }

  /** From now on the backend hears of changes of demand (call once it is started, in that transaction). */
  public void backendStarted() {
    backendStarted = true;
  }

  /**
   * Tells the backend, after this transaction is stored, whether anything is pending, if that changed
   * since it was last told ({@link ClusterBackend#demand}).
   */
  public void announceDemand() {
    if (!backendStarted) {
      return;
    }
    boolean pending = false;
    for (TaskGroup g : groups.values()) {
      if (!g.isEmpty()) {
        pending = true;
        break;
      }
    }
    if (pending != announcedDemand) {
      announcedDemand = pending;
      boolean now = pending;
      tx.afterCommit(() -> backend.demand(now));
    }
  }

  /** Why the job's first pending group (in placement order) is not placed; empty with none pending. */
  public Optional<PendingReason> diagnoseJob(JobKey key) {
    List<TaskGroup> pending = new ArrayList<>();
    for (TaskGroup g : groups.values()) {
      if (g.job().equals(key) && !g.isEmpty()) {
        pending.add(g);
      }
    }
    if (pending.isEmpty()) {
      return Optional.empty();
    }
    pending.sort(PlacementEngine.ORDER);
    PendingReason first = engine.diagnose(pending.get(0));
    if (pending.size() == 1) {
      return Optional.of(first);
    }
    // the vetoes of the first group in placement order, the count of every pending task of the job
    // (an update leaves them in two configs, hence two groups)
    int total = 0;
    for (TaskGroup g : pending) {
      total += g.size();
    }
    return Optional.of(new PendingReason(total, first.vetoes(), first.message()));
  }

  /** Why a PENDING task is not placed. */
  public PendingReason diagnose(ScheduledTask pending) {
    return engine.diagnose(groups.get(new GroupKey(pending.job(), pending.config())));
  }
}
