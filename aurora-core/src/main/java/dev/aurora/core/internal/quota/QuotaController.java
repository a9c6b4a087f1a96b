package dev.aurora.core.internal.quota;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.Tier;
import dev.aurora.core.JobsRefusedException;
import dev.aurora.core.NoSuchQuotaException;
import dev.aurora.core.Op;
import dev.aurora.core.QuotaExceededException;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.state.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Quotas per role and what each role's production work consumes.
 *
 * <p>Only jobs in the {@link Tier#PREFERRED preferred} tier consume quota; a job consumes its
 * instance count times its task's resources (as Aurora counts job configs, not running tasks, so a
 * job's claim does not change as its tasks come and go). A role with no quota set has <em>no
 * limit</em>: quotas are opt-in, so embedded single-user use needs no setup; once an operator sets a
 * role's quota, every change that would take the role over it is refused.
 *
 * <p>A change is checked as an update from the job's current config to the proposed one: what counts
 * is the peak while both may run, instance by instance the larger of the old and the new resources
 * (Aurora's rule for rolling updates). Creating a job is an update from nothing; adding instances an
 * update to more instances of the same config.
 */
public final class QuotaController implements CoreListener {
  private final Core core;
  private final Map<String, ResourceQuota> quotas = new TreeMap<>();
  private final Counter refusals;
  private Function<JobKey, Optional<JobConfig>> updateTargets = key -> Optional.empty();

  /** A controller over {@code core}'s jobs. */
  public QuotaController(Core core, MeterRegistry registry) {
    this.core = core;
    this.refusals = Counter.builder("aurora.quota.refusals")
        .description("changes refused for taking a role over its quota").register(registry);
  }

  /**
   * Tells the controller the config each job is being updated to, if any: while an update runs, the
   * job claims the peak of its current and its new config.
   */
  public void claimsDuringUpdates(Function<JobKey, Optional<JobConfig>> targets) {
    this.updateTargets = Objects.requireNonNull(targets, "targets");
  }

  /** Sets a role's quota (stored, with an event). */
  public void setQuota(String role, ResourceQuota quota, Principal by) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(quota, "quota");
    quotas.put(role, quota);
    core.store(new Op.SaveQuota(role, quota));
    core.emit(new SchedulerEvent.QuotaChanged(core.instant(), role, quota, by));
  }

  /**
   * Removes a role's quota (stored, with an event), returning the role to the state of one whose quota
   * was never set: no limit.
   *
   * @throws NoSuchQuotaException if the role has no quota; nothing changes
   */
  public void removeQuota(String role, Principal by) {
    Objects.requireNonNull(role, "role");
    if (quotas.remove(role) == null) {
      throw new NoSuchQuotaException(role);
    }
    core.store(new Op.RemoveQuota(role));
    core.emit(new SchedulerEvent.QuotaRemoved(core.instant(), role, by));
  }

  /** The role's quota; empty means no limit. */
  public Optional<ResourceQuota> quota(String role) {
    return Optional.ofNullable(quotas.get(role));
  }

  /** Every quota set, by role. */
  public Map<String, ResourceQuota> quotas() {
    return Collections.unmodifiableMap(new TreeMap<>(quotas)); // by role, as it is kept
  }

  /** What the role's preferred-tier jobs consume (a job being updated at the update's peak). */
  public Resources consumption(String role) {
    Resources used = Resources.NONE;
    for (JobState j : core.jobs()) {
      if (j.config().key().role().equals(role)) {
        used = add(used, claim(j.config()));
      }
    }
    return used;
  }

  /**
   * Refuses an update of a job from {@code current} (null for a new job) to {@code proposed} if the
   * role's consumption without the job, plus the update's {@link #peak peak}, would exceed the role's
   * quota. A change that claims nothing more than the job holds now is always allowed.
   *
   * @throws QuotaExceededException naming the role, the quota, what is used and what is asked
   */
  public void checkUpdate(JobConfig current, JobConfig proposed) {
    Objects.requireNonNull(proposed, "proposed");
    String role = proposed.key().role();
    ResourceQuota quota = quotas.get(role);
    if (quota == null) {
      return;
    }
    Resources peak = peak(current, proposed);
    Resources currentUse = current == null ? Resources.NONE : consumption(current);
    Resources asked = growth(currentUse, peak);
    if (asked.isEmpty()) {
      return; // a change that claims nothing more is never refused, even for a role over its quota
    }
    Resources usedByOthers = Resources.NONE;
    for (JobState j : core.jobs()) {
      if (j.config().key().role().equals(role) && !j.config().key().equals(proposed.key())) {
        usedByOthers = add(usedByOthers, claim(j.config()));
      }
    }
    if (!quota.covers(add(usedByOthers, peak))) {
      refusals.increment();
      // Reported as the user sees it: what the role holds now, and what the change adds on top of it
      // (used + asked is the role's peak, since the peak is at least the job's current claim).
      throw new QuotaExceededException(role, quota, add(usedByOthers, currentUse), asked);
    }
  }

  /**
   * For new jobs created together (none of which exists yet), each role's quota against what the
   * role uses plus the sum of its new jobs: one {@link QuotaExceededException} per role over its
   * quota, with the keys of that role's new jobs. Empty if every role fits.
   */
  public List<JobsRefusedException.Refusal> checkNewJobs(
      List<JobConfig> created) {
    Map<String, List<JobConfig>> byRole = new LinkedHashMap<>();
    for (JobConfig job : created) {
      if (quotas.containsKey(job.key().role())) {
        byRole.computeIfAbsent(job.key().role(), r -> new ArrayList<>()).add(job);
      }
    }
    List<JobsRefusedException.Refusal> refused = new ArrayList<>();
    byRole.forEach((role, jobs) -> {
      Resources asked = Resources.NONE;
      for (JobConfig job : jobs) {
        asked = add(asked, peak(null, job));
      }
      if (asked.isEmpty()) {
        return;
      }
      ResourceQuota quota = quotas.get(role);
      Resources used = consumption(role);
      if (!quota.covers(add(used, asked))) {
        refusals.increment();
        refused.add(new JobsRefusedException.Refusal(
            jobs.stream().map(JobConfig::key).toList(), new QuotaExceededException(role, quota, used, asked)));
      }
    });
    return refused;
  }

  /**
   * The most a job consumes while it moves from {@code current} (null: nothing) to {@code
   * proposed}: for each instance, the larger of its old and new resources, field by field.
   */
  public static Resources peak(JobConfig current, JobConfig proposed) {
    int oldN = current == null ? 0 : current.instances();
    int newN = proposed.instances();
    Resources oldR = current == null ? Resources.NONE : perInstance(current.task());
    Resources newR = perInstance(proposed.task());
    int both = Math.min(oldN, newN);
    Resources peak = max(oldR, newR).scale(both);
    if (oldN > both) {
      peak = add(peak, oldR.scale(oldN - both));
    }
    if (newN > both) {
      peak = add(peak, newR.scale(newN - both));
    }
    return peak;
  }

  /** What a job claims now: its consumption, or the peak of its update while one runs. */
  private Resources claim(JobConfig job) {
    Optional<JobConfig> target = updateTargets.apply(job.key());
    return target.isPresent() ? peak(job, target.get()) : consumption(job);
  }

  /** What a job consumes from its role's quota: nothing unless it is in the preferred tier. */
  public static Resources consumption(JobConfig job) {
    return perInstance(job.task()).scale(job.instances());
  }

  private static Resources perInstance(TaskConfig task) {
    if (task.tier() != Tier.PREFERRED) {
      return Resources.NONE;
    }
    Resources r = task.resources();
    return Resources.builder().cpus(r.cpus()).ramMb(r.ramMb()).diskMb(r.diskMb()).gpus(r.gpus()).build();
  }

  private static Resources add(Resources a, Resources b) {
    return a.add(b);
  }

  private static Resources max(Resources a, Resources b) {
    return Resources.builder().cpus(Math.max(a.cpus(), b.cpus())).ramMb(Math.max(a.ramMb(), b.ramMb()))
        .diskMb(Math.max(a.diskMb(), b.diskMb())).gpus(Math.max(a.gpus(), b.gpus())).build();
  }

  /** How much {@code peak} exceeds {@code current}, field by field (never negative). */
  private static Resources growth(Resources current, Resources peak) {
    return Resources.builder()
        .cpus(Math.max(0, Math.round((peak.cpus() - current.cpus()) * 1000) / 1000.0))
        .ramMb(Math.max(0, peak.ramMb() - current.ramMb()))
        .diskMb(Math.max(0, peak.diskMb() - current.diskMb()))
        .gpus(Math.max(0, peak.gpus() - current.gpus())).build();
  }

  // --- CoreListener ---

  /** Refuses a job's creation or growth beyond its role's quota. */
  @Override
  public void admitJobChange(JobConfig current, JobConfig proposed) {
    checkUpdate(current, proposed);
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveQuota q) {
      quotas.put(q.role(), q.quota());
      return true;
    }
    if (op instanceof Op.RemoveQuota r) {
      quotas.remove(r.role());
      return true;
    }
    return false;
  }

  @Override
  public void snapshot(java.util.List<Op> out) {
    quotas.forEach((role, q) -> out.add(new Op.SaveQuota(role, q)));
  }
}
