package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.immutables.value.Value;

/**
 * The unique id of one task: one attempt at running one instance. A replacement of an instance gets a
 * new task id.
 */
@Value.Immutable(builder = false, copy = false)
public abstract class TaskId implements Comparable<TaskId> {

  /** The id's text. */
  @Value.Parameter
  @JsonValue
  public abstract String value();

  /** Wraps a non-empty id text. */
  @JsonCreator
  public static TaskId of(String value) {
    return ImmutableTaskId.of(value);
  }

  @Value.Check
  protected void check() {
    if (value().isEmpty()) {
      throw new IllegalArgumentException("a task id must not be empty");
    }
  }

  @Override
  public String toString() {
    return value();
  }

  @Override
  public int compareTo(TaskId o) {
    return value().compareTo(o.value());
  }
}
