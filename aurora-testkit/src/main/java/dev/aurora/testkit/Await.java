package dev.aurora.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a bound, for tests of real processes, real HTTP or real ZooKeeper where
 * the fake clock cannot drive time: it polls until the condition holds and fails naming what it waited
 * for once the bound passes, so a test never sleeps for a fixed time.
 *
 * <pre>{@code
 * Await.until("task running", () -> listener.saw(id, ScheduleStatus.RUNNING));
 * ScheduledTask t = Await.value("a task", () -> scheduler.tasks(query).stream().findFirst());
 * }</pre>
 */
public final class Await {
  /** The bound of {@link #until} and {@link #value(String, Supplier)}: 10 seconds. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** Waits until {@code condition} holds, failing with {@code what} after {@link #DEFAULT}. */
  public static void until(String what, BooleanSupplier condition) {
    value(what, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), DEFAULT);
  }

  /** Waits until {@code probe} yields a value, and returns it; fails with {@code what} after {@link #DEFAULT}. */
  public static <T> T value(String what, Supplier<Optional<T>> probe) {
    return value(what, probe, DEFAULT);
  }

  /** Waits until {@code probe} yields a value, and returns it; fails with {@code what} after {@code bound}. */
  public static <T> T value(String what, Supplier<Optional<T>> probe, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + bound + " waiting for " + what);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
