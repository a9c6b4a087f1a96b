package dev.aurora.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** One entry of a task's history: the state it entered, when, and why. */
public final class TaskEvent {
  private final long timeMillis;
  private final ScheduleStatus status;
  private final String message;

  /** Creates an event; {@code message} may be empty. */
  @JsonCreator
  public TaskEvent(
      @JsonProperty("time") Instant time,
      @JsonProperty("status") ScheduleStatus status,
      @JsonProperty("message") @Nullable String message) {
    this(time.toEpochMilli(), status, message);
  }

  TaskEvent(long timeMillis, ScheduleStatus status, @Nullable String message) {
    this.timeMillis = timeMillis;
    this.status = Objects.requireNonNull(status, "status");
    this.message = message == null || message.isEmpty() ? "" : message;
  }

  /** When the task entered the state (millisecond precision). */
  @JsonProperty("time")
  public Instant time() {
    return Instant.ofEpochMilli(timeMillis);
  }

  long timeMillis() {
    return timeMillis;
  }

  /** The state entered. */
  @JsonProperty("status")
  public ScheduleStatus status() {
    return status;
  }

  /** Why, in words; empty when there is nothing to say. */
  @JsonProperty("message")
  public String message() {
    return message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TaskEvent e && e.timeMillis == timeMillis && e.status == status && e.message.equals(message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeMillis, status.ordinal(), message); // the same in every JVM
  }

  @Override
  public String toString() {
    return time() + " " + status + (message.isEmpty() ? "" : " (" + message + ")");
  }
}
