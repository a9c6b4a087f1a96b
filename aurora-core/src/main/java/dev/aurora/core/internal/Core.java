package dev.aurora.core.internal;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.TaskGroup;
import dev.aurora.core.internal.state.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

/**
 * The scheduler's state as its feature controllers (updates, cron, quotas, preemption, maintenance)
 * see and change it. Every method must be called on the state loop, inside a transaction: ops stored
 * here are committed with the rest of the turn, and side effects run only after the commit.
 */
public interface Core {
  /** Now, in epoch millis, on the scheduler's clock. */
  long now();

  /** Now, on the scheduler's clock. */
  Instant instant();

  /** The scheduler's tunables. */
  Settings settings();

  /** Adds an op to the current transaction. */
  void store(Op op);

  /** Publishes an event after the current transaction commits. */
  void emit(SchedulerEvent event);

  /** Runs {@code action} after the current transaction commits (launches, kills, replies). */
  void afterCommit(Runnable action);

  /** Queues {@code work} for the state loop, from any thread; it runs in a transaction of a later turn. */
  void submit(Runnable work);

  /** Runs {@code work} in a transaction of its own once {@code delay} has passed. */
  StateLoop.Timer schedule(Duration delay, Runnable work);

  /** The job's state, or null. */
  JobState job(JobKey key);

  /** Every job. */
  Collection<JobState> jobs();

  /** A task, or null. */
  ScheduledTask task(TaskId id);

  /** Every task held, active or in history. */
  Collection<ScheduledTask> tasks();

  /** Creates a new PENDING task for an instance of {@code job} running {@code config}. */
  ScheduledTask createTask(JobState job, int instance, TaskConfig config);

  /**
   * Kills a task: one not on an agent ends KILLED at once; one on an agent moves to {@code how}
   * (KILLING ends the instance; RESTARTING, DRAINING and PREEMPTING replace it).
   */
  void kill(ScheduledTask task, ScheduleStatus how, String message);

  /** Replaces a job's config (stored). */
  void saveJob(JobConfig config);

  /** Asks for a placement pass soon. */
  void requestPass();

  /** The agents and their offers. */
  AgentPool pool();

  /**
   * The groups of PENDING tasks (one per job and task config), in no particular order; each lists its
   * tasks in the order they became pending. A live view: do not change tasks while iterating it.
   */
  Collection<TaskGroup> pendingGroups();
}
