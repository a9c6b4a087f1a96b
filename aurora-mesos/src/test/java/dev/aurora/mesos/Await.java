package dev.aurora.mesos;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a bound passes; tests never sleep for a fixed time. */
final class Await {
  static final Duration DEFAULT = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** Waits until {@code condition} holds, failing with {@code what} after {@link #DEFAULT}. */
  static void until(String what, BooleanSupplier condition) {
    value(what, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), DEFAULT);
  }

  /** Waits until {@code probe} yields a value, and returns it. */
  static <T> T value(String what, Supplier<Optional<T>> probe) {
    return value(what, probe, DEFAULT);
  }

  static <T> T value(String what, Supplier<Optional<T>> probe, Duration bound) {
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
