package dev.aurora.core.internal.maintenance;

import dev.aurora.api.TaskId;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.SlaCoordinator;
import dev.aurora.api.SlaPolicy;
import dev.aurora.api.AuroraException;
import dev.aurora.api.JobConfig;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.state.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Host maintenance: moves hosts through {@link HostMaintenanceTable}, and drains DRAINING hosts.
 *
 * <p>A drain moves a host's tasks elsewhere by killing them as DRAINING (the core replaces each on a
 * host in service), but only as fast as the jobs' SLA allows: a running, healthy task is drained only
 * while enough of its job's <em>other</em> instances are running and healthy (at least {@code
 * max(minHealthyInstances, ceil(minHealthyFraction * instances))}, capped at {@code instances - 1} so
 * that any job can move one instance at a time). A task that is not running and healthy is drained at
 * once: moving it takes nothing healthy away. The drain looks again whenever a task changes state; a
 * host with no task left on it becomes DRAINED.
 *
 * <p>A job with its own {@link SlaPolicy} is drained by it instead: COUNT and PERCENTAGE count the
 * instances up (running, healthy, for at least the policy's minimum), COORDINATOR asks the named
 * {@link SlaCoordinator} before each running instance goes. While something is held back the drain
 * looks again every recheck interval (10 s by default); a host DRAINING longer than the drain timeout
 * is drained whatever the SLA. When a host began draining is stored ({@link Op.SaveDrainStart}), so a
 * restart does not reset the timeout.
 */
public final class MaintenanceController implements CoreListener {
  /** How often a drain held back by an SLA looks again (and how soon a refusing coordinator is asked again), by default. */
  static final Duration RECHECK = Duration.ofSeconds(10);

  private final Duration recheck;
  /** When each host began draining, as stored: recovered from ops, used by {@link #recovered()}. */
  private final Map<String, Long> storedDrainStarts = new HashMap<>();

  private final Core core;
  private final Map<String, SlaCoordinator> coordinators;
  private final Optional<Duration> drainTimeout;
  /**
   * When each DRAINING host started draining (or the scheduler started, for a drain recovered from
   * storage that did not record its start).
   */
  private final Map<String, Long> drainingSince = new HashMap<>();
  /** Tasks whose coordinator was asked and has not answered. */
  private final Set<TaskId> asking = new HashSet<>();
  /** Tasks their coordinator let go, not yet drained. */
  private final Set<TaskId> approved = new HashSet<>();
  /** Tasks their coordinator refused, with when it may be asked again. */
  private final Map<TaskId, Long> refusedUntil = new HashMap<>();
  private boolean recheckQueued;
  private final int minHealthyInstances;
  private final double minHealthyFraction;
  private final TreeSet<String> draining = new TreeSet<>();
  private final Counter drained;
  private boolean checkQueued;
  private volatile int drainingCount;

  /** A controller with the drain SLA: {@code minHealthyInstances} and {@code minHealthyFraction}. */
  public MaintenanceController(Core core, int minHealthyInstances, double minHealthyFraction,
      MeterRegistry registry) {
    this(core, minHealthyInstances, minHealthyFraction, Map.of(), Optional.empty(), registry);
  }

  /** A controller with the drain SLA, the jobs' coordinators by name, and a drain timeout if any. */
  public MaintenanceController(Core core, int minHealthyInstances, double minHealthyFraction,
      Map<String, SlaCoordinator> coordinators, Optional<Duration> drainTimeout, MeterRegistry registry) {
    this(core, minHealthyInstances, minHealthyFraction, coordinators, drainTimeout, RECHECK, registry);
  }

  /**
   * A controller with the drain SLA, the jobs' coordinators by name, a drain timeout if any, and how
   * soon a held-back drain looks again.
   */
  public MaintenanceController(Core core, int minHealthyInstances, double minHealthyFraction,
      Map<String, SlaCoordinator> coordinators, Optional<Duration> drainTimeout, Duration recheck,
      MeterRegistry registry) {
    this.core = core;
    this.recheck = recheck;
    this.coordinators = Map.copyOf(coordinators);
    this.drainTimeout = drainTimeout;
    this.minHealthyInstances = minHealthyInstances;
    this.minHealthyFraction = minHealthyFraction;
    this.drained = Counter.builder("aurora.maintenance.tasks.drained")
        .description("tasks killed to drain hosts").register(registry);
    Gauge.builder("aurora.maintenance.hosts.draining", this, c -> c.drainingCount)
        .description("hosts being drained").register(registry);
  }

  /** Moves each host as {@link HostMaintenanceTable} says for a request for {@code requested}. */
  public void set(Set<String> hosts, MaintenanceMode requested) {
    for (String host : new TreeSet<>(hosts)) {
      MaintenanceMode current = core.pool().maintenance(host);
      MaintenanceMode next = HostMaintenanceTable.next(current, requested);
      if (next != current) {
        apply(host, next);
      }
    }
    drain();
    core.requestPass();
  }

  private void apply(String host, MaintenanceMode mode) {
    core.pool().setMaintenance(host, mode);
    core.store(new Op.SaveHostMaintenance(host, mode));
    core.emit(new SchedulerEvent.HostMaintenanceChanged(core.instant(), host, mode));
    if (mode == MaintenanceMode.DRAINING) {
      draining.add(host);
      if (!drainingSince.containsKey(host)) {
        drainingSince.put(host, core.now());
        core.store(new Op.SaveDrainStart(host, core.instant()));
      }
    } else {
      draining.remove(host);
      drainingSince.remove(host);
    }
    drainingCount = draining.size();
  }

  /** Drains what the SLA allows from every DRAINING host; empty ones become DRAINED. */
  void drain() {
    if (draining.isEmpty()) {
      return;
    }
    Map<String, List<ScheduledTask>> onHost = new HashMap<>();
    for (ScheduledTask t : core.tasks()) {
      if (t.status().isOnAgent() && t.host().isPresent() && draining.contains(t.host().get())) {
        onHost.computeIfAbsent(t.host().get(), h -> new ArrayList<>()).add(t);
      }
    }
    for (String host : new ArrayList<>(draining)) {
      List<ScheduledTask> tasks = onHost.getOrDefault(host, List.of());
      if (tasks.isEmpty()) {
        if (HostMaintenanceTable.drainMayFinish(core.pool().maintenance(host))) {
          apply(host, MaintenanceMode.DRAINED);
        }
        continue;
      }
      tasks.sort(Comparator.comparing(ScheduledTask::job).thenComparingInt(ScheduledTask::instance));
      boolean forced = drainTimeout.isPresent()
          && core.now() - drainingSince.getOrDefault(host, core.now()) >= drainTimeout.get().toMillis();
      for (ScheduledTask t : tasks) {
        ScheduledTask now = core.task(t.id());
        if (now == null || isKillInFlight(now.status()) || !now.status().isOnAgent()) {
          continue;
        }
        if (forced || slaAllows(now)) {
          approved.remove(now.id());
          core.kill(now, ScheduleStatus.DRAINING, "host " + host + " is drained for maintenance"
              + (forced ? " (forced: the drain timeout passed)" : ""));
          drained.increment();
        } else {
          requestRecheck();
        }
      }
    }
  }

  /** Looks again after the recheck interval: time alone may let a held-back task go. */
  private void requestRecheck() {
    if (!recheckQueued) {
      recheckQueued = true;
      core.schedule(recheck, () -> {
        recheckQueued = false;
        drain();
      });
    }
  }

  /** Whether draining {@code t} keeps its job within the drain SLA (its own policy, else the scheduler's). */
  private boolean slaAllows(ScheduledTask t) {
    JobState job = core.job(t.job());
    if (job == null || !t.isRunningAndHealthy()) {
      return true;
    }
    Optional<SlaPolicy> policy = job.config().task().slaPolicy();
    if (policy.isPresent()) {
      return policyAllows(job, t, policy.get());
    }
    int required = required(job.config().instances());
    int healthyOthers = 0;
    for (TaskId id : job.active()) {
      ScheduledTask other = core.task(id);
      if (other != null && !other.id().equals(t.id()) && other.isRunningAndHealthy()) {
        healthyOthers++;
      }
    }
    return healthyOthers >= required;
  }

  private boolean policyAllows(JobState job, ScheduledTask t, SlaPolicy policy) {
    int instances = job.config().instances();
    switch (policy.kind()) {
      case COUNT -> {
        return instances - upOthers(job, t, policy) <= policy.count();
      }
      case PERCENTAGE -> {
        return upOthers(job, t, policy) >= (int) Math.ceil(policy.percentage() / 100.0 * instances - 1e-9);
      }
      default -> {
        return coordinatorAllows(t, policy.coordinator().orElseThrow());
      }
    }
  }

  /** How many of the job's instances other than {@code t} are up: running, healthy, long enough. */
  private int upOthers(JobState job, ScheduledTask t, SlaPolicy policy) {
    long minMillis = policy.minRunning().toMillis();
    int up = 0;
    for (TaskId id : job.active()) {
      ScheduledTask other = core.task(id);
      if (other != null && !other.id().equals(t.id()) && other.isRunningAndHealthy()
          && core.now() - runningSince(other) >= minMillis) {
        up++;
      }
    }
    return up;
  }

  /** When the task last became RUNNING. */
  private static long runningSince(ScheduledTask t) {
    long since = Long.MIN_VALUE;
    for (var e : t.events()) {
      if (e.status() == ScheduleStatus.RUNNING) {
        since = e.time().toEpochMilli();
      }
    }
    return since == Long.MIN_VALUE ? Long.MAX_VALUE : since;
  }

  /** Whether the coordinator let {@code t} go; if it has not been asked (or may be asked again), asks it. */
  private boolean coordinatorAllows(ScheduledTask t, String name) {
    TaskId id = t.id();
    if (approved.contains(id)) {
      return true;
    }
    if (asking.contains(id) || refusedUntil.getOrDefault(id, Long.MIN_VALUE) > core.now()) {
      return false;
    }
    SlaCoordinator coordinator = coordinators.get(name);
    if (coordinator == null) { // refused at createJob; a job recovered from before the coordinator went
      refusedUntil.put(id, core.now() + recheck.toMillis());
      return false;
    }
    asking.add(id);
    core.afterCommit(() -> {
      try {
        coordinator.mayDrain(t).whenComplete((ok, error) -> core.submit(() -> answered(id, ok, error)));
      } catch (RuntimeException e) {
        core.submit(() -> answered(id, false, e));
      }
    });
    return false;
  }

  private void answered(TaskId id, Boolean ok, Throwable error) {
    asking.remove(id);
    if (error == null && Boolean.TRUE.equals(ok)) {
      approved.add(id);
      refusedUntil.remove(id);
    } else {
      refusedUntil.put(id, core.now() + recheck.toMillis());
    }
    drain();
  }

  /** How many of a job's other instances must stay running and healthy while one is drained. */
  int required(int instances) {
    int byFraction = (int) Math.ceil(minHealthyFraction * instances - 1e-9);
    return Math.max(0, Math.min(instances - 1, Math.max(minHealthyInstances, byFraction)));
  }

  private static boolean isKillInFlight(ScheduleStatus s) {
    return s == ScheduleStatus.KILLING || s == ScheduleStatus.RESTARTING || s == ScheduleStatus.DRAINING
        || s == ScheduleStatus.PREEMPTING;
  }

  private void requestCheck() {
    if (!checkQueued && !draining.isEmpty()) {
      checkQueued = true;
      core.schedule(Duration.ZERO, () -> {
        checkQueued = false;
        drain();
      });
    }
  }

  // --- CoreListener ---

  @Override
  public void onTransition(ScheduledTask before, ScheduledTask after) {
    if (after.status().isTerminal()) {
      approved.remove(after.id());
      refusedUntil.remove(after.id());
    }
    requestCheck();
  }

  @Override
  public void admitJobChange(JobConfig current, JobConfig proposed) {
    proposed.task().slaPolicy().flatMap(SlaPolicy::coordinator).ifPresent(name -> {
      if (!coordinators.containsKey(name)) {
        throw new AuroraException("task.slaPolicy.coordinator: no SLA coordinator \"" + name
            + "\" is registered on this scheduler" + (coordinators.isEmpty() ? " (none is)"
            : " (registered: " + String.join(", ", new TreeSet<>(coordinators.keySet())) + ")"));
      }
    });
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveDrainStart d) {
      storedDrainStarts.put(d.host(), d.since().toEpochMilli());
      return true;
    }
    return false;
  }

  @Override
  public void snapshot(List<Op> out) {
    for (String host : draining) {
      Long since = drainingSince.get(host);
      if (since != null) {
        out.add(new Op.SaveDrainStart(host, java.time.Instant.ofEpochMilli(since)));
      }
    }
  }

  @Override
  public void recovered() {
    draining.clear();
    drainingSince.clear();
    core.pool().maintenance().forEach((host, mode) -> {
      if (mode == MaintenanceMode.DRAINING) {
        draining.add(host);
        // storage written before drain starts were stored has none: count from now, as before
        drainingSince.put(host, storedDrainStarts.getOrDefault(host, core.now()));
      }
    });
    storedDrainStarts.clear();
    drainingCount = draining.size();
    checkQueued = false;
    requestCheck();
  }
}
