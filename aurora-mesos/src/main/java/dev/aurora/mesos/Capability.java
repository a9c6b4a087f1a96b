package dev.aurora.mesos;

/** The framework capabilities the backend can announce when it subscribes (docs/mesos.md). */
public enum Capability {
  /** Subscribe with several roles; offers carry the role they are allocated to. */
  MULTI_ROLE,
  /**
   * Receive TASK_UNREACHABLE, TASK_GONE, TASK_DROPPED and TASK_UNKNOWN instead of TASK_LOST. Until the
   * core has a partition policy each of them ends the task as LOST (docs/mesos.md).
   */
  PARTITION_AWARE,
  /** Receive revocable resources; only revocable-tier tasks use them. */
  REVOCABLE_RESOURCES,
  /** Receive offers from agents with GPUs. */
  GPU_RESOURCES
}
