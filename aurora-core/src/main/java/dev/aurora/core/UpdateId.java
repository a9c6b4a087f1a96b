package dev.aurora.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/** Identifies one rolling update. */
public record UpdateId(@JsonValue String value) {
  /** Wraps an id text. */
  @JsonCreator
  public UpdateId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("an update id must not be blank");
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
