package dev.aurora.core;

/**
 * The states of a task, as Aurora's. A task starts in INIT, waits in PENDING (or THROTTLED after
 * flapping), is ASSIGNED to an agent, goes STARTING and RUNNING, and ends in one of the terminal
 * states. KILLING, RESTARTING, DRAINING and PREEMPTING are kills in flight that differ in what follows
 * them. PARTITIONED is a task on an agent the scheduler cannot reach: its job's partition policy says
 * whether and when it is replaced. The legal moves between them are one table, {@code
 * TaskStateMachine}.
 */
public enum ScheduleStatus {
  /** Created, not yet pending. */
  INIT,
  /** Waiting to be placed. */
  PENDING,
  /** Held back after failing soon after start (flapping), before it is PENDING again. */
  THROTTLED,
  /** Placed on an agent; the launch was sent. */
  ASSIGNED,
  /** The agent is starting it. */
  STARTING,
  /** Running. */
  RUNNING,
  /** Being killed on request; it will not be replaced. */
  KILLING,
  /** Being killed to restart; a new task replaces it. */
  RESTARTING,
  /** Being killed because its host is drained; a new task replaces it elsewhere. */
  DRAINING,
  /** Being killed to make room for a more important task; a new task replaces it. */
  PREEMPTING,
  /** Ended by exiting 0. */
  FINISHED,
  /** Ended by failing. */
  FAILED,
  /** Ended by a kill. */
  KILLED,
  /** Ended because the scheduler lost track of it (agent lost, unknown to the backend). */
  LOST,
  /**
   * On an agent the scheduler cannot reach (a network partition); it may still run. It comes back
   * RUNNING, or becomes LOST (and is replaced) once its job's partition policy stops waiting.
   */
  PARTITIONED;

  /** Whether the task has ended for good. */
  public boolean isTerminal() {
    return this == FINISHED || this == FAILED || this == KILLED || this == LOST;
  }

  /** Whether the task holds (or is about to hold) resources on an agent. */
  public boolean isOnAgent() {
    return switch (this) {
      case ASSIGNED, STARTING, RUNNING, KILLING, RESTARTING, DRAINING, PREEMPTING, PARTITIONED -> true;
      default -> false;
    };
  }

  /** Whether the task is neither ended nor merely created: it counts toward its job's instances. */
  public boolean isActive() {
    return this != INIT && !isTerminal();
  }
}
