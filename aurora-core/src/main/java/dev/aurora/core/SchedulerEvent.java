package dev.aurora.core;

import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import java.time.Instant;
import java.util.List;

/**
 * Something that happened in the scheduler, delivered to subscribers of {@link Scheduler#events()}
 * after it is durable, in the order it happened.
 */
public sealed interface SchedulerEvent {
  /** When it happened, on the scheduler's clock. */
  Instant time();

  /** A task changed state; {@code task} is the snapshot after the change. */
  record TaskStateChanged(Instant time, ScheduledTask task, ScheduleStatus from) implements SchedulerEvent {
    @Override
    public String toString() {
      return time + " " + task.id() + " " + from + " -> " + task.status()
          + (task.lastMessage().isEmpty() ? "" : " (" + task.lastMessage() + ")");
    }
  }

  /** A running task's health changed. */
  record TaskHealthChanged(Instant time, ScheduledTask task, boolean healthy) implements SchedulerEvent {}

  /** A job was created. */
  record JobCreated(Instant time, JobKey job, Principal by) implements SchedulerEvent {}

  /** A job's instance count or config changed. */
  record JobChanged(Instant time, JobKey job, Principal by, String what) implements SchedulerEvent {}

  /** A job was killed and is gone. */
  record JobKilled(Instant time, JobKey job, Principal by) implements SchedulerEvent {}

  /**
   * Every instance of a one-off job ended for good: {@code finished} exited 0, {@code failed} used up
   * their {@code maxTaskFailures}.
   */
  record JobFinished(Instant time, JobKey job, List<Integer> finished, List<Integer> failed) implements SchedulerEvent {}

  /** An agent was lost with the tasks on it. */
  record AgentLost(Instant time, String agentId, int tasksLost) implements SchedulerEvent {}

  /** A rolling update changed state; {@code update} is the snapshot after the change. */
  record UpdateStateChanged(Instant time, UpdateDetails update) implements SchedulerEvent {}

  /** A cron job fired ({@code launched} false when its collision policy skipped the run). */
  record CronFired(Instant time, JobKey job, boolean launched, String message) implements SchedulerEvent {}

  /** A host's maintenance mode changed. */
  record HostMaintenanceChanged(Instant time, String host, MaintenanceMode mode) implements SchedulerEvent {}

  // --- sharing a cluster: quotas, preemption ---

  /**
   * Tasks were preempted to make room for a more important pending task: {@code victims} on {@code
   * host} go PREEMPTING and are replaced as usual; the host is held for the preemptor for a while.
   *
   * @param preemptor the pending task the room is for
   * @param preemptorJob its job
   * @param host where the room is made
   * @param victims the tasks killed for it
   * @param reason why they may be preempted, e.g. {@code preferred over preemptible}
   */
  record TasksPreempted(Instant time, TaskId preemptor, JobKey preemptorJob, String host, List<TaskId> victims,
      String reason) implements SchedulerEvent {
    /** Copies the victims. */
    public TasksPreempted {
      victims = List.copyOf(victims);
    }
  }

  /** A role's quota was set. */
  record QuotaChanged(Instant time, String role, ResourceQuota quota, Principal by) implements SchedulerEvent {}

  /** A role's quota was removed: the role has no limit again. */
  record QuotaRemoved(Instant time, String role, Principal by) implements SchedulerEvent {}
}
