package dev.aurora.core;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/** An inclusive range of port numbers an agent offers, such as 31000-32000. */
@Value.Immutable(builder = false, copy = false)
@JsonSerialize(as = ImmutablePortRange.class)
@JsonDeserialize(as = ImmutablePortRange.class)
public abstract class PortRange {
  /** The first port of the range. */
  @Value.Parameter
  public abstract int begin();

  /** The last port of the range (inclusive). */
  @Value.Parameter
  public abstract int end();

  /** The range {@code begin..end}, inclusive. */
  public static PortRange of(int begin, int end) {
    return ImmutablePortRange.of(begin, end);
  }

  /** How many ports the range holds. */
  public int size() {
    return end() - begin() + 1;
  }

  @Value.Check
  protected void check() {
    if (begin() < 1 || end() > 65535 || end() < begin()) {
      throw new IllegalArgumentException("port range must satisfy 1 <= begin <= end <= 65535, was " + this);
    }
  }

  @Override
  public String toString() {
    return begin() + "-" + end();
  }
}
