package dev.aurora.mesos.internal;

import dev.aurora.core.ScheduleStatus;
import java.util.Optional;
import org.apache.mesos.v1.Protos.TaskState;

/** How a Mesos task state becomes a core state: in this one method. */
public final class StatusMapping {
  private StatusMapping() {}

  /**
   * The core state for a Mesos task state, or empty for a state the core does not follow (TASK_KILLING:
   * the core knows its kill is in flight).
   */
  public static Optional<ScheduleStatus> toCore(TaskState state) {
    return Optional.ofNullable(switch (state) {
      case TASK_STAGING, TASK_STARTING -> ScheduleStatus.STARTING;
      case TASK_RUNNING -> ScheduleStatus.RUNNING;
      case TASK_KILLING -> null;
      case TASK_FINISHED -> ScheduleStatus.FINISHED;
      case TASK_FAILED, TASK_ERROR -> ScheduleStatus.FAILED;
      case TASK_KILLED -> ScheduleStatus.KILLED;
      case TASK_LOST, TASK_DROPPED, TASK_GONE, TASK_GONE_BY_OPERATOR, TASK_UNKNOWN -> ScheduleStatus.LOST;
      // not lost: the agent may come back; the job's partition policy says how long to wait before
      // replacing the task, and whether to replace it at all (a task back RUNNING in time is kept)
      case TASK_UNREACHABLE -> ScheduleStatus.PARTITIONED;
    });
  }
}
