package dev.aurora.core.internal.maintenance;

import dev.aurora.api.TaskId;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
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
import java.util.Map;
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
 */
public final class MaintenanceController implements CoreListener {
  private final Core core;
  private final int minHealthyInstances;
  private final double minHealthyFraction;
  private final TreeSet<String> draining = new TreeSet<>();
  private final Counter drained;
  private boolean checkQueued;
  private volatile int drainingCount;

  /** A controller with the drain SLA: {@code minHealthyInstances} and {@code minHealthyFraction}. */
  public MaintenanceController(Core core, int minHealthyInstances, double minHealthyFraction,
      MeterRegistry registry) {
    this.core = core;
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
    } else {
      draining.remove(host);
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
      for (ScheduledTask t : tasks) {
        ScheduledTask now = core.task(t.id());
        if (now == null || isKillInFlight(now.status()) || !now.status().isOnAgent()) {
          continue;
        }
        if (slaAllows(now)) {
          core.kill(now, ScheduleStatus.DRAINING, "host " + host + " is drained for maintenance");
          drained.increment();
        }
      }
    }
  }

  /** Whether draining {@code t} keeps its job within the drain SLA. */
  private boolean slaAllows(ScheduledTask t) {
    JobState job = core.job(t.job());
    if (job == null || !t.isRunningAndHealthy()) {
      return true;
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
    requestCheck();
  }

  @Override
  public void recovered() {
    draining.clear();
    core.pool().maintenance().forEach((host, mode) -> {
      if (mode == MaintenanceMode.DRAINING) {
        draining.add(host);
      }
    });
    drainingCount = draining.size();
    checkQueued = false;
    requestCheck();
  }
}
