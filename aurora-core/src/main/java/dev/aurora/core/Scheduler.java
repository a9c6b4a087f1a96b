package dev.aurora.core;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

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
 *
 * <p><b>Waiting.</b> The {@code when...} methods ({@link #whenRolledForward}, {@link #whenHealthy},
 * {@link #whenFinished}, ...) return a future of something happening, instead of a polling loop. A
 * future is completed on the state loop (or at once, if the thing has happened already), so a stage
 * added with {@code thenApply}/{@code thenAccept} runs there and must be quick: use the {@code Async}
 * forms for anything slow. Bound each wait ({@code get(timeout, unit)} or {@code orTimeout}); cancelling
 * a future or its timing out ends its subscription. If the scheduler stops (closed, or after a storage
 * failure) before the thing happens, the future completes exceptionally with an {@link
 * IllegalStateException}. docs/reading-and-watching.md has the table of waits.
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
   * Whether this scheduler leads, and so schedules (see {@link SchedulerBuilder#leaderElection}). A
   * scheduler without a leader election always leads once started. While it does not lead, every
   * operation and read throws {@link NotLeaderException}.
   */
  default boolean isLeader() {
    return true;
  }

  /**
   * The address of the scheduler that leads now, as it declared it to its {@link LeaderElection} (for
   * example {@code "host:8081"}), if known: where a non-leader sends its callers.
   */
  default Optional<String> leader() {
    return Optional.empty();
  }

  /**
   * Creates a job: a service or one-off job's instances become PENDING at once; a cron job waits for
   * its schedule. A service may be created with 0 instances (and scaled up with {@link #addInstances}).
   *
   * @throws JobConflictException if a job with the key exists
   * @throws dev.aurora.api.InvalidConfigException if a one-off or cron job has 0 instances
   */
  void createJob(JobConfig job, Principal by);

  /**
   * Creates a batch of jobs at once, all or none: every job is checked first as {@link #createJob}
   * checks it (authorized for {@code by} on its role, the action being {@code createJobs}; no job with
   * its key; a valid config for this scheduler), the keys must differ within the batch, and each
   * role's quota must cover the sum of the batch's jobs of that role. If anything is wrong, nothing is
   * created and one {@link JobsRefusedException} names every problem of every job. Otherwise every job
   * is created in one transaction stored with one append, so a crash keeps all of them or none; each
   * is audited on its own and announced ({@link SchedulerEvent.JobCreated}) as a single {@code
   * createJob} is.
   *
   * <p>A client creating many jobs calls this instead of {@code createJob} in a loop: one round trip
   * to the state loop and one storage write instead of one per job. An empty batch does nothing.
   *
   * @throws JobsRefusedException if any job of the batch cannot be created; nothing was changed
   * @throws UnsupportedOperationException if this scheduler does not implement batches (the default)
   */
  default void createJobs(List<JobConfig> jobs, Principal by) {
    throw new UnsupportedOperationException("createJobs is not supported by " + getClass().getName());
  }

  /** Kills every task of a job and removes the job (a cron job is descheduled). */
  void killJob(JobKey job, Principal by);

  /**
   * Kills these instances and removes them from the job; the other instances keep their ids. It never
   * deletes the job ({@link #killJob} does):
   *
   * <ul>
   *   <li>a service's config counts the instances left, 0 included: killing every instance keeps the
   *       job and its config with 0 instances, and {@link #addInstances} scales it up again;
   *   <li>a one-off job's config counts the instances still running; once nothing of it runs, it ends
   *       as one-off jobs do, with {@link SchedulerEvent.JobFinished} (killed instances among the
   *       failed);
   *   <li>a cron job's template is left as it is: only the current run's tasks are killed, and the next
   *       run launches every instance.
   * </ul>
   *
   * @throws NoSuchInstanceException if a named instance has no active task (naming every such
   *     instance); nothing is killed
   * @throws UpdateInProgressException while the job has an active rolling update, which would undo
   *     the change; nothing is changed
   */
  void killInstances(JobKey job, Set<Integer> instances, Principal by);

  /**
   * Restarts these instances: each task is killed and replaced by a new one with the same config.
   *
   * @throws NoSuchInstanceException if a named instance has no active task (naming every such
   *     instance); nothing is restarted
   */
  void restartInstances(JobKey job, Set<Integer> instances, Principal by);

  /**
   * Clears the job's crash loops: each instance held THROTTLED because it flapped its {@code
   * RestartPolicy.crashLoopAfter} times in a row is replaced at once by a PENDING task whose flap
   * count starts anew. A job with none is left as it is.
   *
   * @throws NoSuchJobException if the job does not exist
   */
  default void clearCrashLoop(JobKey job, Principal by) {
    throw new UnsupportedOperationException("clearCrashLoop is not supported by " + getClass().getName());
  }

  /**
   * Adds {@code count} instances with the job's current config, after the highest instance id.
   *
   * @throws UpdateInProgressException while the job has an active rolling update, which would undo
   *     the change; nothing is changed
   */
  void addInstances(JobKey job, int count, Principal by);

  /**
   * Moves hosts through maintenance; hosts in any mode but NONE take no new tasks. SCHEDULED announces
   * maintenance; DRAINING (or DRAINED, which means the same request) moves the hosts' tasks elsewhere
   * as fast as each job's drain SLA allows ({@link SchedulerBuilder#drainSla}), and each host becomes
   * DRAINED once empty; NONE ends maintenance and returns the hosts to service. A request for a mode
   * a host is already past leaves it where it is. A cluster-wide action for the {@link Authorizer}.
   */
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

  /**
   * The job's SLA figures, as {@code aurora sla} gives them: uptime percentiles, mean time to assign
   * and to run, job and platform failures; see {@link JobSla}.
   *
   * @throws NoSuchJobException if the job does not exist
   */
  default JobSla jobSla(JobKey job) {
    throw new UnsupportedOperationException("jobSla is not supported by " + getClass().getName());
  }

  /**
   * Why a job's pending tasks are not placed: vetoes by reason with how many agents gave each (for
   * its first pending group in placement order), and the count of all the job's PENDING tasks, even
   * when they have different configs (as during an update).
   */
  PendingReason whyPending(JobKey job);

  /** Why one pending task is not placed. */
  PendingReason whyPending(TaskId task);

  /** The scheduler's events. */
  EventStream events();

  // --- waiting (see "Waiting" above) ---

  /**
   * A future of the update's end, whatever way it ends (ROLLED_FORWARD, ROLLED_BACK, ABORTED, FAILED
   * or ERROR): it completes with the update as it ended. To go on only after a successful update,
   * use {@link #whenRolledForward}.
   *
   * <p>The future completes exceptionally with {@link NoSuchUpdateException} if no update has this
   * id.
   */
  default CompletableFuture<UpdateDetails> whenUpdateEnds(UpdateId update) {
    return dev.aurora.core.internal.events.Waits.updateEnds(this, update, false);
  }

  /**
   * A future of the update's rolling forward: it completes with the update once it is ROLLED_FORWARD,
   * and exceptionally with {@link UpdateFailedException} (holding the update) if it ends any other
   * way: rolled back, aborted, failed or stopped by an error.
   *
   * <pre>{@code
   * UpdateId id = scheduler.startUpdate(key, v2, principal, "ship v2");
   * scheduler.whenRolledForward(id).get(10, TimeUnit.MINUTES);  // throws if it rolled back
   * }</pre>
   *
   * <p>The future completes exceptionally with {@link NoSuchUpdateException} if no update has this
   * id.
   */
  default CompletableFuture<UpdateDetails> whenRolledForward(UpdateId update) {
    return dev.aurora.core.internal.events.Waits.updateEnds(this, update, true);
  }

  /**
   * A future of {@code instances} of the job's instances being RUNNING and healthy at once (any
   * config: during an update old and new count alike): it completes with one such task per instance.
   * 0 completes at once. Completes exceptionally with {@link NoSuchJobException} if the job does not
   * exist or is killed before.
   *
   * @throws IllegalArgumentException if {@code instances} is negative
   */
  default CompletableFuture<List<ScheduledTask>> whenHealthy(JobKey job, int instances) {
    if (instances < 0) {
      throw new IllegalArgumentException("instance count must be >= 0, was " + instances);
    }
    return dev.aurora.core.internal.events.Waits.healthy(this, job, instances);
  }

  /**
   * A future of every instance of the job (as many as its config has at that time) being RUNNING
   * and healthy at once; otherwise as {@link #whenHealthy(JobKey, int)}.
   */
  default CompletableFuture<List<ScheduledTask>> whenHealthy(JobKey job) {
    return dev.aurora.core.internal.events.Waits.healthy(this, job, -1);
  }

  /**
   * A future of a one-off job's end: it completes with the {@link SchedulerEvent.JobFinished} event
   * (which instances exited 0 and which failed for good) once every instance has ended.
   *
   * <p>Await it before the job ends (e.g. right after {@link #createJob}): a finished one-off job is
   * gone, so the future then completes exceptionally with {@link NoSuchJobException}, as it does if
   * the job is killed before it finishes. It completes exceptionally with {@link
   * IllegalArgumentException} for a service or cron job, which never finish.
   */
  default CompletableFuture<SchedulerEvent.JobFinished> whenFinished(JobKey job) {
    return dev.aurora.core.internal.events.Waits.finished(this, job);
  }

  /**
   * A future of a task's end (FINISHED, FAILED, KILLED or LOST): it completes with the task as it
   * ended, e.g. to go on once a kill took effect. Completes exceptionally with {@link
   * java.util.NoSuchElementException} if no task has this id (never created, or pruned from history).
   */
  default CompletableFuture<ScheduledTask> whenTaskEnds(TaskId task) {
    return dev.aurora.core.internal.events.Waits.taskEnds(this, task);
  }

  // --- acting as one principal ---

  /**
   * A view of this scheduler whose operations act as {@code principal}, so it is given once:
   *
   * <pre>{@code
   * ActingScheduler alice = scheduler.as(Principal.of("alice"));
   * alice.createJob(job);
   * alice.pauseUpdate(id);
   * }</pre>
   *
   * <p>Each operation is exactly the explicit one with {@code principal} as {@code by}: authorized and
   * audited as that principal.
   *
   * @throws NullPointerException if {@code principal} is null
   */
  default ActingScheduler as(Principal principal) {
    return new ActingScheduler(this, principal);
  }

  /**
   * Where the output of tasks (each process's standard output and error) can be read: its backend's
   * {@link ClusterBackend#taskOutput()}, empty when the backend keeps none (the default).
   */
  default Optional<TaskOutput> taskOutput() {
    return Optional.empty();
  }

  /**
   * Every agent the scheduler knows, by hostname: attributes, capacity and what this scheduler's
   * tasks hold there, for a utilization view (e.g. allocation per zone and rack). Empty by default
   * (a scheduler that does not track agents).
   */
  default List<AgentUtilization> utilization() {
    return List.of();
  }

  // --- rolling updates ---

  /**
   * Starts a rolling update of {@code job} to {@code to}, with the settings in {@code to.update()}.
   *
   * @see #startUpdate(JobKey, JobConfig, UpdateSettings, Principal, String)
   */
  UpdateId startUpdate(JobKey job, JobConfig to, Principal by, String message);

  /**
   * Starts a rolling update: instances whose config changes are killed and relaunched with the new
   * config batch by batch; instances the new instance count adds or removes are created or killed;
   * instances whose config does not change are left alone. An instance counts as updated once it has
   * been RUNNING and healthy for the watch time.
   *
   * @throws UpdateInProgressException if the job has an active update
   * @throws NoSuchJobException if the job does not exist
   * @throws JobConflictException if {@code to} is for another job, or the job is a cron job
   */
  UpdateId startUpdate(JobKey job, JobConfig to, dev.aurora.api.UpdateSettings settings, Principal by, String message);

  /**
   * Pauses the job's active update; in-flight instances finish, no new ones start. Prefer {@link
   * #pauseUpdate(UpdateId, Principal)}, which cannot reach an update started after you looked.
   */
  void pauseUpdate(JobKey job, Principal by);

  /**
   * Resumes the job's paused update. Prefer {@link #resumeUpdate(UpdateId, Principal)}.
   *
   * @throws JobConflictException if it is not paused
   */
  void resumeUpdate(JobKey job, Principal by);

  /**
   * Stops the job's active update where it is (ABORTED); the job's config returns to the old one.
   * Prefer {@link #abortUpdate(UpdateId, Principal)}.
   */
  void abortUpdate(JobKey job, Principal by);

  /**
   * Rolls the job's active update back: every changed instance returns to the old config. Prefer
   * {@link #rollbackUpdate(UpdateId, Principal)}.
   */
  void rollbackUpdate(JobKey job, Principal by);

  /**
   * Pauses this update; in-flight instances finish, no new ones start. Naming the update, not the job,
   * means the call acts on exactly the update you meant, never on a newer one of the same job.
   *
   * @throws NoSuchUpdateException if no update has this id
   * @throws JobConflictException if the update has ended, or cannot be paused in its state
   */
  void pauseUpdate(UpdateId update, Principal by);

  /**
   * Resumes this paused update.
   *
   * @throws NoSuchUpdateException if no update has this id
   * @throws JobConflictException if the update has ended or is not paused
   */
  void resumeUpdate(UpdateId update, Principal by);

  /**
   * Stops this update where it is (ABORTED); the job's config returns to the old one.
   *
   * @throws NoSuchUpdateException if no update has this id
   * @throws JobConflictException if the update has ended
   */
  void abortUpdate(UpdateId update, Principal by);

  /**
   * Rolls this update back: every changed instance returns to the old config.
   *
   * @throws NoSuchUpdateException if no update has this id
   * @throws JobConflictException if the update has ended or is rolling back already
   */
  void rollbackUpdate(UpdateId update, Principal by);

  /**
   * Pulses an update that has a pulse interval, letting it go on for another interval.
   *
   * @throws JobConflictException if the update has ended or has no pulse interval
   * @throws NoSuchUpdateException if no update has this id
   */
  void pulseUpdate(UpdateId update, Principal by);

  /** One update, active or ended. */
  Optional<UpdateDetails> update(UpdateId update);

  /** The job's updates, newest first. */
  List<UpdateDetails> updates(JobKey job);

  // --- cron jobs ---

  /** Runs a cron job now, as a firing of its schedule would (its collision policy applies). */
  void startCronJob(JobKey job, Principal by);

  /** Replaces a cron job's config (schedule and task); the next firings follow the new schedule. */
  void replaceCronTemplate(JobConfig job, Principal by);

  /** The next {@code count} firing times of a cron job. */
  List<java.time.Instant> nextCronRuns(JobKey job, int count);

  // --- sharing a cluster: quotas, maintenance, audit ---

  /**
   * Sets a role's quota: the most its {@code preferred}-tier jobs may claim (instances times task
   * resources). A role with no quota set has no limit. Later changes that would take the role over
   * it (creating a job, adding instances, an update's peak) throw {@link QuotaExceededException};
   * lowering a quota below what is used stops the role from growing, it kills nothing. A
   * cluster-wide action for the {@link Authorizer}.
   *
   * <pre>{@code
   * scheduler.setQuota("www-data", ResourceQuota.of(40, 80_000, 400_000, 0), operator);
   * }</pre>
   *
   * @throws dev.aurora.api.InvalidConfigException if {@code role} could be no job's role (1 to 64
   *     characters of {@code [A-Za-z0-9_.-]}); nothing changes
   */
  void setQuota(String role, ResourceQuota quota, Principal by);

  /**
   * Removes a role's quota, so the role has no limit again: exactly as if its quota had never been
   * set ({@link #quota} is empty, {@link #quotas} leaves the role out, and no change is refused for
   * quota). To forbid a role any {@code preferred}-tier work, set {@link ResourceQuota#NONE} instead.
   * Stored, so the removal holds after a restart. A cluster-wide action for the {@link Authorizer},
   * like {@link #setQuota}.
   *
   * @throws NoSuchQuotaException if the role has no quota (so a mistyped role is not taken for a
   *     done removal); nothing changes
   * @throws dev.aurora.api.InvalidConfigException if {@code role} could be no job's role; nothing
   *     changes
   */
  void removeQuota(String role, Principal by);

  /** A role's quota; empty when none is set, which means no limit. */
  Optional<ResourceQuota> quota(String role);

  /** Every quota set, by role. */
  Map<String, ResourceQuota> quotas();

  /** What a role's {@code preferred}-tier jobs claim from its quota: instances times task resources. */
  Resources quotaConsumption(String role);

  /**
   * The audit trail: every mutating call (who, what, when, and whether it was done, denied or
   * refused), oldest first; only the newest {@link SchedulerBuilder#auditRetention} entries are kept.
   */
  List<AuditEntry> audit();
}
