package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.immutables.value.Value;

/**
 * When a cron job runs: a Unix 5-field cron expression ({@code minute hour day-of-month month
 * day-of-week}) evaluated in a time zone, and what to do when a run is still active at the next
 * firing.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableCronSchedule.class)
@JsonDeserialize(as = ImmutableCronSchedule.class)
public abstract class CronSchedule {

  /** The cron expression, e.g. {@code "*&#47;5 * * * *"} or {@code "0 3 * * MON-FRI"}. */
  public abstract String expression();

  /** The zone the expression is read in; UTC unless set. */
  @Value.Default
  public ZoneId timezone() {
    return ZoneOffset.UTC;
  }

  /** What a firing does while the previous run is active; {@code KILL_EXISTING} unless set. */
  @Value.Default
  public CronCollisionPolicy collisionPolicy() {
    return CronCollisionPolicy.KILL_EXISTING;
  }

  /** A schedule in UTC with the default collision policy. */
  public static CronSchedule of(String expression) {
    return ImmutableCronSchedule.builder().expression(expression).build();
  }

  /** A schedule in {@code zone} with {@code policy}. */
  public static CronSchedule of(String expression, ZoneId zone, CronCollisionPolicy policy) {
    return ImmutableCronSchedule.builder()
        .expression(expression)
        .timezone(zone)
        .collisionPolicy(policy)
        .build();
  }
}
