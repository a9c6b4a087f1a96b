package dev.aurora.core;

import dev.aurora.api.JobKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's SLA figures, as {@code aurora sla} gives them, from the tasks the scheduler holds for it (its
 * active tasks and its ended-task history, as far as history is kept).
 *
 * @param job the job
 * @param at when the figures were taken
 * @param instances how many instances the job has
 * @param running how many of them are RUNNING now
 * @param uptimes for each of {@link #PERCENTILES}: the longest time that at least that percentage of
 *     the job's instances have been RUNNING without a break (an instance not running counts as zero)
 * @param meanTimeToAssign the mean time from PENDING to ASSIGNED over the tasks that were assigned
 *     (MTTA); empty if none was
 * @param meanTimeToRun the mean time from PENDING to RUNNING over the tasks that ran (MTTR); empty if
 *     none did
 * @param jobFailures tasks that ended FAILED: the job's own doing
 * @param platformFailures tasks that ended LOST (agent lost, unknown to the backend, partitioned
 *     beyond their policy's wait): the platform's doing
 */
public record JobSla(JobKey job, Instant at, int instances, int running, Map<Integer, Duration> uptimes,
    Optional<Duration> meanTimeToAssign, Optional<Duration> meanTimeToRun, int jobFailures,
    int platformFailures) {

  /** The percentiles of {@link #uptimes()}: 50, 75, 90, 95 and 99. */
  public static final List<Integer> PERCENTILES = List.of(50, 75, 90, 95, 99);

  /** The uptime at {@code percentile}, one of {@link #PERCENTILES}. */
  public Duration uptime(int percentile) {
    Duration d = uptimes.get(percentile);
    if (d == null) {
      throw new IllegalArgumentException("percentile must be one of " + PERCENTILES + ", was " + percentile);
    }
    return d;
  }
}
