package dev.aurora.core.internal;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.AuditEntry;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.EventStream;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.NoSuchInstanceException;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.Offer;
import dev.aurora.core.Op;
import dev.aurora.core.PendingReason;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.core.internal.cron.CronController;
import dev.aurora.core.internal.events.EventBus;
import dev.aurora.core.internal.update.UpdateController;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.PlacementEngine;
import dev.aurora.core.internal.placement.TaskGroup;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.TaskAccess;
import dev.aurora.core.internal.state.TaskStateMachine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler. All state is owned by the state loop: user calls and backend reports become work on
 * the loop; each turn of the loop runs its queued work as one transaction whose ops are appended to
 * storage together (group commit) before any side effect (launch, kill, event, reply) happens.
 */
public final class SchedulerImpl implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerImpl.class);
  private static final TaskAccess ACCESS = TaskAccess.get();
  private static final int MAX_WORK_PER_TURN = 10_000;

  private final ClusterBackend backend;
  private final Storage storage;
  private final StateLoop loop;
  private final Settings settings;
  private final Random random;
  private final SchedulerMetrics metrics;
  private final EventBus events = new EventBus();
  private final AgentPool pool = new AgentPool();
  private final PlacementEngine engine;

  // --- state owned by the loop ---
  // A seeded run must act in the same order in every JVM, and some hash codes differ from JVM to JVM
  // (those of enum constants, so of every TaskConfig). Maps iterated for what the scheduler does keep
  // insertion order; `tasks` (a million entries: no LinkedHashMap) is keyed by TaskId, whose hash is
  // that of its text, and where the order of its tasks matters they are sorted.
  private final Map<JobKey, JobState> jobs = new LinkedHashMap<>();
  /** Replaced once, by a presized map, when recovery finds it empty. */
  private Map<TaskId, ScheduledTask> tasks = new HashMap<>();
  private final Map<JobKey, ArrayDeque<TaskId>> history = new LinkedHashMap<>();
  private final Map<GroupKey, TaskGroup> groups = new LinkedHashMap<>();
  /** The next group's creation sequence (the placement order's last tie-break). */
  private long groupSeq;
  private final Map<TaskId, StateLoop.Timer> throttleTimers = new HashMap<>();
  private Transaction tx;
  private long opsSinceSnapshot;
  private boolean passRequested;
  /** The groups in placement order (a group's order is fixed while it lives); null until sorted. */
  private List<TaskGroup> orderedGroups;
  /** The oldest pending group's pending-since time: -1 with none, -2 when it must be recomputed. */
  private long oldestPendingMillis = -1;
  /** While a task that is not on an agent is killed: why (KILLING ends it, anything else replaces it). */
  private ScheduleStatus killIntent;
  /** Tasks recovered on an agent that the backend has not reported on since this start. */
  private final Set<TaskId> unreconciled = new HashSet<>();
  /**
   * Set while a task moves to the KILLED the backend first reports for it after a start: it was stopped
   * while no scheduler ran.
   */
  private boolean killedWhileStopped;

  private final List<CoreListener> listeners = new ArrayList<>();
  private final Core core = new CoreImpl();
  private final Tenancy tenancy;
  private final UpdateController updates;
  private final CronController cron;

  // --- coordination ---
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean closed;
  private volatile StorageException failure;

  private record GroupKey(JobKey job, TaskConfig config) {}

  /** Ops and side effects of one turn of the loop; side effects run only after the ops are stored. */
  private static final class Transaction {
    final List<Op> ops = new ArrayList<>();
    final List<Runnable> afterCommit = new ArrayList<>();
    final List<CompletableFuture<?>> replies = new ArrayList<>();
    /** Launches per agent collected by a placement pass. */
    final Map<AgentState, List<TaskLaunch>> launches = new LinkedHashMap<>();
  }

  public SchedulerImpl(ClusterBackend backend, Storage storage, StateLoop loop, MeterRegistry registry,
      List<PlacementFilter> placementFilters, List<PlacementScorer> scorers, List<Double> weights, Settings settings,
      Random random) {
    this.backend = backend;
    this.storage = storage;
    this.loop = loop;
    this.settings = settings;
    this.random = random;
    List<PlacementFilter> filters = new ArrayList<>(placementFilters); // the built-ins first, as Placement registers them
    this.tenancy = new Tenancy(core, settings, registry, filters);
    filters.add(tenancy.reservations());
    listeners.addAll(tenancy.listeners());
    this.engine = new PlacementEngine(filters, scorers, weights, pool);
    this.metrics = new SchedulerMetrics(registry, () -> loop.clock().millis(),
        () -> queue.size() + loop.queueDepth(), pool::offerCount);
    this.updates = new UpdateController(core);
    this.cron = new CronController(core);
    listeners.add(updates);
    listeners.add(cron);
    // an update must fit its role's quota at its peak, and counts at its peak while it runs
    updates.admission(tenancy.quota()::checkUpdate);
    tenancy.quota().claimsDuringUpdates(key -> updates.list(key).stream()
        .filter(d -> !d.status().isTerminal()).findFirst().map(UpdateDetails::to));
  }

  /** The view of the state that feature controllers use. */
  public Core core() {
    return core;
  }

  /** Quotas, preemption, authorization, audit and maintenance (rolling updates check quota through it). */
  public Tenancy tenancy() {
    return tenancy;
  }

  /** Runs {@code op} on the loop in a transaction and returns its result once it is durable. */
  public <T> T execute(Supplier<T> op) {
    return call(op);
  }

  private final class CoreImpl implements Core {
    @Override
    public long now() {
      return SchedulerImpl.this.now();
    }

    @Override
    public java.time.Instant instant() {
      return loop.clock().instant();
    }

    @Override
    public Settings settings() {
      return settings;
    }

    @Override
    public void store(Op op) {
      SchedulerImpl.this.store(op);
    }

    @Override
    public void emit(SchedulerEvent event) {
      SchedulerImpl.this.emit(event);
    }

    @Override
    public void afterCommit(Runnable action) {
      tx.afterCommit.add(action);
    }

    @Override
    public StateLoop.Timer schedule(Duration delay, Runnable work) {
      return scheduleTimer(delay, work);
    }

    @Override
    public JobState job(JobKey key) {
      return jobs.get(key);
    }

    @Override
    public java.util.Collection<JobState> jobs() {
      return jobs.values();
    }

    @Override
    public ScheduledTask task(TaskId id) {
      return tasks.get(id);
    }

    @Override
    public java.util.Collection<ScheduledTask> tasks() {
      return tasks.values();
    }

    @Override
    public ScheduledTask createTask(JobState job, int instance, TaskConfig config) {
      return SchedulerImpl.this.createTask(job, instance, config, 0, 0, 0);
    }

    @Override
    public void kill(ScheduledTask task, ScheduleStatus how, String message) {
      killTask(task, how, message);
    }

    @Override
    public void saveJob(JobConfig config) {
      JobState job = jobs.get(config.key());
      job.setConfig(config);
      SchedulerImpl.this.store(new Op.SaveJob(config));
      listeners.forEach(l -> l.jobSaved(config, false));
    }

    @Override
    public void requestPass() {
      SchedulerImpl.this.requestPass();
    }

    @Override
    public AgentPool pool() {
      return pool;
    }
  }

  // =====================================================================================
  // Lifecycle
  // =====================================================================================

  @Override
  public void start() {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("scheduler is closed");
      }
      if (started) {
        throw new IllegalStateException("scheduler is started already");
      }
      started = true;
    }
    loop.start();
    call(() -> {
      recover();
      Set<TaskId> known = new HashSet<>();
      for (ScheduledTask t : tasks.values()) {
        if (t.status().isOnAgent()) {
          known.add(t.id());
        }
      }
      unreconciled.addAll(known);
      tx.afterCommit.add(() -> {
        backend.start(new Listener());
        backend.reconcile(known);
        // Kills in flight before a restart are sent again: the backend may not have got them.
        submit(() -> {
          for (ScheduledTask t : tasks.values()) {
            if (isKillInFlight(t.status())) {
              TaskId id = t.id();
              tx.afterCommit.add(() -> backend.kill(id));
            }
          }
        });
      });
      scheduleTimer(settings.pruneInterval(), this::pruneAndReschedule);
      requestPass();
      return null;
    });
    LOG.info("scheduler started: {} jobs, {} tasks recovered", jobs.size(), tasks.size());
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      backend.close();
    } catch (RuntimeException e) {
      LOG.warn("backend close failed", e);
    }
    loop.stop();
    events.close();
    try {
      storage.close();
    } catch (RuntimeException e) {
      LOG.warn("storage close failed", e);
    }
  }

  // =====================================================================================
  // Running work on the loop
  // =====================================================================================

  /** Runs {@code op} on the loop as (part of) a transaction and returns its result once durable. */
  private <T> T call(Supplier<T> op) {
    checkUsable();
    if (loop.inLoop()) {
      if (tx != null) {
        return op.get();
      }
      begin();
      T result;
      try {
        result = op.get();
      } catch (RuntimeException e) {
        commit();
        throw e;
      }
      commit();
      checkUsable();
      return result;
    }
    CompletableFuture<T> reply = new CompletableFuture<>();
    submit(() -> {
      try {
        T result = op.get();
        tx.replies.add(reply);
        tx.afterCommit.add(() -> reply.complete(result));
      } catch (RuntimeException e) {
        reply.completeExceptionally(e);
      }
    });
    try {
      return reply.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the scheduler", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * Runs a mutating operation for {@code by} on the loop: authorized for {@code action} on {@code
   * role} (null: on the cluster), audited against {@code target}, durable when it returns.
   */
  private <T> T admit(Principal by, String action, String role, String target, Supplier<T> op) {
    return call(() -> tenancy.admission().run(by, action, role, target, op));
  }

  /** {@link #admit} for an operation that returns nothing. */
  private void admitVoid(Principal by, String action, String role, String target, Runnable op) {
    admit(by, action, role, target, () -> {
      op.run();
      return null;
    });
  }

  /** {@link #admitLookingUpRole} for an operation that returns nothing. */
  private void admitVoidLookingUpRole(Principal by, String action, Supplier<String> role, String target,
      Runnable op) {
    admitLookingUpRole(by, action, role, target, () -> {
      op.run();
      return null;
    });
  }

  /** {@link #admit} for an operation whose role is known only on the loop (null: a cluster action). */
  private <T> T admitLookingUpRole(Principal by, String action, Supplier<String> role, String target,
      Supplier<T> op) {
    return call(() -> tenancy.admission().run(by, action, role.get(), target, op));
  }

  private void checkUsable() {
    if (failure != null) {
      throw new StorageException("scheduler stopped after a storage failure; restart it to recover", failure);
    }
    if (!started) {
      throw new IllegalStateException("scheduler is not started: call start()");
    }
    if (closed) {
      throw new IllegalStateException("scheduler is closed");
    }
  }

  /** Queues work for the loop; queued work of one turn is committed together. */
  private void submit(Runnable work) {
    if (closed || failure != null) {
      return;
    }
    queue.add(work);
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
  }

  private void drain() {
    drainScheduled.set(false);
    if (closed || failure != null) {
      queue.clear();
      return;
    }
    begin();
    Runnable work;
    int n = 0;
    while (n++ < MAX_WORK_PER_TURN && (work = queue.poll()) != null) {
      try {
        work.run();
      } catch (RuntimeException e) {
        LOG.error("scheduler work failed", e);
      }
    }
    commit();
    if (!queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
  }

  private void begin() {
    tx = new Transaction();
  }

  private void commit() {
    Transaction t = tx;
    flushLaunches(t);
    tx = null;
    if (!t.ops.isEmpty()) {
      try {
        storage.append(t.ops);
        metrics.stored(t.ops.size());
      } catch (RuntimeException e) {
        fail(t, e);
        return;
      }
      opsSinceSnapshot += t.ops.size();
    }
    for (Runnable r : t.afterCommit) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("side effect after commit failed", e);
      }
    }
    if (opsSinceSnapshot >= settings.snapshotEveryOps()) {
      snapshot();
    }
  }

  private void fail(Transaction t, RuntimeException e) {
    StorageException se = e instanceof StorageException s ? s : new StorageException("storage append failed", e);
    failure = se;
    LOG.error("storage failed; the scheduler stops. Restart it to recover the last stored state.", e);
    for (CompletableFuture<?> reply : t.replies) {
      reply.completeExceptionally(se);
    }
    queue.clear();
    loop.stop();
    events.close();
  }

  private void snapshot() {
    List<Op> snap = new ArrayList<>(tasks.size() + jobs.size() + 16);
    for (AgentState a : pool.agents()) {
      if (a.hostname() != null) {
        snap.add(new Op.SaveAgent(a.id(), a.hostname(), a.attributes()));
      }
    }
    pool.maintenance().forEach((host, mode) -> snap.add(new Op.SaveHostMaintenance(host, mode)));
    for (JobState j : jobs.values()) {
      snap.add(new Op.SaveJob(j.config()));
    }
    for (ScheduledTask t : tasks.values()) {
      snap.add(new Op.SaveTask(t));
    }
    listeners.forEach(l -> l.snapshot(snap));
    try {
      storage.snapshot(snap);
      opsSinceSnapshot = 0;
    } catch (RuntimeException e) {
      LOG.warn("snapshot failed; the log keeps growing until one succeeds", e);
    }
  }

  private StateLoop.Timer scheduleTimer(Duration delay, Runnable work) {
    return loop.schedule(delay, () -> submit(work));
  }

  private long now() {
    return loop.clock().millis();
  }

  private void store(Op op) {
    tx.ops.add(op);
  }

  private void emit(SchedulerEvent e) {
    if (events.hasSubscribers()) {
      tx.afterCommit.add(() -> events.publish(e));
    }
  }

  // =====================================================================================
  // Recovery
  // =====================================================================================

  private void recover() {
    Storage.Stored stored = storage.recover();
    if (tasks.isEmpty()) {
      // most recovered ops save a task: a map of the right size at once spares a million tasks its rehashes
      tasks = new HashMap<>((int) ((stored.snapshot().size() + stored.log().size()) / 0.75f) + 1);
    }
    Map<JobKey, JobConfig> configs = new TreeMap<>();
    for (List<Op> ops : List.of(stored.snapshot(), stored.log())) {
      for (Op op : ops) {
        if (op instanceof Op.SaveJob s) {
          configs.put(s.job().key(), s.job());
        } else if (op instanceof Op.RemoveJob r) {
          configs.remove(r.key());
        } else if (op instanceof Op.SaveTask s) {
          tasks.put(s.task().id(), s.task());
        } else if (op instanceof Op.RemoveTasks r) {
          r.ids().forEach(tasks::remove);
        } else if (op instanceof Op.SaveHostMaintenance m) {
          pool.setMaintenance(m.host(), m.mode());
        } else if (op instanceof Op.SaveAgent a) {
          pool.restoreAgent(a.agentId(), a.hostname(), a.attributes());
        } else {
          boolean taken = false;
          for (CoreListener l : listeners) {
            taken |= l.replay(op);
          }
          if (!taken) {
            LOG.warn("no one recovers op {}", op.getClass().getSimpleName());
          }
        }
      }
    }
    configs.values().forEach(c -> jobs.put(c.key(), new JobState(c, pool, tasks::get)));
    // Derived state: active sets, history, groups, agent usage, throttle timers, metrics.
    metrics.resetStates();
    // ties keep the task map's order: a function of the task ids alone (String hashes), so the same in
    // every JVM; a second key here would cost recovery of a million tasks dearly
    List<ScheduledTask> ordered = new ArrayList<>(tasks.values());
    ordered.sort(Comparator.comparingLong(t -> ACCESS.statusTimeMillis(t)));
    JobKey lastKey = null;
    JobState lastJob = null;
    for (ScheduledTask t : ordered) {
      metrics.moved(null, t.status());
      // tasks of a job tend to follow one another in time, and share their key: look the job up once
      JobState job = t.job() == lastKey ? lastJob : jobs.get(t.job());
      lastKey = t.job();
      lastJob = job;
      if (t.status().isTerminal()) {
        history.computeIfAbsent(t.job(), k -> new ArrayDeque<>()).add(t.id());
        continue;
      }
      if (job == null) {
        // An active task of a job that is gone: it was being killed.
        continue;
      }
      job.addActive(t);
      if (t.status().isOnAgent()) {
        AgentState a = pool.agent(ACCESS.agentIdOrNull(t));
        if (a != null) {
          Resources r = t.config().resources();
          pool.hold(a, Math.round(r.cpus() * 1000), r.ramMb());
        }
      } else if (t.status() == ScheduleStatus.PENDING) {
        addToGroup(t);
      } else if (t.status() == ScheduleStatus.THROTTLED) {
        long due = ACCESS.statusTimeMillis(t) + penaltyMillis(t.flapCount());
        scheduleThrottle(t.id(), Math.max(0, due - now()));
      } else if (t.status() == ScheduleStatus.INIT) {
        transition(t, ScheduleStatus.PENDING, "recovered");
      }
    }
    listeners.forEach(CoreListener::recovered);
  }

  // =====================================================================================
  // Operations
  // =====================================================================================

  @Override
  public void createJob(JobConfig job, Principal by) {
    java.util.Objects.requireNonNull(job, "job");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "createJob", job.key().role(), job.key() + " x" + job.instances(), () -> {
      if (jobs.containsKey(job.key())) {
        throw new JobConflictException(job.key(), "a job with this key exists already");
      }
      if (job.instances() == 0 && !job.isService()) {
        throw new dev.aurora.api.InvalidConfigException("instances: a " + (job.isCron() ? "cron" : "one-off")
            + " job needs at least 1 instance, was 0 (only a service may have 0)");
      }
      listeners.forEach(l -> l.admitJobChange(null, job));
      JobState state = new JobState(job, pool, tasks::get);
      jobs.put(job.key(), state);
      store(new Op.SaveJob(job));
      emit(new SchedulerEvent.JobCreated(loop.clock().instant(), job.key(), by));
      if (!job.isCron()) {
        for (int i = 0; i < job.instances(); i++) {
          createTask(state, i, job.task(), 0, 0, 0);
        }
      }
      listeners.forEach(l -> l.jobSaved(job, true));
    });
  }

  @Override
  public void killJob(JobKey key, Principal by) {
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "killJob", key.role(), key.toString(), () -> {
      JobState job = requireJob(key);
      for (TaskId id : new ArrayList<>(job.active())) {
        killTask(tasks.get(id), ScheduleStatus.KILLING, "killed by " + by);
      }
      jobs.remove(key);
      store(new Op.RemoveJob(key));
      emit(new SchedulerEvent.JobKilled(loop.clock().instant(), key, by));
      listeners.forEach(l -> l.jobRemoved(key));
    });
  }

  @Override
  public void killInstances(JobKey key, Set<Integer> instances, Principal by) {
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "killInstances", key.role(), key + " " + new TreeSet<>(instances), () -> {
      JobState job = requireJob(key);
      refuseDuringUpdate(key);
      List<Integer> missing = instances.stream().filter(i -> !job.activeByInstance().containsKey(i)).sorted().toList();
      if (!missing.isEmpty()) {
        throw new NoSuchInstanceException(key, missing);
      }
      for (int i : new TreeSet<>(instances)) {
        killTask(tasks.get(job.activeByInstance().get(i)), ScheduleStatus.KILLING, "killed by " + by);
      }
      // A cron job's template stays as it is: the next run launches every instance again. Any other job
      // keeps its config with the instances left (a service may scale to 0; killJob removes a job).
      if (!job.config().isCron()) {
        JobConfig updated = job.config().withInstances(liveInstances(job));
        job.setConfig(updated);
        store(new Op.SaveJob(updated));
      }
      emit(new SchedulerEvent.JobChanged(loop.clock().instant(), key, by, "killed instances " + new TreeSet<>(instances)));
      if (!job.config().isService() && !job.config().isCron() && job.active().isEmpty()) {
        finishJob(job); // a one-off job with nothing left to run ends, as when its instances end on their own
      }
    });
  }

  @Override
  public void restartInstances(JobKey key, Set<Integer> instances, Principal by) {
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "restartInstances", key.role(), key + " " + new TreeSet<>(instances), () -> {
      JobState job = requireJob(key);
      List<Integer> missing = instances.stream().filter(i -> !job.activeByInstance().containsKey(i)).sorted().toList();
      if (!missing.isEmpty()) {
        throw new NoSuchInstanceException(key, missing);
      }
      for (int i : new TreeSet<>(instances)) {
        ScheduledTask t = tasks.get(job.activeByInstance().get(i));
        if (t.status().isOnAgent() && !isKillInFlight(t.status())) {
          killTask(t, ScheduleStatus.RESTARTING, "restarted by " + by);
        }
      }
    });
  }

  @Override
  public void addInstances(JobKey key, int count, Principal by) {
    java.util.Objects.requireNonNull(by, "principal");
    if (count < 1) {
      throw new IllegalArgumentException("instance count to add must be >= 1, was " + count);
    }
    admitVoid(by, "addInstances", key.role(), key + " +" + count, () -> {
      JobState job = requireJob(key);
      refuseDuringUpdate(key);
      if (job.config().isCron()) {
        throw new JobConflictException(key, "add instances to a cron job by replacing its config");
      }
      int next = job.activeByInstance().entrySet().stream()
          .filter(e -> tasks.get(e.getValue()).status() != ScheduleStatus.KILLING)
          .mapToInt(Map.Entry::getKey).max().orElse(-1) + 1;
      JobConfig updated = job.config().withInstances(liveInstances(job) + count);
      listeners.forEach(l -> l.admitJobChange(job.config(), updated));
      job.setConfig(updated);
      store(new Op.SaveJob(updated));
      for (int i = next; i < next + count; i++) {
        createTask(job, i, updated.task(), 0, 0, 0);
      }
      emit(new SchedulerEvent.JobChanged(loop.clock().instant(), key, by, "added " + count + " instances"));
    });
  }

  @Override
  public void setMaintenance(Set<String> hosts, MaintenanceMode mode, Principal by) {
    java.util.Objects.requireNonNull(mode, "mode");
    java.util.Objects.requireNonNull(by, "principal");
    Set<String> sorted = new TreeSet<>(hosts);
    admitVoid(by, "setMaintenance", null, mode + " " + sorted, () -> {
      tenancy.maintenance().set(sorted, mode);
    });
  }

  @Override
  public Map<String, MaintenanceMode> maintenance() {
    return call(pool::maintenance);
  }

  @Override
  public Optional<JobConfig> job(JobKey key) {
    return call(() -> Optional.ofNullable(jobs.get(key)).map(JobState::config));
  }

  @Override
  public List<JobConfig> jobs() {
    return call(() -> jobs.values().stream().map(JobState::config)
        .sorted(Comparator.comparing(JobConfig::key)).toList());
  }

  @Override
  public List<ScheduledTask> tasks(TaskQuery query) {
    return call(() -> {
      List<ScheduledTask> out = new ArrayList<>();
      Optional<JobKey> key = query.jobKey();
      if (key.isPresent()) {
        JobState job = jobs.get(key.get());
        if (job != null) {
          for (TaskId id : job.active()) {
            ScheduledTask t = tasks.get(id);
            if (query.test(t)) {
              out.add(t);
            }
          }
        }
        for (TaskId id : history.getOrDefault(key.get(), new ArrayDeque<>())) {
          ScheduledTask t = tasks.get(id);
          if (t != null && query.test(t)) {
            out.add(t);
          }
        }
        // Active tasks of a killed job are no longer in a JobState.
        if (job == null) {
          for (ScheduledTask t : tasks.values()) {
            if (!t.status().isTerminal() && query.test(t)) {
              out.add(t);
            }
          }
        }
      } else {
        for (ScheduledTask t : tasks.values()) {
          if (query.test(t)) {
            out.add(t);
          }
        }
      }
      out.sort(Comparator.comparing(ScheduledTask::job).thenComparingInt(ScheduledTask::instance)
          .thenComparing(ScheduledTask::id));
      return out;
    });
  }

  @Override
  public Optional<ScheduledTask> task(TaskId id) {
    return call(() -> Optional.ofNullable(tasks.get(id)));
  }

  @Override
  public PendingReason whyPending(JobKey key) {
    return call(() -> {
      requireJob(key);
      List<TaskGroup> pending = new ArrayList<>();
      int throttled = 0;
      for (TaskGroup g : groups.values()) {
        if (g.job().equals(key) && !g.isEmpty()) {
          pending.add(g);
        }
      }
      for (TaskId id : jobs.get(key).active()) {
        if (tasks.get(id).status() == ScheduleStatus.THROTTLED) {
          throttled++;
        }
      }
      if (pending.isEmpty()) {
        return new PendingReason(throttled, Map.of(), throttled > 0
            ? throttled + " tasks throttled after flapping; they become pending after their penalty"
            : "no pending tasks");
      }
      pending.sort(PlacementEngine.ORDER);
      return engine.diagnose(pending.get(0));
    });
  }

  @Override
  public PendingReason whyPending(TaskId id) {
    return call(() -> {
      ScheduledTask t = tasks.get(id);
      if (t == null) {
        return new PendingReason(0, Map.of(), "no such task: " + id);
      }
      if (t.status() == ScheduleStatus.THROTTLED) {
        return new PendingReason(1, Map.of(), "throttled after flapping; pending again after its penalty");
      }
      if (t.status() != ScheduleStatus.PENDING) {
        return new PendingReason(0, Map.of(), "task is " + t.status() + ", not pending");
      }
      TaskGroup g = groups.get(new GroupKey(t.job(), t.config()));
      return engine.diagnose(g);
    });
  }

  @Override
  public EventStream events() {
    return events;
  }

  // =====================================================================================
  // Rolling updates and cron
  // =====================================================================================

  @Override
  public UpdateId startUpdate(JobKey job, JobConfig to, Principal by, String message) {
    java.util.Objects.requireNonNull(to, "new config");
    return startUpdate(job, to, to.update(), by, message);
  }

  @Override
  public UpdateId startUpdate(JobKey job, JobConfig to, dev.aurora.api.UpdateSettings settings, Principal by,
      String message) {
    java.util.Objects.requireNonNull(job, "job");
    java.util.Objects.requireNonNull(to, "new config");
    java.util.Objects.requireNonNull(settings, "settings");
    java.util.Objects.requireNonNull(by, "principal");
    return admit(by, "startUpdate", job.role(), job.toString(), () -> updates.start(job, to, settings, by, message));
  }

  @Override
  public void pauseUpdate(JobKey job, Principal by) {
    onActiveUpdate("pauseUpdate", job, by, updates::pause);
  }

  @Override
  public void resumeUpdate(JobKey job, Principal by) {
    onActiveUpdate("resumeUpdate", job, by, updates::resume);
  }

  @Override
  public void abortUpdate(JobKey job, Principal by) {
    onActiveUpdate("abortUpdate", job, by, updates::abort);
  }

  @Override
  public void rollbackUpdate(JobKey job, Principal by) {
    onActiveUpdate("rollbackUpdate", job, by, updates::rollback);
  }

  /** An operation on the job's active update: checked, authorized and audited as {@code action}. */
  private void onActiveUpdate(String action, JobKey job, Principal by,
      java.util.function.BiConsumer<JobKey, Principal> operation) {
    java.util.Objects.requireNonNull(job, "job");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, action, job.role(), job.toString(), () -> operation.accept(job, by));
  }

  @Override
  public void pulseUpdate(UpdateId update, Principal by) {
    java.util.Objects.requireNonNull(update, "update");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoidLookingUpRole(by, "pulseUpdate", () -> updates.get(update).map(d -> d.job().role()).orElse(null), update.value(), () -> {
      updates.pulse(update, by);
    });
  }

  @Override
  public void pauseUpdate(UpdateId update, Principal by) {
    onUpdate("pauseUpdate", update, by, updates::pause);
  }

  @Override
  public void resumeUpdate(UpdateId update, Principal by) {
    onUpdate("resumeUpdate", update, by, updates::resume);
  }

  @Override
  public void abortUpdate(UpdateId update, Principal by) {
    onUpdate("abortUpdate", update, by, updates::abort);
  }

  @Override
  public void rollbackUpdate(UpdateId update, Principal by) {
    onUpdate("rollbackUpdate", update, by, updates::rollback);
  }

  /** An operation on the update {@code id}, which must be its job's active one: as {@link #onActiveUpdate}. */
  private void onUpdate(String action, UpdateId id, Principal by,
      java.util.function.BiConsumer<JobKey, Principal> operation) {
    java.util.Objects.requireNonNull(id, "update");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoidLookingUpRole(by, action, () -> updates.get(id).map(d -> d.job().role()).orElse(null), id.value(),
        () -> operation.accept(updates.activeJob(id), by));
  }

  @Override
  public Optional<UpdateDetails> update(UpdateId update) {
    return call(() -> updates.get(update));
  }

  @Override
  public List<UpdateDetails> updates(JobKey job) {
    return call(() -> updates.list(job));
  }

  @Override
  public void startCronJob(JobKey job, Principal by) {
    java.util.Objects.requireNonNull(job, "job");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "startCronJob", job.role(), job.toString(), () -> {
      cron.startNow(job, by);
    });
  }

  @Override
  public void replaceCronTemplate(JobConfig job, Principal by) {
    java.util.Objects.requireNonNull(job, "job");
    java.util.Objects.requireNonNull(by, "principal");
    admitVoid(by, "replaceCronTemplate", job.key().role(), job.key().toString(), () -> {
      JobState current = jobs.get(job.key());
      if (current != null && current.config().isCron() && job.isCron()) {
        listeners.forEach(l -> l.admitJobChange(current.config(), job));
      }
      cron.replace(job, by);
      emit(new SchedulerEvent.JobChanged(loop.clock().instant(), job.key(), by, "cron template replaced"));
    });
  }

  @Override
  public List<java.time.Instant> nextCronRuns(JobKey job, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    return call(() -> cron.next(job, count));
  }

  private JobState requireJob(JobKey key) {
    JobState job = jobs.get(java.util.Objects.requireNonNull(key, "job key"));
    if (job == null) {
      throw new NoSuchJobException(key);
    }
    return job;
  }

  /** Refuses a change of a job's instances while an update moves them: the update would undo it. */
  private void refuseDuringUpdate(JobKey key) {
    Optional<UpdateId> active = updates.active(key);
    if (active.isPresent()) {
      throw new dev.aurora.core.UpdateInProgressException(key, active.get());
    }
  }

  /** Instances with an active task that is not being killed for good. */
  private int liveInstances(JobState job) {
    int live = 0;
    for (TaskId id : job.activeByInstance().values()) {
      if (tasks.get(id).status() != ScheduleStatus.KILLING) {
        live++;
      }
    }
    return live;
  }

  // =====================================================================================
  // Task lifecycle
  // =====================================================================================

  private TaskId newTaskId(JobKey job, int instance) {
    return TaskId.of(job.role() + "-" + job.environment() + "-" + job.name() + "-" + instance + "-"
        + Long.toHexString(random.nextLong() & Long.MAX_VALUE));
  }

  /** Creates a task for an instance: PENDING, or THROTTLED for {@code penaltyMillis}. */
  private ScheduledTask createTask(JobState job, int instance, TaskConfig config, int failures, int flaps,
      long penaltyMillis) {
    ScheduledTask t = ACCESS.create(newTaskId(job.config().key(), instance), job.config().key(), instance,
        config, now(), failures, flaps);
    tasks.put(t.id(), t);
    metrics.moved(null, ScheduleStatus.INIT);
    job.addActive(t);
    if (penaltyMillis > 0) {
      t = transition(t, ScheduleStatus.THROTTLED, "flapping: held back " + Duration.ofMillis(penaltyMillis).toSeconds() + "s");
      scheduleThrottle(t.id(), penaltyMillis);
    } else {
      t = transition(t, ScheduleStatus.PENDING, "");
    }
    return t;
  }

  private void scheduleThrottle(TaskId id, long delayMillis) {
    throttleTimers.put(id, scheduleTimer(Duration.ofMillis(delayMillis), () -> {
      throttleTimers.remove(id);
      ScheduledTask t = tasks.get(id);
      if (t != null && t.status() == ScheduleStatus.THROTTLED) {
        transition(t, ScheduleStatus.PENDING, "flapping penalty served");
      }
    }));
  }

  private long penaltyMillis(int flaps) {
    if (flaps <= 0) {
      return 0;
    }
    long initial = settings.flappingInitialPenalty().toMillis();
    long max = settings.flappingMaxPenalty().toMillis();
    long p = initial;
    for (int i = 1; i < flaps && p < max; i++) {
      p *= 2;
    }
    return Math.min(p, max);
  }

  /**
   * Moves a task to {@code to} if the table allows, with every consequence: storage, indexes,
   * events, and the kill, release or replacement that follows. Returns the new snapshot, or the old
   * one if the move is illegal (counted, not applied).
   */
  private ScheduledTask transition(ScheduledTask t, ScheduleStatus to, String message) {
    ScheduleStatus from = t.status();
    if (!TaskStateMachine.isLegal(from, to)) {
      metrics.illegalTransition(from, to);
      LOG.debug("illegal transition {} {} -> {} ignored", t.id(), from, to);
      return t;
    }
    ScheduledTask next = ACCESS.withStatus(t, to, now(), message);
    tasks.put(next.id(), next);
    store(new Op.SaveTask(next));
    metrics.moved(from, to);
    emit(new SchedulerEvent.TaskStateChanged(loop.clock().instant(), next, from));

    if (from == ScheduleStatus.PENDING) {
      removeFromGroup(t);
    }
    if (to == ScheduleStatus.PENDING) {
      addToGroup(next);
      requestPass();
    }
    if (isKillInFlight(to) && from.isOnAgent() && !isKillInFlight(from)) {
      TaskId id = next.id();
      tx.afterCommit.add(() -> backend.kill(id));
    }
    if (to.isTerminal()) {
      StateLoop.Timer timer = throttleTimers.remove(next.id());
      if (timer != null) {
        timer.cancel();
      }
      if (from.isOnAgent()) {
        release(next);
      }
      ended(next, from);
    }
    // listeners see the state after the move and all it caused (release, replacement)
    for (CoreListener l : listeners) {
      l.onTransition(t, next);
    }
    return next;
  }

  private static boolean isKillInFlight(ScheduleStatus s) {
    return s == ScheduleStatus.KILLING || s == ScheduleStatus.RESTARTING || s == ScheduleStatus.DRAINING
        || s == ScheduleStatus.PREEMPTING;
  }

  /**
   * Kills a task: not yet on an agent it ends at once (and, unless {@code how} is KILLING, is replaced
   * at once, with no flapping penalty); on an agent it goes to {@code how}.
   */
  private void killTask(ScheduledTask t, ScheduleStatus how, String message) {
    if (t.status().isTerminal()) {
      return;
    }
    if (!t.status().isOnAgent()) {
      killIntent = how;
      try {
        transition(t, ScheduleStatus.KILLED, message);
      } finally {
        killIntent = null;
      }
    } else if (t.status() != how && (how == ScheduleStatus.KILLING || !isKillInFlight(t.status()))) {
      transition(t, how, message);
    }
  }

  private void release(ScheduledTask t) {
    String agentId = ACCESS.agentIdOrNull(t);
    Resources r = t.config().resources();
    pool.release(agentId, Math.round(r.cpus() * 1000), r.ramMb());
    engine.released(t.job());
    JobState job = jobs.get(t.job());
    if (job != null) {
      job.offAgent(pool.agent(agentId));
    }
  }

  /** What follows the end of a task: replacement, or the end of its instance or job. */
  private void ended(ScheduledTask t, ScheduleStatus from) {
    history.computeIfAbsent(t.job(), k -> new ArrayDeque<>()).add(t.id());
    JobState job = jobs.get(t.job());
    if (job == null) {
      return;
    }
    job.removeActive(t);
    ScheduleStatus end = t.status();
    JobConfig config = job.config();
    boolean replace;
    int failures = t.failureCount();
    int flaps = 0;
    long penalty = 0;
    if (killIntent != null && !from.isOnAgent()) {
      replace = killIntent != ScheduleStatus.KILLING;
    } else if (from == ScheduleStatus.KILLING) {
      replace = false;
    } else if (from == ScheduleStatus.RESTARTING || from == ScheduleStatus.DRAINING
        || from == ScheduleStatus.PREEMPTING) {
      replace = true;
    } else if (end == ScheduleStatus.LOST) {
      replace = true;
    } else if (t.config().service()) {
      replace = true;
      long ranSince = ACCESS.timeOfMillis(t, ScheduleStatus.RUNNING);
      long ran = ranSince < 0 ? 0 : now() - ranSince;
      if (ran < settings.flappingThreshold().toMillis() && !killedWhileStopped) {
        flaps = t.flapCount() + 1;
        penalty = penaltyMillis(flaps);
      }
      if (end == ScheduleStatus.FAILED) {
        failures++;
      }
    } else if (end == ScheduleStatus.FAILED) {
      failures++;
      int max = t.config().maxTaskFailures();
      replace = max == -1 || failures < max;
      if (replace) {
        long ranSince = ACCESS.timeOfMillis(t, ScheduleStatus.RUNNING);
        long ran = ranSince < 0 ? 0 : now() - ranSince;
        if (ran < settings.flappingThreshold().toMillis()) {
          flaps = t.flapCount() + 1;
          penalty = penaltyMillis(flaps);
        }
      }
    } else {
      replace = false; // FINISHED, or KILLED from outside, of a one-off task
    }
    if (replace && job.activeByInstance().containsKey(t.instance())) {
      replace = false; // the instance already has a newer task
    }
    if (replace) {
      createTask(job, t.instance(), configFor(job, t), failures, flaps, penalty);
      return;
    }
    // (a task ended at once by a kill while its job is removed does not finish the job: killJob ends it)
    if (job.active().isEmpty() && !config.isService() && !config.isCron() && killIntent == null) {
      finishJob(job);
    }
  }

  /**
   * The config a replacement of {@code ended} runs: a controller's choice (an update moving the
   * instance), else the config the ended task ran: an instance keeps its config, as Aurora keeps
   * per-instance configs, so one left on another config than the job's by an aborted or failed update
   * does not drift.
   */
  private TaskConfig configFor(JobState job, ScheduledTask ended) {
    for (CoreListener l : listeners) {
      TaskConfig c = l.replacementConfig(job, ended.instance());
      if (c != null) {
        return c;
      }
    }
    return ended.config();
  }

  /** A one-off job whose every instance ended for good: report which finished and which failed. */
  private void finishJob(JobState job) {
    JobKey key = job.config().key();
    Map<Integer, ScheduledTask> last = new TreeMap<>();
    for (TaskId id : history.getOrDefault(key, new ArrayDeque<>())) {
      ScheduledTask t = tasks.get(id);
      if (t != null) {
        last.merge(t.instance(), t, (a, b) -> ACCESS.statusTimeMillis(b) >= ACCESS.statusTimeMillis(a) ? b : a);
      }
    }
    List<Integer> finished = new ArrayList<>();
    List<Integer> failed = new ArrayList<>();
    last.forEach((i, t) -> (t.status() == ScheduleStatus.FINISHED ? finished : failed).add(i));
    jobs.remove(key);
    store(new Op.RemoveJob(key));
    emit(new SchedulerEvent.JobFinished(loop.clock().instant(), key, finished, failed));
    listeners.forEach(l -> l.jobRemoved(key));
  }

  // =====================================================================================
  // Placement
  // =====================================================================================

  private void addToGroup(ScheduledTask t) {
    GroupKey k = new GroupKey(t.job(), t.config());
    TaskGroup g = groups.get(k);
    if (g == null) {
      JobState job = jobs.get(t.job());
      if (job == null) {
        return;
      }
      g = new TaskGroup(t.job(), t.config(), job, groupSeq++);
      groups.put(k, g);
      g.add(t.id(), now());
      if (orderedGroups != null) {
        int at = java.util.Collections.binarySearch(orderedGroups, g, PlacementEngine.ORDER);
        orderedGroups.add(at < 0 ? -at - 1 : at + 1, g);
        if (oldestPendingMillis == -1) {
          oldestPendingMillis = g.pendingSinceMillis();
        } else if (oldestPendingMillis >= 0) {
          oldestPendingMillis = Math.min(oldestPendingMillis, g.pendingSinceMillis());
        }
      }
      return;
    }
    g.add(t.id(), now());
  }

  private void removeFromGroup(ScheduledTask t) {
    GroupKey k = new GroupKey(t.job(), t.config());
    TaskGroup g = groups.get(k);
    if (g != null) {
      g.remove(t.id());
      if (g.isEmpty()) {
        groups.remove(k);
        if (orderedGroups != null) {
          orderedGroups.remove(g);
          oldestPendingMillis = -2; // recomputed at the next pass
        }
      }
    }
  }

  private void requestPass() {
    if (!passRequested) {
      passRequested = true;
      submit(this::pass);
    }
  }

  private void pass() {
    passRequested = false;
    if (groups.isEmpty()) {
      metrics.oldestPending(-1);
      return;
    }
    // A group's order (priority, pending since) is fixed while it lives: sort only when groups come or go.
    if (orderedGroups == null) {
      orderedGroups = new ArrayList<>(groups.values());
      orderedGroups.sort(PlacementEngine.ORDER);
      oldestPendingMillis = -2;
    }
    if (oldestPendingMillis == -2) {
      oldestPendingMillis = orderedGroups.stream().mapToLong(TaskGroup::pendingSinceMillis).min().orElse(-1);
    }
    List<TaskGroup> ordered = orderedGroups;
    metrics.oldestPending(oldestPendingMillis);
    if (pool.offered().isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    Map<String, Long> vetoes = new HashMap<>();
    int placed = engine.pass(ordered, this::assign, vetoes);
    if (engine.emptiedGroups() && groups.values().removeIf(TaskGroup::isEmpty)) {
      orderedGroups.removeIf(TaskGroup::isEmpty);
      oldestPendingMillis = -2;
    }
    metrics.pass(Duration.ofNanos(System.nanoTime() - start), placed, vetoes);
  }

  private boolean assign(TaskGroup g, TaskId id, AgentState agent, int[] ports) {
    ScheduledTask t = tasks.get(id);
    if (t == null || t.status() != ScheduleStatus.PENDING) {
      return false;
    }
    ScheduledTask next = ACCESS.assigned(t, agent.id(), agent.hostname(), ports, now());
    tasks.put(id, next);
    store(new Op.SaveTask(next));
    metrics.moved(ScheduleStatus.PENDING, ScheduleStatus.ASSIGNED);
    emit(new SchedulerEvent.TaskStateChanged(loop.clock().instant(), next, ScheduleStatus.PENDING));
    for (CoreListener l : listeners) {
      l.onTransition(t, next);
    }
    Resources r = t.config().resources();
    pool.hold(agent, Math.round(r.cpus() * 1000), r.ramMb());
    JobState job = jobs.get(t.job());
    job.onAgent(agent);
    tx.launches.computeIfAbsent(agent, a -> new ArrayList<>()).add(launchOf(next, agent));
    return true;
  }

  private void flushLaunches(Transaction t) {
    if (t.launches.isEmpty()) {
      return;
    }
    int used = 0;
    for (Map.Entry<AgentState, List<TaskLaunch>> e : t.launches.entrySet()) {
      List<String> offerIds = pool.consumeTouchedOffers(e.getKey());
      used += offerIds.size();
      List<TaskLaunch> launches = e.getValue();
      t.afterCommit.add(() -> backend.launch(offerIds, launches));
    }
    metrics.offersUsed(used);
    t.launches.clear();
  }

  /** {@code AURORA_PORT_<NAME>}: the port name upper-cased, anything but A-Z, 0-9 and _ as _. */
  private static String portVariable(String name) {
    String upper = name.toUpperCase(java.util.Locale.ROOT);
    StringBuilder b = new StringBuilder(12 + upper.length()).append("AURORA_PORT_");
    for (int i = 0; i < upper.length(); i++) {
      char c = upper.charAt(i);
      b.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    return b.toString();
  }

  private static boolean hasTaskVariables(ProcessConfig p) {
    if (hasVariable(p.command()) || hasVariable(p.workingDirectory())) {
      return true;
    }
    for (String v : p.environment().values()) {
      if (v.contains("{{")) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasVariable(String text) {
    return text.contains("{{");
  }

  private static boolean hasVariable(Optional<String> text) {
    return text.isPresent() && text.get().contains("{{");
  }

  /**
   * The launch of an ASSIGNED task. Built for every task placed, so with Guava's immutable collections
   * handed to the value as they are (no builder copies), and the config's own processes and health
   * check reused where they hold no task variable.
   */
  private static TaskLaunch launchOf(ScheduledTask t, AgentState agent) {
    Map<String, Integer> portMap = t.ports();
    ImmutableMap<String, Integer> ports = ImmutableMap.copyOf(portMap);
    String id = t.id().value();
    Templates.PortLookup lookup = name -> {
      Integer p = ports.get(name);
      return p == null ? -1 : p;
    };
    ImmutableMap.Builder<String, String> env = ImmutableMap.builderWithExpectedSize(3 + ports.size());
    env.put("AURORA_TASK_ID", id);
    env.put("AURORA_INSTANCE", Integer.toString(t.instance()));
    env.put("AURORA_JOB", t.job().toString());
    ports.forEach((name, port) -> env.put(portVariable(name), Integer.toString(port)));
    List<ProcessConfig> configured = t.config().processes();
    ImmutableList<ProcessConfig> processes;
    if (!anyHasTaskVariables(configured)) {
      processes = ImmutableList.copyOf(configured);
    } else {
      ImmutableList.Builder<ProcessConfig> resolved = ImmutableList.builderWithExpectedSize(configured.size());
      for (ProcessConfig p : configured) {
        if (!hasTaskVariables(p)) {
          resolved.add(p);
          continue;
        }
        dev.aurora.api.ImmutableProcessConfig.Builder b = ProcessConfig.builder().name(p.name())
            .command(Templates.resolveTaskVariables(p.command(), t.instance(), id, lookup));
        p.environment().forEach((k, v) -> b.putEnvironment(k, Templates.resolveTaskVariables(v, t.instance(), id, lookup)));
        p.workingDirectory().ifPresent(w -> b.workingDirectory(Templates.resolveTaskVariables(w, t.instance(), id, lookup)));
        resolved.add(b.build());
      }
      processes = resolved.build();
    }
    Optional<dev.aurora.api.HealthCheck> health = t.config().healthCheck();
    if (health.isPresent() && (hasVariable(health.get().path()) || hasVariable(health.get().command()))) {
      dev.aurora.api.ImmutableHealthCheck c = dev.aurora.api.ImmutableHealthCheck.copyOf(health.get());
      if (c.path().isPresent()) {
        c = c.withPath(Templates.resolveTaskVariables(c.path().get(), t.instance(), id, lookup));
      }
      if (c.command().isPresent()) {
        c = c.withCommand(Templates.resolveTaskVariables(c.command().get(), t.instance(), id, lookup));
      }
      health = Optional.of(c);
    }
    return dev.aurora.core.ImmutableTaskLaunch.of(t.id(), InstanceKey.of(t.job(), t.instance()), agent.id(),
        t.config(), ports, processes, env.buildOrThrow(), health);
  }

  private static boolean anyHasTaskVariables(List<ProcessConfig> processes) {
    for (int i = 0; i < processes.size(); i++) {
      if (hasTaskVariables(processes.get(i))) {
        return true;
      }
    }
    return false;
  }


  // =====================================================================================
  // Backend reports
  // =====================================================================================

  private final class Listener implements BackendListener {
    @Override
    public void offers(List<Offer> offers) {
      submit(() -> onOffers(offers));
    }

    @Override
    public void offerRescinded(String offerId) {
      submit(() -> {
        if (pool.removeOffer(offerId)) {
          metrics.offerRescinded();
        }
      });
    }

    @Override
    public void statusUpdate(TaskStatus status) {
      submit(() -> onStatus(status));
    }

    @Override
    public void agentLost(String agentId) {
      submit(() -> onAgentLost(agentId));
    }
  }

  private void onOffers(List<Offer> offers) {
    metrics.offersReceived(offers.size());
    for (Offer o : offers) {
      if (pool.addOffer(o)) {
        store(new Op.SaveAgent(o.agentId(), o.hostname(), o.attributes()));
      }
      String id = o.id();
      scheduleTimer(settings.offerHold(), () -> {
        if (pool.removeOffer(id)) {
          metrics.offerDeclined();
          Duration backoff = settings.declineBackoff();
          tx.afterCommit.add(() -> backend.decline(id, backoff));
        }
      });
    }
    requestPass();
  }

  private void onStatus(TaskStatus status) {
    metrics.statusUpdate();
    ScheduledTask t = tasks.get(status.taskId());
    if (t == null) {
      if (!status.state().isTerminal()) {
        LOG.info("backend runs unknown task {}; killing it", status.taskId());
        tx.afterCommit.add(() -> backend.kill(status.taskId()));
      }
      return;
    }
    boolean firstSinceStart = unreconciled.remove(t.id());
    if (status.healthy().isPresent() && t.status() == ScheduleStatus.RUNNING) {
      boolean healthy = status.healthy().get();
      if (!t.healthy().equals(Optional.of(healthy))) {
        ScheduledTask before = t;
        t = ACCESS.withHealth(t, healthy);
        tasks.put(t.id(), t);
        store(new Op.SaveTask(t));
        emit(new SchedulerEvent.TaskHealthChanged(loop.clock().instant(), t, healthy));
        for (CoreListener l : listeners) {
          l.onTransition(before, t);
        }
      }
      return;
    }
    ScheduleStatus reported = status.state();
    if (firstSinceStart && reported == ScheduleStatus.KILLED && !isKillInFlight(t.status())) {
      // Killed while no scheduler ran: most likely the backend stopping its tasks when this scheduler
      // closed (the local backend does). A stop, not a crash: replaced at once, never as flapping.
      killedWhileStopped = true;
      try {
        transition(t, reported, status.message());
      } finally {
        killedWhileStopped = false;
      }
      return;
    }
    if (TaskStateMachine.isStale(t.status(), reported)) {
      if (isKillInFlight(t.status()) && !reported.isTerminal()) {
        TaskId id = t.id();
        tx.afterCommit.add(() -> backend.kill(id));
      }
      return;
    }
    ScheduledTask next = transition(t, reported, status.message());
    if (next != t && status.healthy().isPresent() && reported == ScheduleStatus.RUNNING) {
      ScheduledTask healthChecked = ACCESS.withHealth(next, status.healthy().get());
      tasks.put(healthChecked.id(), healthChecked);
      store(new Op.SaveTask(healthChecked));
      emit(new SchedulerEvent.TaskHealthChanged(loop.clock().instant(), healthChecked, status.healthy().get()));
      for (CoreListener l : listeners) {
        l.onTransition(next, healthChecked);
      }
    }
  }

  private void onAgentLost(String agentId) {
    AgentState agent = pool.agent(agentId);
    List<ScheduledTask> lost = new ArrayList<>();
    for (ScheduledTask t : tasks.values()) {
      if (t.status().isOnAgent() && agentId.equals(ACCESS.agentIdOrNull(t))) {
        lost.add(t);
      }
    }
    // in a stated order: the replacements (and their ids, drawn from the seeded random) follow it
    lost.sort(Comparator.comparing(ScheduledTask::job).thenComparingInt(ScheduledTask::instance)
        .thenComparing(ScheduledTask::id));
    for (ScheduledTask t : lost) {
      transition(t, ScheduleStatus.LOST, "agent " + (agent != null ? agent.hostname() : agentId) + " lost");
    }
    pool.removeAgent(agentId);
    emit(new SchedulerEvent.AgentLost(loop.clock().instant(), agentId, lost.size()));
  }

  // =====================================================================================
  // History pruning
  // =====================================================================================

  private void pruneAndReschedule() {
    prune();
    scheduleTimer(settings.pruneInterval(), this::pruneAndReschedule);
  }

  private void prune() {
    long cutoff = now() - settings.historyMaxAge().toMillis();
    int perJob = settings.historyPerJob();
    List<TaskId> removed = new ArrayList<>();
    for (var it = history.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<JobKey, ArrayDeque<TaskId>> entry = it.next();
      ArrayDeque<TaskId> deque = entry.getValue();
      Set<TaskId> outcomes = null; // computed only if this job's history is pruned at all
      ArrayDeque<TaskId> kept = new ArrayDeque<>();
      while (!deque.isEmpty()) {
        ScheduledTask oldest = tasks.get(deque.peekFirst());
        if (oldest == null) {
          deque.pollFirst();
          continue;
        }
        if (deque.size() + kept.size() > perJob || ACCESS.statusTimeMillis(oldest) < cutoff) {
          deque.pollFirst();
          if (outcomes == null) {
            outcomes = outcomesOfRunningOneOffJob(entry.getKey(), deque, oldest);
          }
          if (outcomes.contains(oldest.id())) {
            kept.add(oldest.id());
            continue;
          }
          tasks.remove(oldest.id());
          metrics.moved(oldest.status(), null);
          removed.add(oldest.id());
        } else {
          break;
        }
      }
      while (!kept.isEmpty()) {
        deque.addFirst(kept.pollLast());
      }
      if (deque.isEmpty()) {
        it.remove();
      }
    }
    if (!removed.isEmpty()) {
      store(new Op.RemoveTasks(removed));
    }
  }

  /**
   * For a one-off job that still runs: the last ended task of each instance that has no active task,
   * which its {@code JobFinished} reports, so pruning keeps them whatever their number or age. Empty
   * for any other job. {@code first} was taken off the head of {@code rest}.
   */
  private Set<TaskId> outcomesOfRunningOneOffJob(JobKey key, ArrayDeque<TaskId> rest, ScheduledTask first) {
    JobState job = jobs.get(key);
    if (job == null || job.config().isService() || job.config().isCron()) {
      return Set.of();
    }
    Map<Integer, ScheduledTask> last = new HashMap<>();
    java.util.function.Consumer<ScheduledTask> consider = t -> {
      if (!job.activeByInstance().containsKey(t.instance())) {
        last.merge(t.instance(), t, (a, b) -> ACCESS.statusTimeMillis(b) >= ACCESS.statusTimeMillis(a) ? b : a);
      }
    };
    consider.accept(first);
    for (TaskId id : rest) {
      ScheduledTask t = tasks.get(id);
      if (t != null) {
        consider.accept(t);
      }
    }
    Set<TaskId> out = new HashSet<>();
    last.values().forEach(t -> out.add(t.id()));
    return out;
  }

  // =====================================================================================
  // Sharing a cluster: quotas, audit (maintenance goes through setMaintenance)
  // =====================================================================================

  @Override
  public void setQuota(String role, ResourceQuota quota, Principal by) {
    java.util.Objects.requireNonNull(role, "role");
    java.util.Objects.requireNonNull(quota, "quota");
    java.util.Objects.requireNonNull(by, "principal");
    JobKey.checkRole(role);
    admitVoid(by, "setQuota", null, role + " " + quota.asResources(), () -> {
      tenancy.quota().setQuota(role, quota, by);
    });
  }

  @Override
  public void removeQuota(String role, Principal by) {
    java.util.Objects.requireNonNull(role, "role");
    java.util.Objects.requireNonNull(by, "principal");
    JobKey.checkRole(role);
    admitVoid(by, "removeQuota", null, role, () -> {
      tenancy.quota().removeQuota(role, by);
    });
  }

  @Override
  public Optional<ResourceQuota> quota(String role) {
    java.util.Objects.requireNonNull(role, "role");
    return call(() -> tenancy.quota().quota(role));
  }

  @Override
  public Map<String, ResourceQuota> quotas() {
    return call(() -> tenancy.quota().quotas());
  }

  @Override
  public Resources quotaConsumption(String role) {
    java.util.Objects.requireNonNull(role, "role");
    return call(() -> tenancy.quota().consumption(role));
  }

  @Override
  public List<AuditEntry> audit() {
    return call(() -> tenancy.audit().entries());
  }
}
