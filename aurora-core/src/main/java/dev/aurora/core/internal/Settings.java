package dev.aurora.core.internal;

import java.time.Duration;
import org.immutables.value.Value;

/** The scheduler's tunables, as {@code SchedulerBuilder} set them. */
@Value.Immutable
@Value.Style(visibility = Value.Style.ImplementationVisibility.PACKAGE, overshadowImplementation = true)
public abstract class Settings {
  @Value.Default
  public Duration offerHold() {
    return Duration.ofSeconds(30);
  }

  @Value.Default
  public Duration declineBackoff() {
    return Duration.ofSeconds(5);
  }

  @Value.Default
  public Duration flappingThreshold() {
    return Duration.ofMinutes(5);
  }

  @Value.Default
  public Duration flappingInitialPenalty() {
    return Duration.ofSeconds(30);
  }

  @Value.Default
  public Duration flappingMaxPenalty() {
    return Duration.ofMinutes(5);
  }

  @Value.Default
  public int historyPerJob() {
    return 100;
  }

  @Value.Default
  public Duration historyMaxAge() {
    return Duration.ofDays(2);
  }

  @Value.Default
  public Duration pruneInterval() {
    return Duration.ofMinutes(1);
  }

  @Value.Default
  public int snapshotEveryOps() {
    return 100_000;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Settings}. */
  public static final class Builder extends ImmutableSettings.Builder {}
}
