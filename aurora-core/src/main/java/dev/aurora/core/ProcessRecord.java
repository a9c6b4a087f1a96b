package dev.aurora.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The latest state of one process of a task, as the task runner reported it: which run of the process
 * (from 1), its state, exit code, start and end times and a message. Kept with the task ({@link
 * ScheduledTask#processes()}) apart from the task's own state history ({@link ScheduledTask#events()}),
 * so readers of the task's states and their times (uptime, SLA figures) are not affected.
 *
 * @param process the process's name
 * @param run which run of the process this is, from 1 (a process restarted after a failure, or a daemon,
 *     runs more than once)
 * @param state the process's state
 * @param exitCode the run's exit code once it ended (128 + n for signal n)
 * @param startedAt when the run started
 * @param endedAt when the run ended
 * @param message what happened, in words (e.g. {@code exited 0}); may be empty
 */
public record ProcessRecord(String process, int run, State state, Optional<Integer> exitCode,
    Optional<Instant> startedAt, Optional<Instant> endedAt, String message) {

  /** A process's state, as the task runner's (Thermos's). */
  public enum State {
    /** Not started yet, or waiting to run again. */
    WAITING,
    /** Running. */
    RUNNING,
    /** Succeeded (exited 0). */
    SUCCESS,
    /** Failed for good (its failures are used up). */
    FAILED,
    /** Stopped by the runner, or never run because the task ended. */
    KILLED;

    /** Whether the process will not run again. */
    public boolean isTerminal() {
      return this == SUCCESS || this == FAILED || this == KILLED;
    }
  }

  /** Checks the fields; absent optionals and a null message become empty. */
  public ProcessRecord {
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(state, "state");
    exitCode = exitCode == null ? Optional.empty() : exitCode;
    startedAt = startedAt == null ? Optional.empty() : startedAt;
    endedAt = endedAt == null ? Optional.empty() : endedAt;
    message = message == null ? "" : message;
    if (run < 0) {
      throw new IllegalArgumentException("run: must be >= 0, was " + run);
    }
  }

  @Override
  public String toString() {
    return process + " run " + run + " " + state + exitCode.map(c -> " exit " + c).orElse("")
        + (message.isEmpty() ? "" : ": " + message);
  }
}
