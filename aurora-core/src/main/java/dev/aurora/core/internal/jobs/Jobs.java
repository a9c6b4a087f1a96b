package dev.aurora.core.internal.jobs;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.JobSla;
import dev.aurora.core.NoSuchInstanceException;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.Op;
import dev.aurora.core.PendingReason;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateInProgressException;
import dev.aurora.core.internal.lifecycle.TaskLifecycle;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.tx.Transactions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The jobs as users change and read them: created, killed, grown, shrunk, restarted; their tasks
 * queried and their pending tasks explained. Runs on the state loop inside a transaction, after the
 * caller was authorized; throws (changing nothing) on a request that cannot be met.
 */
public final class Jobs {
  private final SchedulerState state;
  private final Map<JobKey, JobState> jobs;
  private final Transactions tx;
  private final TaskLifecycle lifecycle;
  private final PlacementCoordinator placement;
  private final Function<JobKey, Optional<UpdateId>> activeUpdate;

  /** @param activeUpdate the job's active rolling update, if any */
  public Jobs(SchedulerState state, Transactions tx, TaskLifecycle lifecycle, PlacementCoordinator placement,
      Function<JobKey, Optional<UpdateId>> activeUpdate) {
    this.state = state;
    this.jobs = state.jobs();
    this.tx = tx;
    this.lifecycle = lifecycle;
    this.placement = placement;
    this.activeUpdate = activeUpdate;
  }

  /** Creates a job and (unless it is a cron job) its tasks. */
  public void create(JobConfig job, Principal by) {
    checkCreate(job);
    insert(job, by);
  }

  /**
   * Throws, changing nothing, if {@code job} cannot be created now: a job with its key exists, it has
   * no instance and is not a service, or a listener refuses it (quota, dedicated hosts, SLA
   * coordinator).
   */
  public void checkCreate(JobConfig job) {
    if (jobs.containsKey(job.key())) {
      throw new JobConflictException(job.key(), "a job with this key exists already");
    }
    if (job.instances() == 0 && !job.isService()) {
      throw new InvalidConfigException("instances: a " + (job.isCron() ? "cron" : "one-off")
          + " job needs at least 1 instance, was 0 (only a service may have 0)");
    }
    state.listeners().forEach(l -> l.admitJobChange(null, job));
  }

  /** Makes room for {@code tasks} tasks about to be created (a batch of jobs), rehashing the task map once. */
  public void reserveTasks(int tasks) {
    state.reserveTasks(tasks);
  }

  /** Creates a job that {@link #checkCreate} admitted, and (unless it is a cron job) its tasks. */
  public void insert(JobConfig job, Principal by) {
    JobState created = new JobState(job, state.pool(), state::task);
    jobs.put(job.key(), created);
    tx.store(new Op.SaveJob(job));
    tx.emit(new SchedulerEvent.JobCreated(tx.instant(), job.key(), by));
    if (!job.isCron()) {
      state.reserveTasks(job.instances());
      tx.expectCreated(job.instances());
      lifecycle.createTasks(created, 0, job.instances(), job.task());
    }
    state.listeners().forEach(l -> l.jobSaved(job, true));
  }

  /** Kills every task of a job and removes it. */
  public void kill(JobKey key, Principal by) {
    JobState job = require(key);
    for (TaskId id : new ArrayList<>(job.active())) {
      lifecycle.killTask(state.task(id), ScheduleStatus.KILLING, "killed by " + by);
    }
    jobs.remove(key);
    tx.store(new Op.RemoveJob(key));
    tx.emit(new SchedulerEvent.JobKilled(tx.instant(), key, by));
    state.listeners().forEach(l -> l.jobRemoved(key));
  }

  /** Kills instances of a job for good; the job keeps the instances left. */
  public void killInstances(JobKey key, Set<Integer> instances, Principal by) {
    JobState job = require(key);
    refuseDuringUpdate(key);
    requireInstances(job, instances);
    for (int i : new TreeSet<>(instances)) {
      lifecycle.killTask(state.task(job.activeByInstance().get(i)), ScheduleStatus.KILLING, "killed by " + by);
    }
    // A cron job's template stays as it is: the next run launches every instance again. Any other job
    // keeps its config with the instances left (a service may scale to 0; killJob removes a job).
    if (!job.config().isCron()) {
      saveConfig(job, job.config().withInstances(liveInstances(job)));
    }
    tx.emit(new SchedulerEvent.JobChanged(tx.instant(), key, by, "killed instances " + new TreeSet<>(instances)));
    if (!job.config().isService() && !job.config().isCron() && job.active().isEmpty()) {
      lifecycle.finishJob(job); // a one-off job with nothing left to run ends, as when its instances end on their own
    }
  }

  /** Restarts instances of a job: each task on an agent is killed and replaced. */
  public void restartInstances(JobKey key, Set<Integer> instances, Principal by) {
    JobState job = require(key);
    requireInstances(job, instances);
    for (int i : new TreeSet<>(instances)) {
      ScheduledTask t = state.task(job.activeByInstance().get(i));
      if (t.status().isOnAgent() && !TaskLifecycle.isKillInFlight(t.status())) {
        lifecycle.killTask(t, ScheduleStatus.RESTARTING, "restarted by " + by);
      }
    }
  }

  /**
   * Clears the job's crash loops: each instance held THROTTLED in a crash loop is replaced at once by
   * a PENDING task that starts its flap count anew. Returns how many were cleared.
   */
  public int clearCrashLoop(JobKey key, Principal by) {
    JobState job = require(key);
    List<ScheduledTask> looping = new ArrayList<>();
    for (TaskId id : job.active()) {
      ScheduledTask t = state.task(id);
      if (t.status() == ScheduleStatus.THROTTLED && TaskLifecycle.isCrashLoop(t.config(), t.flapCount())) {
        looping.add(t);
      }
    }
    looping.sort(java.util.Comparator.comparingInt(ScheduledTask::instance));
    for (ScheduledTask t : looping) {
      lifecycle.killTask(t, ScheduleStatus.RESTARTING, "crash loop cleared by " + by);
    }
    return looping.size();
  }

  /** Adds {@code count} instances after the job's highest live one. */
  public void addInstances(JobKey key, int count, Principal by) {
    JobState job = require(key);
    refuseDuringUpdate(key);
    if (job.config().isCron()) {
      throw new JobConflictException(key, "add instances to a cron job by replacing its config");
    }
    int next = job.activeByInstance().entrySet().stream()
        .filter(e -> state.task(e.getValue()).status() != ScheduleStatus.KILLING)
        .mapToInt(Map.Entry::getKey).max().orElse(-1) + 1;
    JobConfig updated = job.config().withInstances(liveInstances(job) + count);
    state.listeners().forEach(l -> l.admitJobChange(job.config(), updated));
    saveConfig(job, updated);
    state.reserveTasks(count);
    for (int i = next; i < next + count; i++) {
      lifecycle.createTask(job, i, updated.task());
    }
    tx.emit(new SchedulerEvent.JobChanged(tx.instant(), key, by, "added " + count + " instances"));
  }

  /** Replaces a job's config (stored). */
  public void saveConfig(JobState job, JobConfig config) {
    job.setConfig(config);
    tx.store(new Op.SaveJob(config));
  }

  /** The job, or {@link NoSuchJobException}. */
  public JobState require(JobKey key) {
    JobState job = jobs.get(Objects.requireNonNull(key, "job key"));
    if (job == null) {
      throw new NoSuchJobException(key);
    }
    return job;
  }

  private static void requireInstances(JobState job, Set<Integer> instances) {
    List<Integer> missing = instances.stream().filter(i -> !job.activeByInstance().containsKey(i)).sorted().toList();
    if (!missing.isEmpty()) {
      throw new NoSuchInstanceException(job.config().key(), missing);
    }
  }

  /** Refuses a change of a job's instances while an update moves them: the update would undo it. */
  private void refuseDuringUpdate(JobKey key) {
    Optional<UpdateId> active = activeUpdate.apply(key);
    if (active.isPresent() && !dev.aurora.core.internal.Mutations.on("instance-changes-during-update")) {
      throw new UpdateInProgressException(key, active.get());
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

  /** The tasks {@code query} selects, by job, instance and id. */
  public List<ScheduledTask> tasks(TaskQuery query) {
    List<ScheduledTask> out = new ArrayList<>();
    Optional<JobKey> key = query.jobKey();
    if (key.isPresent()) {
      JobState job = jobs.get(key.get());
      if (job != null) {
        addMatching(query, job.active(), out);
      }
      addMatching(query, state.history(key.get()), out);
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
  }

  private void addMatching(TaskQuery query, Iterable<TaskId> ids, List<ScheduledTask> out) {
    for (TaskId id : ids) {
      ScheduledTask t = state.task(id);
      if (t != null && query.test(t)) {
        out.add(t);
      }
    }
  }

  /** The job's SLA figures from its active tasks and its history; see {@link JobSla}. */
  public JobSla sla(JobKey key) {
    JobState job = require(key);
    long now = tx.now();
    List<ScheduledTask> active = new ArrayList<>();
    for (TaskId id : job.active()) {
      ScheduledTask t = state.task(id);
      if (t != null) {
        active.add(t);
      }
    }
    List<ScheduledTask> all = new ArrayList<>(active);
    for (TaskId id : state.history(key)) {
      ScheduledTask t = state.task(id);
      if (t != null) {
        all.add(t);
      }
    }
    List<Long> ups = new ArrayList<>();
    for (ScheduledTask t : active) {
      if (t.status() == ScheduleStatus.RUNNING) {
        ups.add(now - lastTimeOf(t, ScheduleStatus.RUNNING));
      }
    }
    int running = ups.size();
    while (ups.size() < job.config().instances()) {
      ups.add(0L); // an instance not running has been up for no time
    }
    ups.sort(Comparator.reverseOrder());
    Map<Integer, Duration> uptimes = new java.util.LinkedHashMap<>();
    for (int p : JobSla.PERCENTILES) {
      int index = Math.max(0, (int) Math.ceil(p / 100.0 * ups.size() - 1e-9) - 1);
      uptimes.put(p, ups.isEmpty() ? Duration.ZERO : Duration.ofMillis(ups.get(index)));
    }
    long assignSum = 0;
    int assigned = 0;
    long runSum = 0;
    int ran = 0;
    int jobFailures = 0;
    int platformFailures = 0;
    for (ScheduledTask t : all) {
      long pending = firstTimeOf(t, ScheduleStatus.PENDING);
      long assignedAt = firstTimeOf(t, ScheduleStatus.ASSIGNED);
      long runningAt = firstTimeOf(t, ScheduleStatus.RUNNING);
      if (pending >= 0 && assignedAt >= pending) {
        assignSum += assignedAt - pending;
        assigned++;
      }
      if (pending >= 0 && runningAt >= pending) {
        runSum += runningAt - pending;
        ran++;
      }
      jobFailures += t.status() == ScheduleStatus.FAILED ? 1 : 0;
      platformFailures += t.status() == ScheduleStatus.LOST ? 1 : 0;
    }
    return new JobSla(key, tx.instant(), job.config().instances(), running, java.util.Collections.unmodifiableMap(uptimes),
        assigned == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(assignSum / assigned)),
        ran == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(runSum / ran)), jobFailures, platformFailures);
  }

  private static long firstTimeOf(ScheduledTask t, ScheduleStatus s) {
    for (var e : t.events()) {
      if (e.status() == s) {
        return e.time().toEpochMilli();
      }
    }
    return -1;
  }

  private static long lastTimeOf(ScheduledTask t, ScheduleStatus s) {
    long last = -1;
    for (var e : t.events()) {
      if (e.status() == s) {
        last = e.time().toEpochMilli();
      }
    }
    return last;
  }

  /** Why the job's tasks are pending (its first pending group in placement order), or throttled. */
  public PendingReason whyPending(JobKey key) {
    JobState job = require(key);
    Optional<PendingReason> pending = placement.diagnoseJob(key);
    if (pending.isPresent()) {
      return pending.get();
    }
    int throttled = 0;
    int looping = 0;
    for (TaskId id : job.active()) {
      ScheduledTask t = state.task(id);
      if (t.status() == ScheduleStatus.THROTTLED) {
        throttled++;
        looping += TaskLifecycle.isCrashLoop(t.config(), t.flapCount()) ? 1 : 0;
      }
    }
    if (looping > 0) {
      return new PendingReason(throttled, Map.of(), looping + " tasks in a crash loop, held until an operator"
          + " clears it (clearCrashLoop)" + (throttled > looping ? "; " + (throttled - looping)
          + " throttled after flapping" : ""));
    }
    return new PendingReason(throttled, Map.of(), throttled > 0
        ? throttled + " tasks throttled after flapping; they become pending after their penalty"
        : "no pending tasks");
  }

  /** Why a task is pending, or what it is instead. */
  public PendingReason whyPending(TaskId id) {
    ScheduledTask t = state.task(id);
    if (t == null) {
      return new PendingReason(0, Map.of(), "no such task: " + id);
    }
    if (t.status() == ScheduleStatus.THROTTLED && TaskLifecycle.isCrashLoop(t.config(), t.flapCount())) {
      return new PendingReason(1, Map.of(), "in a crash loop; held until an operator clears it (clearCrashLoop)");
    }
    if (t.status() == ScheduleStatus.THROTTLED) {
      return new PendingReason(1, Map.of(), "throttled after flapping; pending again after its penalty");
    }
    if (t.status() != ScheduleStatus.PENDING) {
      return new PendingReason(0, Map.of(), "task is " + t.status() + ", not pending");
    }
    return placement.diagnose(t);
  }
}
