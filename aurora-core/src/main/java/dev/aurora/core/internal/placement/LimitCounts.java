package dev.aurora.core.internal.placement;

/** A job's count of active tasks on agents per attribute value, kept up to date incrementally. */
public interface LimitCounts {
  /** Active tasks of the job on agents whose {@code attribute} is {@code value}. */
  int countOn(String attribute, String value);
}
