package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.JobKey;

/** An operation named a job the scheduler does not have. */
public class NoSuchJobException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient JobKey job;

  /** Creates the exception for {@code job}. */
  public NoSuchJobException(JobKey job) {
    super("no such job: " + job);
    this.job = job;
  }

  /**
   * Creates the exception for {@code job} with a message that says more, e.g. that it was killed
   * while something awaited it.
   */
  public NoSuchJobException(JobKey job, String message) {
    super(message);
    this.job = job;
  }

  /** The job that does not exist. */
  public JobKey job() {
    return job;
  }
}
