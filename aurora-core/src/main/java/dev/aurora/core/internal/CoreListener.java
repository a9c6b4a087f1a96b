package dev.aurora.core.internal;

import dev.aurora.core.Op;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.internal.state.JobState;
import java.util.List;

/**
 * What a feature controller hooks into: task transitions, recovery of the ops it owns, snapshots, and
 * the config a replaced instance runs. Called on the state loop inside a transaction.
 */
public interface CoreListener {
  /** A task moved from {@code before} to {@code after} (the creation of a task has no before). */
  default void onTransition(ScheduledTask before, ScheduledTask after) {}

  /** During recovery, an op the core does not interpret itself; return whether this listener took it. */
  default boolean replay(Op op) {
    return false;
  }

  /** Recovery finished: jobs and tasks are in place; timers may be started again. */
  default void recovered() {}

  /** Adds this listener's state to a snapshot being written. */
  default void snapshot(List<Op> out) {}

  /**
   * The config a new task for {@code instance} of {@code job} runs when its previous task is replaced;
   * null to leave the choice to others (the job's current config by default).
   */
  default dev.aurora.api.TaskConfig replacementConfig(JobState job, int instance) {
    return null;
  }

  /** A job was created ({@code created}) or its config replaced. */
  default void jobSaved(dev.aurora.api.JobConfig config, boolean created) {}

  /**
   * A job is about to be created ({@code current} is null) or to grow from {@code current} to {@code
   * proposed}; throw an {@code AuroraException} to refuse, and nothing changes.
   */
  default void admitJobChange(dev.aurora.api.JobConfig current, dev.aurora.api.JobConfig proposed) {}

  /** A job was removed (killed or finished). */
  default void jobRemoved(dev.aurora.api.JobKey job) {}
}
