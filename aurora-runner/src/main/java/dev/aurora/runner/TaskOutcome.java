package dev.aurora.runner;

import java.util.Objects;

/**
 * How a task's graph ended: its state, a message, and whether SIGKILL had to be sent to end a
 * process that SIGTERM (or the HTTP lifecycle) did not.
 *
 * @param state how it ended
 * @param message why, in words, e.g. {@code process 'serve' exited 0, the last of 3}
 * @param forced whether some process had to be sent SIGKILL after the grace period
 */
public record TaskOutcome(State state, String message, boolean forced) {

  /** How a task's graph ended. */
  public enum State {
    /** Every process that is neither ephemeral, daemon nor finalizer succeeded. */
    SUCCEEDED,
    /** A process failed for good (used up its {@code maxFailures}), or could not be run. */
    FAILED,
    /** Killed on request. */
    KILLED
  }

  /** Checks that nothing is null. */
  public TaskOutcome {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(message, "message");
  }
}
