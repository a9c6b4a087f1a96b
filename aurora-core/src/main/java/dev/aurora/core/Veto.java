package dev.aurora.core;

import java.util.Objects;

/**
 * A filter's answer for one task on one agent: {@link #none()} when the agent is acceptable, or a
 * reason why not ({@code insufficient ram}, {@code limit host:1}, ...) with a severity. Reasons are
 * counted per agent to answer {@link Scheduler#whyPending}; keep them few and stable (do not put
 * numbers that vary per agent in them). Vetoes are immutable; filters should create theirs once and
 * reuse them.
 */
public final class Veto {
  private static final Veto NONE = new Veto("", 0);

  /** Severity of a veto that more resources would not cure (constraints, maintenance). */
  public static final int UNFIT = 100;

  private final String reason;
  private final int severity;

  private Veto(String reason, int severity) {
    this.reason = reason;
    this.severity = severity;
  }

  /** The answer that the agent is acceptable. */
  public static Veto none() {
    return NONE;
  }

  /** A veto that no amount of free resources would lift. */
  public static Veto of(String reason) {
    return of(reason, UNFIT);
  }

  /** A veto with a severity from 1 (a near miss) to {@link #UNFIT}. */
  public static Veto of(String reason, int severity) {
    Objects.requireNonNull(reason, "reason");
    if (reason.isEmpty()) {
      throw new IllegalArgumentException("a veto needs a reason");
    }
    if (severity < 1 || severity > UNFIT) {
      throw new IllegalArgumentException("severity must be 1.." + UNFIT + ", was " + severity);
    }
    return new Veto(reason, severity);
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return this == NONE;
  }

  /** Why the agent is refused; empty for {@link #none()}. */
  public String reason() {
    return reason;
  }

  /** How bad the misfit is, 1 to {@link #UNFIT}; 0 for {@link #none()}. */
  public int severity() {
    return severity;
  }

  @Override
  public String toString() {
    return isNone() ? "no veto" : reason;
  }
}
