package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.immutables.value.Value;

/** Who asks for a change: every mutating scheduler operation takes one, for authorization and audit. */
@Value.Immutable(builder = false, copy = false)
public abstract class Principal {

  /** The principal's name, as the authenticator established it. */
  @Value.Parameter
  @JsonValue
  public abstract String name();

  /** Returns the principal with this non-empty name. */
  @JsonCreator
  public static Principal of(String name) {
    return ImmutablePrincipal.of(name);
  }

  /** The scheduler itself, for changes it makes on its own (cron firings, automatic rollbacks). */
  public static Principal system() {
    return of("aurora-system");
  }

  @Value.Check
  protected void check() {
    if (name().isBlank()) {
      throw new IllegalArgumentException("a principal's name must not be blank");
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
