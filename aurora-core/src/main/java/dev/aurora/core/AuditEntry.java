package dev.aurora.core;

import dev.aurora.api.Principal;
import java.time.Instant;
import java.util.Objects;

/**
 * One mutating call in the audit trail: who asked for what, when, and what came of it (done, refused
 * by the authorizer, or refused as invalid: over quota, no such job, ...). Kept in storage; see
 * {@link Scheduler#audit()}.
 *
 * @param time when the call was made, on the scheduler's clock
 * @param principal who made it
 * @param action the {@link Scheduler} method, e.g. {@code createJob}
 * @param target what it acted on: a job key, a role, hosts
 * @param result how it ended
 * @param message details: what changed, or why it was refused
 */
public record AuditEntry(Instant time, Principal principal, String action, String target, Result result,
    String message) {

  /** How a call ended. */
  public enum Result {
    /** It was applied. */
    DONE,
    /** The authorizer refused the principal. */
    DENIED,
    /** It was refused: invalid, over quota, conflicting with the current state. */
    REFUSED
  }

  /** Checks every field is present. */
  public AuditEntry {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(result, "result");
    message = message == null ? "" : message;
  }

  @Override
  public String toString() {
    return time + " " + principal + " " + action + " " + target + ": " + result
        + (message.isEmpty() ? "" : " (" + message + ")");
  }
}
