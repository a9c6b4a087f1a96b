package dev.aurora.core.internal.auth;

import dev.aurora.api.AuroraException;
import dev.aurora.api.Principal;
import dev.aurora.core.AuditEntry;
import dev.aurora.core.Authorizer;
import dev.aurora.core.NotAuthorizedException;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.audit.AuditLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * Admits one mutating operation: asks the {@link Authorizer}, runs the operation, and records the
 * outcome (done, denied or refused) in the audit trail. Runs on the state loop inside the
 * operation's transaction, so a denied or refused call stores only its audit entry.
 */
public final class Admission {
  private final Core core;
  private final Authorizer authorizer;
  private final AuditLog audit;
  private final Counter denials;

  /** Admission through {@code authorizer}, audited to {@code audit}. */
  public Admission(Core core, Authorizer authorizer, AuditLog audit, MeterRegistry registry) {
    this.core = core;
    this.authorizer = authorizer;
    this.audit = audit;
    this.denials = Counter.builder("aurora.authorization.denials")
        .description("calls the authorizer refused").register(registry);
  }

  /**
   * Runs {@code op} for {@code by} if the authorizer lets them do {@code action} on {@code role}
   * (null: on the cluster), auditing the call against {@code target}.
   *
   * @throws NotAuthorizedException if the authorizer refuses; {@code op} does not run
   */
  public <T> T run(Principal by, String action, String role, String target, Supplier<T> op) {
    AuroraException denied = authorize(by, action, role, target);
    if (denied != null) {
      throw denied;
    }
    T result;
    try {
      result = op.get();
    } catch (RuntimeException e) {
      refused(by, action, target, e.getMessage());
      throw e;
    }
    done(by, action, target);
    return result;
  }

  /**
   * Asks the authorizer whether {@code by} may do {@code action} on {@code role} (null: on the
   * cluster). Returns null if so; otherwise records the denial against {@code target} and returns
   * the exception to throw ({@link NotAuthorizedException}, or an {@code AuroraException} if the
   * authorizer failed).
   */
  public AuroraException authorize(Principal by, String action, String role, String target) {
    boolean allowed;
    try {
      allowed = role == null ? authorizer.mayActOnCluster(by, action) : authorizer.mayActOnRole(by, action, role);
    } catch (RuntimeException e) {
      record(by, action, target, AuditEntry.Result.DENIED, "authorizer failed: " + e);
      return new AuroraException("authorizer failed for " + by + " " + action, e);
    }
    if (!allowed) {
      denials.increment();
      NotAuthorizedException denied = new NotAuthorizedException(by, action, role);
      record(by, action, target, AuditEntry.Result.DENIED, denied.getMessage());
      return denied;
    }
    return null;
  }

  /** Records an authorized call as done. */
  public void done(Principal by, String action, String target) {
    record(by, action, target, AuditEntry.Result.DONE, "");
  }

  /** Records an authorized call as refused, with why. */
  public void refused(Principal by, String action, String target, String why) {
    record(by, action, target, AuditEntry.Result.REFUSED, why);
  }

  private void record(Principal by, String action, String target, AuditEntry.Result result, String message) {
    audit.record(new AuditEntry(core.instant(), by, action, target, result, message));
  }
}
