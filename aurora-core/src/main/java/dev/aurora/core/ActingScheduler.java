package dev.aurora.core;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.UpdateSettings;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Scheduler}'s mutating operations acting as one principal, given once ({@link
 * Scheduler#as}): each method is the scheduler's method of the same name with {@link #principal()} as
 * its {@code by} argument, authorized and audited as that principal. Reads, events and waits need no
 * principal: take them from {@link #scheduler()}.
 *
 * <pre>{@code
 * ActingScheduler alice = scheduler.as(Principal.of("alice"));
 * alice.createJob(job);
 * UpdateId id = alice.startUpdate(job.key(), v2, "ship v2");
 * alice.scheduler().whenRolledForward(id).get(10, TimeUnit.MINUTES);
 * }</pre>
 *
 * <p>A view holds no state of its own: make as many as you like; closing the scheduler ends them all.
 */
public final class ActingScheduler {
  private final Scheduler scheduler;
  private final Principal principal;

  ActingScheduler(Scheduler scheduler, Principal principal) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.principal = Objects.requireNonNull(principal, "principal");
  }

  /** The scheduler acted on: for reads, events and waits. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** Who this view acts as. */
  public Principal principal() {
    return principal;
  }

  /** {@link Scheduler#createJob} as {@link #principal()}. */
  public void createJob(JobConfig job) {
    scheduler.createJob(job, principal);
  }

  /** {@link Scheduler#createJobs} as {@link #principal()}. */
  public void createJobs(List<JobConfig> jobs) {
    scheduler.createJobs(jobs, principal);
  }

  /** {@link Scheduler#killJob} as {@link #principal()}. */
  public void killJob(JobKey job) {
    scheduler.killJob(job, principal);
  }

  /** {@link Scheduler#killInstances} as {@link #principal()}. */
  public void killInstances(JobKey job, Set<Integer> instances) {
    scheduler.killInstances(job, instances, principal);
  }

  /** {@link Scheduler#restartInstances} as {@link #principal()}. */
  public void restartInstances(JobKey job, Set<Integer> instances) {
    scheduler.restartInstances(job, instances, principal);
  }

  /** {@link Scheduler#clearCrashLoop} as {@link #principal()}. */
  public void clearCrashLoop(JobKey job) {
    scheduler.clearCrashLoop(job, principal);
  }

  /** {@link Scheduler#addInstances} as {@link #principal()}. */
  public void addInstances(JobKey job, int count) {
    scheduler.addInstances(job, count, principal);
  }

  /** {@link Scheduler#setMaintenance} as {@link #principal()}. */
  public void setMaintenance(Set<String> hosts, MaintenanceMode mode) {
    scheduler.setMaintenance(hosts, mode, principal);
  }

  /** {@link Scheduler#startUpdate(JobKey, JobConfig, Principal, String)} as {@link #principal()}. */
  public UpdateId startUpdate(JobKey job, JobConfig to, String message) {
    return scheduler.startUpdate(job, to, principal, message);
  }

  /**
   * {@link Scheduler#startUpdate(JobKey, JobConfig, UpdateSettings, Principal, String)} as {@link
   * #principal()}.
   */
  public UpdateId startUpdate(JobKey job, JobConfig to, UpdateSettings settings, String message) {
    return scheduler.startUpdate(job, to, settings, principal, message);
  }

  /** {@link Scheduler#pauseUpdate(UpdateId, Principal)} as {@link #principal()}. */
  public void pauseUpdate(UpdateId update) {
    scheduler.pauseUpdate(update, principal);
  }

  /** {@link Scheduler#resumeUpdate(UpdateId, Principal)} as {@link #principal()}. */
  public void resumeUpdate(UpdateId update) {
    scheduler.resumeUpdate(update, principal);
  }

  /** {@link Scheduler#abortUpdate(UpdateId, Principal)} as {@link #principal()}. */
  public void abortUpdate(UpdateId update) {
    scheduler.abortUpdate(update, principal);
  }

  /** {@link Scheduler#rollbackUpdate(UpdateId, Principal)} as {@link #principal()}. */
  public void rollbackUpdate(UpdateId update) {
    scheduler.rollbackUpdate(update, principal);
  }

  /** {@link Scheduler#pulseUpdate} as {@link #principal()}. */
  public void pulseUpdate(UpdateId update) {
    scheduler.pulseUpdate(update, principal);
  }

  /** {@link Scheduler#startCronJob} as {@link #principal()}. */
  public void startCronJob(JobKey job) {
    scheduler.startCronJob(job, principal);
  }

  /** {@link Scheduler#replaceCronTemplate} as {@link #principal()}. */
  public void replaceCronTemplate(JobConfig job) {
    scheduler.replaceCronTemplate(job, principal);
  }

  /** {@link Scheduler#setQuota} as {@link #principal()}. */
  public void setQuota(String role, ResourceQuota quota) {
    scheduler.setQuota(role, quota, principal);
  }

  /** {@link Scheduler#removeQuota} as {@link #principal()}. */
  public void removeQuota(String role) {
    scheduler.removeQuota(role, principal);
  }

  @Override
  public String toString() {
    return "scheduler acting as " + principal;
  }
}
