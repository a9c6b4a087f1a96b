package dev.aurora.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when told to. Thread-safe. */
public final class FakeClock extends Clock {
  private volatile Instant now;
  private final ZoneId zone;

  /** A clock at {@code start}, in UTC. */
  public FakeClock(Instant start) {
    this(start, ZoneOffset.UTC);
  }

  private FakeClock(Instant start, ZoneId zone) {
    this.now = start;
    this.zone = zone;
  }

  /** A clock at 2026-01-01T00:00:00Z. */
  public static FakeClock startingAtEpoch2026() {
    return new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** Moves the clock forward by {@code d}. */
  public synchronized void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + d);
    }
    now = now.plus(d);
  }

  /** Sets the clock to {@code t}, which must not be earlier than now. */
  public synchronized void set(Instant t) {
    if (t.isBefore(now)) {
      throw new IllegalArgumentException("a clock does not go back: " + t + " < " + now);
    }
    now = t;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    FakeClock self = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return zone;
      }

      @Override
      public Clock withZone(ZoneId z) {
        return self.withZone(z);
      }

      @Override
      public Instant instant() {
        return self.instant();
      }
    };
  }
}
