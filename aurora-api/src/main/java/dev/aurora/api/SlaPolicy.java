package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * How far a host drain may take a job down, as Aurora's SLA policies; a job without one keeps the
 * scheduler-wide drain SLA ({@code SchedulerBuilder.drainSla}).
 *
 * <ul>
 *   <li>{@link #count(int, Duration)}: at most {@code count} instances down at once;
 *   <li>{@link #percentage(double, Duration)}: at least {@code percentage}% of the instances running;
 *   <li>{@link #coordinator(String)}: a coordinator registered on the scheduler under that name
 *       ({@code SchedulerBuilder.slaCoordinator}) is asked before each instance goes.
 * </ul>
 *
 * <p>For count and percentage an instance counts as up when it is running and healthy and has been
 * running for at least {@link #minRunning()}. An instance that is not up goes at once: moving it takes
 * nothing up away.
 *
 * <pre>{@code
 * Job.service("www-data/prod/hello").task(t -> t.process("server", "./hello")
 *     .slaPolicy(SlaPolicy.percentage(80, Duration.ofMinutes(5))))   // keep 80% up, counting 5 minutes of running
 * }</pre>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableSlaPolicy.class)
@JsonDeserialize(as = ImmutableSlaPolicy.class)
public abstract class SlaPolicy {
  /** The kinds of policy. */
  public enum Kind {
    /** At most {@link #count()} instances down. */
    COUNT,
    /** At least {@link #percentage()}% of the instances up. */
    PERCENTAGE,
    /** A named coordinator is asked before each instance goes. */
    COORDINATOR
  }

  /** The kind of policy. */
  public abstract Kind kind();

  /** For COUNT: how many instances may be down at once. */
  @Value.Default
  public int count() {
    return 0;
  }

  /** For PERCENTAGE: the share of instances, in percent (0 to 100), that must stay up. */
  @Value.Default
  public double percentage() {
    return 0;
  }

  /** For COUNT and PERCENTAGE: how long an instance must have been running to count as up. */
  @Value.Default
  public Duration minRunning() {
    return Duration.ZERO;
  }

  /** For COORDINATOR: the name the coordinator is registered under on the scheduler. */
  public abstract Optional<String> coordinator();

  /** At most {@code count} instances down at once, counting instances running for {@code minRunning}. */
  public static SlaPolicy count(int count, Duration minRunning) {
    return ImmutableSlaPolicy.builder().kind(Kind.COUNT).count(count).minRunning(minRunning).build();
  }

  /** At least {@code percentage}% of the instances up, counting instances running for {@code minRunning}. */
  public static SlaPolicy percentage(double percentage, Duration minRunning) {
    return ImmutableSlaPolicy.builder().kind(Kind.PERCENTAGE).percentage(percentage).minRunning(minRunning)
        .build();
  }

  /** The coordinator registered under {@code name} is asked before each instance goes. */
  public static SlaPolicy coordinator(String name) {
    return ImmutableSlaPolicy.builder().kind(Kind.COORDINATOR).coordinator(name).build();
  }

  @Value.Check
  protected void check() {
    List<String> problems = new ArrayList<>();
    if (count() < 0) {
      problems.add("task.slaPolicy.count: must be >= 0, was " + count());
    }
    if (!(percentage() >= 0 && percentage() <= 100)) {
      problems.add("task.slaPolicy.percentage: must be in [0, 100], was " + percentage());
    }
    if (minRunning().isNegative()) {
      problems.add("task.slaPolicy.minRunning: must not be negative, was " + minRunning());
    }
    if (kind() == Kind.COORDINATOR && coordinator().map(String::isBlank).orElse(true)) {
      problems.add("task.slaPolicy.coordinator: a COORDINATOR policy must name its coordinator");
    }
    if (kind() != Kind.COORDINATOR && coordinator().isPresent()) {
      problems.add("task.slaPolicy.coordinator: only a COORDINATOR policy names a coordinator, this is " + kind());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}
