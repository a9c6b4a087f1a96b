package dev.aurora.core.internal.update;

import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import java.util.Optional;

/** What a transition of an in-flight instance's task, already on the target config, means for its update. */
enum TransitionVerdict {
  /** Nothing the update counts. */
  NONE,
  /** The task ended on its own (not killed on purpose, not lost with its agent): a failure. */
  ENDED,
  /** The running task turned unhealthy: a failure. */
  TURNED_UNHEALTHY;

  static TransitionVerdict of(ScheduledTask before, ScheduledTask after) {
    if (before == null) {
      return NONE; // a task just created neither ended nor turned unhealthy
    }
    ScheduleStatus was = before.status();
    boolean killedOnPurpose = was == ScheduleStatus.KILLING || was == ScheduleStatus.RESTARTING
        || was == ScheduleStatus.DRAINING || was == ScheduleStatus.PREEMPTING || !was.isOnAgent();
    // LOST (agent gone, offer no longer valid) is the infrastructure's doing, not the new config's
    boolean ended = after.status().isTerminal() && !was.isTerminal() && !killedOnPurpose
        && after.status() != ScheduleStatus.LOST;
    boolean turnedUnhealthy = after.status() == ScheduleStatus.RUNNING
        && after.healthy().equals(Optional.of(false)) && !before.healthy().equals(Optional.of(false));
    if (ended) {
      return ENDED;
    }
    return turnedUnhealthy ? TURNED_UNHEALTHY : NONE;
  }
}
