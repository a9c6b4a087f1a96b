package dev.aurora.core;

import dev.aurora.api.JobKey;

/** A job has an active update already; only one may run at a time. Nothing was changed. */
public class UpdateInProgressException extends JobConflictException {
  private static final long serialVersionUID = 1L;
  private final transient UpdateId active;

  /** Creates the exception naming the active update. */
  public UpdateInProgressException(JobKey job, UpdateId active) {
    super(job, "update " + active + " is in progress; pause, abort or wait for it first");
    this.active = active;
  }

  /** The update in progress. */
  public UpdateId activeUpdate() {
    return active;
  }
}
