package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.JobKey;

/**
 * An operation conflicts with the job's current state: creating a job that exists, changing a job
 * that is being killed, naming instances it does not have. Nothing was changed.
 */
public class JobConflictException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient JobKey job;

  /** Creates the exception. */
  public JobConflictException(JobKey job, String message) {
    super(job + ": " + message);
    this.job = job;
  }

  /** The job concerned. */
  public JobKey job() {
    return job;
  }
}
