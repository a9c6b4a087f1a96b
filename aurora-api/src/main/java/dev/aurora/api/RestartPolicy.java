package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.immutables.value.Value;

/**
 * A job's own restart back-off, in place of the scheduler-wide flapping penalty: a task that ends
 * within the flapping threshold of starting to run (it flapped) is replaced by a THROTTLED task held
 * back {@code initialDelay}, then {@code initialDelay × growth}, and so on up to {@code maxDelay}, for
 * each flap in a row. With {@link #crashLoopAfter()} set, an instance that flaps that many times in a
 * row is in a <b>crash loop</b>: its replacement stays THROTTLED (its message says "crash loop") until
 * an operator clears it ({@code Scheduler.clearCrashLoop}).
 *
 * <pre>{@code
 * t.restartPolicy(RestartPolicy.backoff(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(10)).withCrashLoopAfter(5))
 * }</pre>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableRestartPolicy.class)
@JsonDeserialize(as = ImmutableRestartPolicy.class)
public abstract class RestartPolicy {
  /** How long the first restart after a flap is held back. */
  public abstract Duration initialDelay();

  /** By how much the hold grows with each flap in a row (1 keeps it constant). */
  @Value.Default
  public double growth() {
    return 2.0;
  }

  /** The longest hold. */
  public abstract Duration maxDelay();

  /** After this many flaps in a row the instance is in a crash loop until cleared; 0 for never. */
  @Value.Default
  public int crashLoopAfter() {
    return 0;
  }

  /** A back-off of {@code initialDelay}, growing by {@code growth} per flap up to {@code maxDelay}. */
  public static ImmutableRestartPolicy backoff(Duration initialDelay, double growth, Duration maxDelay) {
    return ImmutableRestartPolicy.builder().initialDelay(initialDelay).growth(growth).maxDelay(maxDelay).build();
  }

  /** A builder. */
  public static ImmutableRestartPolicy.Builder builder() {
    return ImmutableRestartPolicy.builder();
  }

  /** How long a restart after {@code flaps} flaps in a row is held back (zero for none). */
  public Duration delayAfter(int flaps) {
    if (flaps <= 0) {
      return Duration.ZERO;
    }
    double millis = initialDelay().toMillis();
    long cap = maxDelay().toMillis();
    for (int i = 1; i < flaps && millis < cap; i++) {
      millis *= growth();
    }
    return Duration.ofMillis(Math.min(Math.round(millis), cap));
  }

  /** Whether an instance whose latest task flapped {@code flaps} times in a row is in a crash loop. */
  public boolean isCrashLoop(int flaps) {
    return crashLoopAfter() > 0 && flaps >= crashLoopAfter();
  }

  @Value.Check
  protected void check() {
    List<String> problems = new ArrayList<>();
    if (initialDelay().isNegative() || initialDelay().isZero()) {
      problems.add("task.restartPolicy.initialDelay: must be > 0, was " + initialDelay());
    }
    if (!(growth() >= 1.0)) {
      problems.add("task.restartPolicy.growth: must be >= 1, was " + growth());
    }
    if (maxDelay().compareTo(initialDelay()) < 0 || maxDelay().isNegative()) {
      problems.add("task.restartPolicy.maxDelay: must be >= initialDelay (" + initialDelay() + "), was " + maxDelay());
    }
    if (crashLoopAfter() < 0) {
      problems.add("task.restartPolicy.crashLoopAfter: must be >= 0 (0 for never), was " + crashLoopAfter());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}
