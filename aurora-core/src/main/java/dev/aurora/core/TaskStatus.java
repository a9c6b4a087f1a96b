package dev.aurora.core;

import dev.aurora.api.TaskId;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A backend's report on one task: its state ({@link ScheduleStatus#STARTING}, {@code RUNNING}, {@code
 * FINISHED}, {@code FAILED}, {@code KILLED}, {@code LOST}, or {@code PARTITIONED} for a task whose
 * agent cannot be reached: see {@link #unreachable}), a message saying why, and, for a running task
 * with a health check, whether it is healthy. Duplicate and stale reports are harmless.
 */
@Value.Immutable
public abstract class TaskStatus {
  /** The task reported on. */
  @Value.Parameter
  public abstract TaskId taskId();

  /** The state the backend saw. */
  @Value.Parameter
  public abstract ScheduleStatus state();

  /** Why, in words (exit code, signal, "agent lost", ...); may be empty. */
  @Value.Default
  public String message() {
    return "";
  }

  /** For a running task with a health check: whether its last checks pass. */
  public abstract Optional<Boolean> healthy();

  /**
   * The latest state of the task's processes that this report carries (see {@link ProcessRecord}); the
   * scheduler keeps the latest record of each process with the task ({@link ScheduledTask#processes()}).
   * Any report may carry them, e.g. a task's end with its processes' ends.
   */
  @Value.Default
  public java.util.List<ProcessRecord> processes() {
    return java.util.List.of();
  }

  /**
   * Whether this report only carries {@link #processes()}: the scheduler records them and ignores the
   * report's state (see {@link #processes(TaskId, java.util.List)}).
   */
  @Value.Default
  public boolean processesOnly() {
    return false;
  }

  /**
   * A report of the processes of a task only (a process started, ended or is waiting to run again): the
   * task's own state is not changed by it.
   */
  public static TaskStatus processes(TaskId taskId, java.util.List<ProcessRecord> processes) {
    return ImmutableTaskStatus.builder().taskId(taskId).state(ScheduleStatus.RUNNING).processesOnly(true)
        .processes(processes).build();
  }

  /** A report with a message. */
  public static TaskStatus of(TaskId taskId, ScheduleStatus state, String message) {
    return ImmutableTaskStatus.builder().taskId(taskId).state(state).message(message).build();
  }

  /** A health report on a running task. */
  public static TaskStatus health(TaskId taskId, boolean healthy, String message) {
    return ImmutableTaskStatus.builder().taskId(taskId).state(ScheduleStatus.RUNNING).healthy(healthy)
        .message(message).build();
  }

  /**
   * A task the backend cannot reach (its agent is partitioned away; Mesos' {@code TASK_UNREACHABLE}):
   * it may still run. The task goes {@link ScheduleStatus#PARTITIONED} and its job's partition policy
   * decides whether and when it is replaced; a later RUNNING report brings it back.
   */
  public static TaskStatus unreachable(TaskId taskId, String message) {
    return of(taskId, ScheduleStatus.PARTITIONED, message);
  }

  @Value.Check
  protected void check() {
    switch (state()) {
      case STARTING, RUNNING, FINISHED, FAILED, KILLED, LOST, PARTITIONED -> { }
      default -> throw new IllegalArgumentException(
          "a backend reports STARTING, RUNNING, FINISHED, FAILED, KILLED, LOST or PARTITIONED, not " + state());
    }
  }
}
