package dev.aurora.api;

/** What a cron firing does when the previous run of the job is still active. */
public enum CronCollisionPolicy {
  /** Kill the previous run, then start the new one (Aurora's default). */
  KILL_EXISTING,
  /** Skip this firing; the previous run goes on. */
  CANCEL_NEW,
  /** Start the new run beside the previous one. */
  RUN_OVERLAP
}
