package dev.aurora.core.internal;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.AuditEntry;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.EventStream;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.NoSuchInstanceException;
import dev.aurora.core.NoSuchJobException;
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
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.core.internal.backend.BackendAdapter;
import dev.aurora.core.internal.cron.CronController;
import dev.aurora.core.internal.events.EventBus;
import dev.aurora.core.internal.lifecycle.TaskLifecycle;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.BuiltInFilters;
import dev.aurora.core.internal.placement.PlacementEngine;
import dev.aurora.core.internal.recovery.Recovery;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.tx.Transactions;
import dev.aurora.core.internal.update.UpdateController;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: the public operations, each checked, authorized and audited, then run on the state
 * loop as a transaction. The work is done by parts with one job each:
 *
 * <ul>
 *   <li>{@link Transactions}: the queue, the transaction of each turn, commit, side effects after it;
 *   <li>{@link Recovery}: replay of storage at start;
 *   <li>{@link TaskLifecycle}: where a task's life is decided (transitions and what follows them);
 *   <li>{@link PlacementCoordinator}: pending groups, placement passes, launches;
 *   <li>{@link BackendAdapter}: offers, status updates and lost agents from the backend;
 *   <li>the feature controllers (updates, cron, and {@link Tenancy}'s quotas, preemption,
 *       maintenance, authorization and audit), which see the state through {@link Core}.
 * </ul>
 */
public final class SchedulerImpl implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerImpl.class);

  private final ClusterBackend backend;
  private final Storage storage;
  private final StateLoop loop;
  private final Settings settings;
  private final EventBus events = new EventBus();
  private final SchedulerState state = new SchedulerState(new AgentPool());
  private final Map<JobKey, JobState> jobs = state.jobs();
  private final Transactions tx;
  private final PlacementCoordinator placement;
  private final TaskLifecycle lifecycle;
  private final Recovery recovery;
  private final BackendAdapter backendAdapter;
  private final Core core = new CoreImpl();
  private final Tenancy tenancy;
  private final UpdateController updates;
  private final CronController cron;

  public SchedulerImpl(ClusterBackend backend, Storage storage, StateLoop loop, MeterRegistry registry,
      List<PlacementFilter> userFilters, List<PlacementScorer> scorers, List<Double> weights, Settings settings,
      Random random) {
    this.backend = backend;
    this.storage = storage;
    this.loop = loop;
    this.settings = settings;
    AgentPool pool = state.pool();
    List<PlacementFilter> filters = new ArrayList<>(BuiltInFilters.all());
    filters.addAll(userFilters);
    this.tenancy = new Tenancy(core, settings, registry, filters);
    filters.add(tenancy.reservations());
    state.listeners().addAll(tenancy.listeners());
    PlacementEngine engine = new PlacementEngine(filters, scorers, weights, pool);
    SchedulerMetrics metrics = new SchedulerMetrics(registry, () -> loop.clock().millis(),
        this::queueDepth, pool::offerCount);
    this.tx = new Transactions(loop, storage, settings, metrics, events, state::snapshot);
    this.placement = new PlacementCoordinator(state, engine, tx, metrics, backend);
    tx.beforeCommit(placement::flushLaunches);
    this.lifecycle = new TaskLifecycle(state, tx, metrics, settings, random, backend, engine, placement);
    this.recovery = new Recovery(storage, state, metrics, lifecycle, placement);
    this.backendAdapter = new BackendAdapter(backend, state, tx, metrics, settings, lifecycle, placement);
    this.updates = new UpdateController(core);
    this.cron = new CronController(core);
    state.listeners().add(updates);
    state.listeners().add(cron);
    // an update must fit its role's quota at its peak, and counts at its peak while it runs
    updates.admission(tenancy.quota()::checkUpdate);
    tenancy.quota().claimsDuringUpdates(key -> updates.list(key).stream()
        .filter(d -> !d.status().isTerminal()).findFirst().map(UpdateDetails::to));
  }

  private int queueDepth() {
    return tx.queued() + loop.queueDepth();
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
    return tx.call(op);
  }

  private final class CoreImpl implements Core {
    @Override
    public long now() {
      return tx.now();
    }

    @Override
    public Instant instant() {
      return tx.instant();
    }

    @Override
    public Settings settings() {
      return settings;
    }

    @Override
    public void store(Op op) {
      tx.store(op);
    }

    @Override
    public void emit(SchedulerEvent event) {
      tx.emit(event);
    }

    @Override
    public void afterCommit(Runnable action) {
      tx.afterCommit(action);
    }

    @Override
    public StateLoop.Timer schedule(Duration delay, Runnable work) {
      return tx.schedule(delay, work);
    }

    @Override
    public JobState job(JobKey key) {
      return state.job(key);
    }

    @Override
    public Collection<JobState> jobs() {
      return jobs.values();
    }

    @Override
    public ScheduledTask task(TaskId id) {
      return state.task(id);
    }

    @Override
    public Collection<ScheduledTask> tasks() {
      return state.tasks().values();
    }

    @Override
    public ScheduledTask createTask(JobState job, int instance, TaskConfig config) {
      return lifecycle.createTask(job, instance, config);
    }

    @Override
    public void kill(ScheduledTask task, ScheduleStatus how, String message) {
      lifecycle.killTask(task, how, message);
    }

    @Override
    public void saveJob(JobConfig config) {
      JobState job = jobs.get(config.key());
      job.setConfig(config);
      tx.store(new Op.SaveJob(config));
      state.listeners().forEach(l -> l.jobSaved(config, false));
    }

    @Override
    public void requestPass() {
      placement.requestPass();
    }

    @Override
    public AgentPool pool() {
      return state.pool();
    }
  }

  // =====================================================================================
  // Lifecycle
  // =====================================================================================

  @Override
  public void start() {
    tx.open();
    loop.start();
    tx.call(() -> {
      Set<TaskId> onAgent = recovery.recover();
      backendAdapter.connect(onAgent);
      lifecycle.schedulePruning();
      placement.requestPass();
      return null;
    });
    LOG.info("scheduler started: {} jobs, {} tasks recovered", jobs.size(), state.tasks().size());
  }

  @Override
  public void close() {
    if (!tx.close()) {
      return;
    }
    try {
      backend.close();
    } catch (RuntimeException e) {
      LOG.warn("backend close failed", e);
    }
    loop.stop();
    try {
      storage.close();
    } catch (RuntimeException e) {
      LOG.warn("storage close failed", e);
    }
  }

  // =====================================================================================
  // Running work on the loop
  // =====================================================================================

  private <T> T call(Supplier<T> op) {
    return tx.call(op);
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

  /** {@link #admit} for an operation whose role is known only on the loop (null: a cluster action). */
  private void admitVoidLookingUpRole(Principal by, String action, Supplier<String> role, String target,
      Runnable op) {
    call(() -> tenancy.admission().run(by, action, role.get(), target, () -> {
      op.run();
      return null;
    }));
  }

  // =====================================================================================
  // Operations
  // =====================================================================================

  @Override
  public void createJob(JobConfig job, Principal by) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "createJob", job.key().role(), job.key() + " x" + job.instances(), () -> {
      if (jobs.containsKey(job.key())) {
        throw new JobConflictException(job.key(), "a job with this key exists already");
      }
      if (job.instances() == 0 && !job.isService()) {
        throw new dev.aurora.api.InvalidConfigException("instances: a " + (job.isCron() ? "cron" : "one-off")
            + " job needs at least 1 instance, was 0 (only a service may have 0)");
      }
      state.listeners().forEach(l -> l.admitJobChange(null, job));
      JobState created = new JobState(job, state.pool(), state.tasks()::get);
      jobs.put(job.key(), created);
      tx.store(new Op.SaveJob(job));
      tx.emit(new SchedulerEvent.JobCreated(tx.instant(), job.key(), by));
      if (!job.isCron()) {
        for (int i = 0; i < job.instances(); i++) {
          lifecycle.createTask(created, i, job.task());
        }
      }
      state.listeners().forEach(l -> l.jobSaved(job, true));
    });
  }

  @Override
  public void killJob(JobKey key, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "killJob", key.role(), key.toString(), () -> {
      JobState job = requireJob(key);
      for (TaskId id : new ArrayList<>(job.active())) {
        lifecycle.killTask(state.task(id), ScheduleStatus.KILLING, "killed by " + by);
      }
      jobs.remove(key);
      tx.store(new Op.RemoveJob(key));
      tx.emit(new SchedulerEvent.JobKilled(tx.instant(), key, by));
      state.listeners().forEach(l -> l.jobRemoved(key));
    });
  }

  @Override
  public void killInstances(JobKey key, Set<Integer> instances, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "killInstances", key.role(), key + " " + new TreeSet<>(instances), () -> {
      JobState job = requireJob(key);
      refuseDuringUpdate(key);
      List<Integer> missing = instances.stream().filter(i -> !job.activeByInstance().containsKey(i)).sorted().toList();
      if (!missing.isEmpty()) {
        throw new NoSuchInstanceException(key, missing);
      }
      for (int i : new TreeSet<>(instances)) {
        lifecycle.killTask(state.task(job.activeByInstance().get(i)), ScheduleStatus.KILLING, "killed by " + by);
      }
      // A cron job's template stays as it is: the next run launches every instance again. Any other job
      // keeps its config with the instances left (a service may scale to 0; killJob removes a job).
      if (!job.config().isCron()) {
        JobConfig updated = job.config().withInstances(liveInstances(job));
        job.setConfig(updated);
        tx.store(new Op.SaveJob(updated));
      }
      tx.emit(new SchedulerEvent.JobChanged(tx.instant(), key, by, "killed instances " + new TreeSet<>(instances)));
      if (!job.config().isService() && !job.config().isCron() && job.active().isEmpty()) {
        lifecycle.finishJob(job); // a one-off job with nothing left to run ends, as when its instances end on their own
      }
    });
  }

  @Override
  public void restartInstances(JobKey key, Set<Integer> instances, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "restartInstances", key.role(), key + " " + new TreeSet<>(instances), () -> {
      JobState job = requireJob(key);
      List<Integer> missing = instances.stream().filter(i -> !job.activeByInstance().containsKey(i)).sorted().toList();
      if (!missing.isEmpty()) {
        throw new NoSuchInstanceException(key, missing);
      }
      for (int i : new TreeSet<>(instances)) {
        ScheduledTask t = state.task(job.activeByInstance().get(i));
        if (t.status().isOnAgent() && !TaskLifecycle.isKillInFlight(t.status())) {
          lifecycle.killTask(t, ScheduleStatus.RESTARTING, "restarted by " + by);
        }
      }
    });
  }

  @Override
  public void addInstances(JobKey key, int count, Principal by) {
    Objects.requireNonNull(by, "principal");
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
          .filter(e -> state.task(e.getValue()).status() != ScheduleStatus.KILLING)
          .mapToInt(Map.Entry::getKey).max().orElse(-1) + 1;
      JobConfig updated = job.config().withInstances(liveInstances(job) + count);
      state.listeners().forEach(l -> l.admitJobChange(job.config(), updated));
      job.setConfig(updated);
      tx.store(new Op.SaveJob(updated));
      for (int i = next; i < next + count; i++) {
        lifecycle.createTask(job, i, updated.task());
      }
      tx.emit(new SchedulerEvent.JobChanged(tx.instant(), key, by, "added " + count + " instances"));
    });
  }

  @Override
  public void setMaintenance(Set<String> hosts, MaintenanceMode mode, Principal by) {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(by, "principal");
    Set<String> sorted = new TreeSet<>(hosts);
    admitVoid(by, "setMaintenance", null, mode + " " + sorted, () -> {
      tenancy.maintenance().set(sorted, mode);
    });
  }

  @Override
  public Map<String, MaintenanceMode> maintenance() {
    return call(state.pool()::maintenance);
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
            ScheduledTask t = state.task(id);
            if (query.test(t)) {
              out.add(t);
            }
          }
        }
        for (TaskId id : state.history().getOrDefault(key.get(), new ArrayDeque<>())) {
          ScheduledTask t = state.task(id);
          if (t != null && query.test(t)) {
            out.add(t);
          }
        }
        // Active tasks of a killed job are no longer in a JobState.
        if (job == null) {
          for (ScheduledTask t : state.tasks().values()) {
            if (!t.status().isTerminal() && query.test(t)) {
              out.add(t);
            }
          }
        }
      } else {
        for (ScheduledTask t : state.tasks().values()) {
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
    return call(() -> Optional.ofNullable(state.task(id)));
  }

  @Override
  public PendingReason whyPending(JobKey key) {
    return call(() -> {
      JobState job = requireJob(key);
      Optional<PendingReason> pending = placement.diagnoseJob(key);
      if (pending.isPresent()) {
        return pending.get();
      }
      int throttled = 0;
      for (TaskId id : job.active()) {
        if (state.task(id).status() == ScheduleStatus.THROTTLED) {
          throttled++;
        }
      }
      return new PendingReason(throttled, Map.of(), throttled > 0
          ? throttled + " tasks throttled after flapping; they become pending after their penalty"
          : "no pending tasks");
    });
  }

  @Override
  public PendingReason whyPending(TaskId id) {
    return call(() -> {
      ScheduledTask t = state.task(id);
      if (t == null) {
        return new PendingReason(0, Map.of(), "no such task: " + id);
      }
      if (t.status() == ScheduleStatus.THROTTLED) {
        return new PendingReason(1, Map.of(), "throttled after flapping; pending again after its penalty");
      }
      if (t.status() != ScheduleStatus.PENDING) {
        return new PendingReason(0, Map.of(), "task is " + t.status() + ", not pending");
      }
      return placement.diagnose(t);
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
    Objects.requireNonNull(to, "new config");
    return startUpdate(job, to, to.update(), by, message);
  }

  @Override
  public UpdateId startUpdate(JobKey job, JobConfig to, dev.aurora.api.UpdateSettings settings, Principal by,
      String message) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(to, "new config");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(by, "principal");
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
      BiConsumer<JobKey, Principal> operation) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, action, job.role(), job.toString(), () -> operation.accept(job, by));
  }

  @Override
  public void pulseUpdate(UpdateId update, Principal by) {
    Objects.requireNonNull(update, "update");
    Objects.requireNonNull(by, "principal");
    admitVoidLookingUpRole(by, "pulseUpdate", () -> updates.get(update).map(d -> d.job().role()).orElse(null), update.value(), () -> {
      updates.pulse(update, by);
    });
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
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "startCronJob", job.role(), job.toString(), () -> {
      cron.startNow(job, by);
    });
  }

  @Override
  public void replaceCronTemplate(JobConfig job, Principal by) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "replaceCronTemplate", job.key().role(), job.key().toString(), () -> {
      JobState current = jobs.get(job.key());
      if (current != null && current.config().isCron() && job.isCron()) {
        state.listeners().forEach(l -> l.admitJobChange(current.config(), job));
      }
      cron.replace(job, by);
      tx.emit(new SchedulerEvent.JobChanged(tx.instant(), job.key(), by, "cron template replaced"));
    });
  }

  @Override
  public List<Instant> nextCronRuns(JobKey job, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, was " + count);
    }
    return call(() -> cron.next(job, count));
  }

  private JobState requireJob(JobKey key) {
    JobState job = jobs.get(Objects.requireNonNull(key, "job key"));
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
      if (state.task(id).status() != ScheduleStatus.KILLING) {
        live++;
      }
    }
    return live;
  }

  // =====================================================================================
  // Sharing a cluster: quotas, audit (maintenance goes through setMaintenance)
  // =====================================================================================

  @Override
  public void setQuota(String role, ResourceQuota quota, Principal by) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(quota, "quota");
    Objects.requireNonNull(by, "principal");
    JobKey.checkRole(role);
    admitVoid(by, "setQuota", null, role + " " + quota.asResources(), () -> {
      tenancy.quota().setQuota(role, quota, by);
    });
  }

  @Override
  public void removeQuota(String role, Principal by) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(by, "principal");
    JobKey.checkRole(role);
    admitVoid(by, "removeQuota", null, role, () -> {
      tenancy.quota().removeQuota(role, by);
    });
  }

  @Override
  public Optional<ResourceQuota> quota(String role) {
    Objects.requireNonNull(role, "role");
    return call(() -> tenancy.quota().quota(role));
  }

  @Override
  public Map<String, ResourceQuota> quotas() {
    return call(() -> tenancy.quota().quotas());
  }

  @Override
  public Resources quotaConsumption(String role) {
    Objects.requireNonNull(role, "role");
    return call(() -> tenancy.quota().consumption(role));
  }

  @Override
  public List<AuditEntry> audit() {
    return call(() -> tenancy.audit().entries());
  }
}
