package dev.aurora.mesos.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential back-off between {@code min} and {@code max}, each delay jittered into its upper half. */
final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private int failures;

  Backoff(Duration min, Duration max) {
    this.minMillis = Math.max(1, min.toMillis());
    this.maxMillis = Math.max(minMillis, max.toMillis());
  }

  synchronized long nextMillis() {
    long d = minMillis << Math.min(failures, 30);
    if (d <= 0 || d > maxMillis) {
      d = maxMillis;
    }
    failures++;
    return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
  }

  synchronized void reset() {
    failures = 0;
  }
}
