package dev.aurora.runner;

/** The state of one process of a task, as Thermos names them. */
public enum ProcessState {
  /** Not started yet, or waiting to be started again (a daemon, or a failure with failures left). */
  WAITING,
  /** A run of the process is running. */
  RUNNING,
  /** Its last run exited 0: done for good (not a daemon). */
  SUCCESS,
  /** It has used up its {@code maxFailures}: failed for good. */
  FAILED,
  /** Stopped by the runner (the task was killed, ended, or ran out of finalization time), or never run because of that. */
  KILLED;

  /** Whether the process will not run again. */
  public boolean terminal() {
    return this == SUCCESS || this == FAILED || this == KILLED;
  }
}
