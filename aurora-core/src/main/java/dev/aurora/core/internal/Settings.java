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

  /** The least time from one placement pass's start to the next's; zero: a pass asked for runs at once. */
  @Value.Default
  public Duration minPassInterval() {
    return Duration.ZERO;
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

  // --- sharing a cluster: quotas, preemption, authorization, audit, maintenance ---

  /** Who may do what; everyone may do anything unless set. */
  @Value.Default
  public dev.aurora.core.Authorizer authorizer() {
    return dev.aurora.core.Authorizer.allowAll();
  }

  /** How many audit entries are kept (the newest). */
  @Value.Default
  public int auditRetention() {
    return 1_000;
  }

  /** How long a task must be pending before it may preempt others. */
  @Value.Default
  public Duration preemptionDelay() {
    return Duration.ofSeconds(30);
  }

  /** How often the preemptor looks for victims. */
  @Value.Default
  public Duration preemptionInterval() {
    return Duration.ofSeconds(5);
  }

  /** At most this many tasks are preempted per {@link #preemptionWindow()}; 0 turns preemption off. */
  @Value.Default
  public int preemptionMaxVictims() {
    return 10;
  }

  /** The window {@link #preemptionMaxVictims()} counts over. */
  @Value.Default
  public Duration preemptionWindow() {
    return Duration.ofMinutes(1);
  }

  /** How long room made by preemption is held for its preemptor. */
  @Value.Default
  public Duration preemptionReservation() {
    return Duration.ofMinutes(2);
  }

  /** A drain keeps at least this many of a job's other instances running and healthy. */
  @Value.Default
  public int drainMinHealthyInstances() {
    return 0;
  }

  /** A drain keeps at least this fraction of a job's instances running and healthy. */
  @Value.Default
  public double drainMinHealthyFraction() {
    return 0.95;
  }

  /** The SLA coordinators jobs may name in {@code SlaPolicy.coordinator(name)}, by name. */
  public abstract java.util.Map<String, dev.aurora.core.SlaCoordinator> slaCoordinators();

  /** How soon a drain held back by an SLA looks again, and a refusing coordinator is asked again. */
  @Value.Default
  public Duration slaRecheckInterval() {
    return Duration.ofSeconds(10);
  }

  /** How long a host may drain before its tasks are drained whatever their jobs' SLA; never unless set. */
  public abstract java.util.Optional<Duration> drainTimeout();

  /** How often every task believed on an agent is reconciled with the backend; zero for never. */
  @Value.Default
  public Duration reconcileExplicitInterval() {
    return Duration.ofMinutes(60);
  }

  /** How often the backend is asked for every task it runs (implicit reconciliation); zero for never. */
  @Value.Default
  public Duration reconcileImplicitInterval() {
    return Duration.ofMinutes(60);
  }

  /** The tiers tasks may name, and the default. */
  @Value.Default
  public dev.aurora.core.TierConfig tiers() {
    return dev.aurora.core.TierConfig.AURORA;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Settings}. */
  public static final class Builder extends ImmutableSettings.Builder {}
}
