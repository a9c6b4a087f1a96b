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
import dev.aurora.core.MaintenanceMode;
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
import dev.aurora.core.internal.jobs.JobBatch;
import dev.aurora.core.internal.jobs.Jobs;
import dev.aurora.core.internal.lifecycle.TaskLifecycle;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.TaskGroup;
import dev.aurora.core.internal.placement.DedicatedRoles;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.PlacementEngine;
import dev.aurora.core.internal.recovery.Recovery;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.tx.Transactions;
import dev.aurora.core.internal.update.UpdateController;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
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
import org.jspecify.annotations.Nullable;
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
 *   <li>{@link Jobs}: the job operations and the reads that need more than a lookup;
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
  private final TierResolver tierResolver;
  private final UpdateController updates;
  private final CronController cron;
  private final Jobs jobOps;
  private final JobBatch jobBatch;
  private final MeterRegistry registry;
  private final List<io.micrometer.core.instrument.Meter> gauges;

  public SchedulerImpl(ClusterBackend backend, Storage storage, StateLoop loop, MeterRegistry registry,
      List<PlacementFilter> placementFilters, List<PlacementScorer> scorers, List<Double> weights, Settings settings,
      Random random) {
    java.util.Set<io.micrometer.core.instrument.Meter.Id> metersBefore = new java.util.HashSet<>();
    registry.getMeters().forEach(m -> metersBefore.add(m.getId()));
    this.backend = backend;
    this.storage = storage;
    this.loop = loop;
    this.settings = settings;
    AgentPool pool = state.pool();
    List<PlacementFilter> filters = new ArrayList<>(placementFilters); // the built-ins first, as Placement registers them
    this.tierResolver = new TierResolver(settings.tiers());
    this.tenancy = new Tenancy(core, settings, registry, filters);
    filters.add(tenancy.reservations());
    filters.add(new dev.aurora.core.internal.placement.BackendSupportFilter(backend));
    state.listeners().add(new DedicatedRoles());
    state.listeners().addAll(tenancy.listeners());
    PlacementEngine engine = new PlacementEngine(filters, scorers, weights, pool);
    SchedulerMetrics metrics = new SchedulerMetrics(registry, () -> loop.clock().millis(),
        this::queueDepth, pool::offerCount);
    this.tx = new Transactions(loop, storage, settings, metrics, events, state::snapshot);
    this.placement = new PlacementCoordinator(state, engine, tx, metrics, backend);
    placement.minPassInterval(settings.minPassInterval());
    tx.beforeCommit(() -> {
      placement.flushLaunches();
      placement.announceDemand();
    });
    this.lifecycle = new TaskLifecycle(state, tx, metrics, settings, random, backend, engine, placement);
    this.recovery = new Recovery(storage, state, metrics, lifecycle, placement);
    this.backendAdapter = new BackendAdapter(backend, state, tx, metrics, settings, lifecycle, placement);
    this.updates = new UpdateController(core);
    this.cron = new CronController(core);
    this.jobOps = new Jobs(state, tx, lifecycle, placement, updates::active);
    this.jobBatch = new JobBatch(jobOps, tenancy.admission(), tenancy.quota(), tierResolver::resolve);
    state.listeners().add(updates);
    state.listeners().add(cron);
    // gauges read this scheduler's state: they go with it on close, so a scheduler started later on the
    // same registry (a restart, a new term in HA mode) registers its own instead of being ignored
    this.registry = registry;
    this.gauges = registry.getMeters().stream()
        .filter(m -> m instanceof io.micrometer.core.instrument.Gauge && !metersBefore.contains(m.getId())).toList();
    // an update must fit its role's quota at its peak, and counts at its peak while it runs
    // and may not ask for another role's dedicated hosts
    updates.admission((from, to) -> {
      DedicatedRoles.check(to);
      tenancy.quota().checkUpdate(from, to);
    });
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
    public void submit(Runnable work) {
      tx.submit(work);
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
      jobOps.saveConfig(jobs.get(config.key()), config);
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

    @Override
    public Collection<TaskGroup> pendingGroups() {
      return placement.groups();
    }
  }

  // =====================================================================================
  // Lifecycle
  // =====================================================================================

  @Override
  public void start() {
    ClassPreload.run(); // the first createJobs' classes loaded now, not in the call (a fresh JVM's cold start)
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
    events.close();
    gauges.forEach(registry::remove);
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
  // Jobs and tasks
  // =====================================================================================

  @Override
  public void createJob(JobConfig job, Principal by) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "createJob", job.key().role(), job.key() + " x" + job.instances(),
        () -> jobOps.create(tierResolver.resolve(job), by));
  }

  @Override
  public void createJobs(List<JobConfig> batch, Principal by) {
    Objects.requireNonNull(batch, "jobs");
    Objects.requireNonNull(by, "principal");
    List<JobConfig> copy = List.copyOf(batch); // refuses a null job before anything runs
    call(() -> {
      jobBatch.create(copy, by);
      return null;
    });
  }

  @Override
  public void killJob(JobKey key, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "killJob", key.role(), key.toString(), () -> jobOps.kill(key, by));
  }

  @Override
  public void killInstances(JobKey key, Set<Integer> instances, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "killInstances", key.role(), key + " " + new TreeSet<>(instances),
        () -> jobOps.killInstances(key, instances, by));
  }

  @Override
  public void restartInstances(JobKey key, Set<Integer> instances, Principal by) {
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "restartInstances", key.role(), key + " " + new TreeSet<>(instances),
        () -> jobOps.restartInstances(key, instances, by));
  }

  @Override
  public void clearCrashLoop(JobKey key, Principal by) {
    Objects.requireNonNull(key, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "clearCrashLoop", key.role(), key.toString(), () -> jobOps.clearCrashLoop(key, by));
  }

  @Override
  public void addInstances(JobKey key, int count, Principal by) {
    Objects.requireNonNull(by, "principal");
    if (count < 1) {
      throw new IllegalArgumentException("instance count to add must be >= 1, was " + count);
    }
    admitVoid(by, "addInstances", key.role(), key + " +" + count, () -> jobOps.addInstances(key, count, by));
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
    return call(() -> jobOps.tasks(query));
  }

  @Override
  public Optional<ScheduledTask> task(TaskId id) {
    return call(() -> Optional.ofNullable(state.task(id)));
  }

  @Override
  public PendingReason whyPending(JobKey key) {
    return call(() -> jobOps.whyPending(key));
  }

  @Override
  public dev.aurora.core.JobSla jobSla(JobKey key) {
    Objects.requireNonNull(key, "job");
    return call(() -> jobOps.sla(key));
  }

  @Override
  public PendingReason whyPending(TaskId id) {
    return call(() -> jobOps.whyPending(id));
  }

  @Override
  public List<dev.aurora.core.AgentUtilization> utilization() {
    return call(() -> state.pool().agents().stream()
        .filter(a -> a.hostname() != null)
        .map(a -> new dev.aurora.core.AgentUtilization(a.id(), a.hostname(), a.attributes(),
            a.viewFor(false).capacityCpus(), a.usedCpuMillis() / 1000.0, a.viewFor(false).capacityRamMb(),
            a.usedRamMb(), a.viewFor(false).taskCount(), state.pool().maintenance(a.hostname())))
        .sorted(java.util.Comparator.comparing(dev.aurora.core.AgentUtilization::hostname)
            .thenComparing(dev.aurora.core.AgentUtilization::id))
        .toList());
  }

  @Override
  public Optional<dev.aurora.core.TaskOutput> taskOutput() {
    return backend.taskOutput();
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
    return admit(by, "startUpdate", job.role(), job.toString(), () -> updates.start(job, tierResolver.resolve(to), settings, by,
        message));
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
    admitVoidLookingUpRole(by, "pulseUpdate", () -> roleOf(update), update.value(), () -> updates.pulse(update, by));
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
  private void onUpdate(String action, UpdateId id, Principal by, BiConsumer<JobKey, Principal> operation) {
    Objects.requireNonNull(id, "update");
    Objects.requireNonNull(by, "principal");
    admitVoidLookingUpRole(by, action, () -> roleOf(id), id.value(), () -> operation.accept(updates.activeJob(id), by));
  }

  /** The role of the update's job, or null for an unknown update (authorized as a cluster action). */
  private @Nullable String roleOf(UpdateId id) {
    return updates.get(id).map(d -> d.job().role()).orElse(null);
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
  public void replaceCronTemplate(JobConfig given, Principal by) {
    Objects.requireNonNull(given, "job");
    Objects.requireNonNull(by, "principal");
    admitVoid(by, "replaceCronTemplate", given.key().role(), given.key().toString(), () -> {
      JobConfig job = tierResolver.resolve(given);
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
