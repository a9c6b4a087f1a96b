package dev.aurora.core;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An embedded cluster scheduler: it keeps "N of these running, somewhere, forever" on the cluster
 * backend it was built with.
 *
 * <pre>{@code
 * try (Scheduler scheduler = Scheduler.builder()
 *         .backend(LocalBackend.builder().agents(4).build())
 *         .build()) {
 *   scheduler.start();
 *   scheduler.createJob(job, principal);
 *   scheduler.events().subscribe(e -> log.info("{}", e));
 * }
 * }</pre>
 *
 * <p>Every mutating operation is validated whole before anything changes and returns only once its
 * change is durable in {@link Storage}; it either applies entirely or throws and changes nothing.
 * Reads return immutable snapshots and may be called from any thread.
 */
public interface Scheduler extends AutoCloseable {

  /** A builder; {@link SchedulerBuilder#backend} is required, everything else has a default. */
  static SchedulerBuilder builder() {
    return new SchedulerBuilder();
  }

  /**
   * Recovers the stored state, reconciles with the backend, and starts scheduling.
   *
   * @throws IllegalStateException if started already or closed
   */
  void start();

  /** Stops scheduling and closes the backend and storage. Idempotent. */
  @Override
  void close();

  /**
   * Creates a job: a service or one-off job's instances become PENDING at once; a cron job waits for
   * its schedule.
   *
   * @throws JobConflictException if a job with the key exists
   */
  void createJob(JobConfig job, Principal by);

  /** Kills every task of a job and removes the job (a cron job is descheduled). */
  void killJob(JobKey job, Principal by);

  /**
   * Kills these instances and removes them from the job; the other instances keep their ids.
   *
   * @throws JobConflictException if an instance does not exist
   */
  void killInstances(JobKey job, Set<Integer> instances, Principal by);

  /** Restarts these instances: each task is killed and replaced by a new one with the same config. */
  void restartInstances(JobKey job, Set<Integer> instances, Principal by);

  /** Adds {@code count} instances with the job's current config, after the highest instance id. */
  void addInstances(JobKey job, int count, Principal by);

  /** Sets hosts to a maintenance mode: hosts in any mode but NONE take no new tasks. */
  void setMaintenance(Set<String> hosts, MaintenanceMode mode, Principal by);

  /** The maintenance mode of every host not in service. */
  Map<String, MaintenanceMode> maintenance();

  /** A job's current config. */
  Optional<JobConfig> job(JobKey job);

  /** Every job's config, ordered by key. */
  List<JobConfig> jobs();

  /** The tasks matching a query, ordered by job, instance and task id. */
  List<ScheduledTask> tasks(TaskQuery query);

  /** One task, active or in history. */
  Optional<ScheduledTask> task(TaskId id);

  /** Why a job's pending tasks are not placed: vetoes by reason with how many agents gave each. */
  PendingReason whyPending(JobKey job);

  /** Why one pending task is not placed. */
  PendingReason whyPending(TaskId task);

  /** The scheduler's events. */
  EventStream events();
}
