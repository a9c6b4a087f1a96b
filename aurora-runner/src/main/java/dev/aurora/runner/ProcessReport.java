package dev.aurora.runner;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A change of one process's state: its name, the run it is about (1 for the first), the state the
 * process is in now, the run's pid, exit code, start and end times where known, and a message.
 *
 * @param process the process's name
 * @param run which run of the process, from 1; 0 for a process that never ran
 * @param state the process's state after this change
 * @param pid the run's pid, once started
 * @param exitCode the run's exit code, once it ended (128 + n for a signal n)
 * @param startedAt when the run started
 * @param endedAt when the run ended
 * @param message what happened, in words
 */
public record ProcessReport(String process, int run, ProcessState state, OptionalLong pid, OptionalInt exitCode,
    Optional<Instant> startedAt, Optional<Instant> endedAt, String message) {

  /** Checks that nothing is null. */
  public ProcessReport {
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(endedAt, "endedAt");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return process + "#" + run + " " + state + (exitCode.isPresent() ? " exit " + exitCode.getAsInt() : "")
        + (message.isEmpty() ? "" : " (" + message + ")");
  }
}
