package dev.aurora.core;

/** The states of a rolling update, as Aurora's. */
public enum UpdateStatus {
  /** Moving instances to the new config. */
  ROLLING_FORWARD,
  /** Returning changed instances to the old config. */
  ROLLING_BACK,
  /** Paused while rolling forward; resume to go on. */
  ROLL_FORWARD_PAUSED,
  /** Paused while rolling back; resume to go on. */
  ROLL_BACK_PAUSED,
  /** Rolling forward is blocked until a pulse arrives. */
  ROLL_FORWARD_AWAITING_PULSE,
  /** Rolling back is blocked until a pulse arrives. */
  ROLL_BACK_AWAITING_PULSE,
  /** Done: every instance runs the new config. */
  ROLLED_FORWARD,
  /** Done: every changed instance was returned to the old config. */
  ROLLED_BACK,
  /** Stopped by a user; instances stay as they are. */
  ABORTED,
  /** Stopped by an internal error. */
  ERROR,
  /** Too many instances failed and rollback was off (or the rollback failed too). */
  FAILED;

  /** Whether the update has ended. */
  public boolean isTerminal() {
    return this == ROLLED_FORWARD || this == ROLLED_BACK || this == ABORTED || this == ERROR || this == FAILED;
  }

  /** Whether the update is rolling back (running, paused or awaiting a pulse). */
  public boolean isBackward() {
    return this == ROLLING_BACK || this == ROLL_BACK_PAUSED || this == ROLL_BACK_AWAITING_PULSE;
  }

  /** Whether the update is paused by a user. */
  public boolean isPaused() {
    return this == ROLL_FORWARD_PAUSED || this == ROLL_BACK_PAUSED;
  }

  /** Whether the update waits for a pulse. */
  public boolean isAwaitingPulse() {
    return this == ROLL_FORWARD_AWAITING_PULSE || this == ROLL_BACK_AWAITING_PULSE;
  }
}
