package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.Principal;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Authorizer} refused a principal an action: on a role's jobs, or on the cluster (quotas,
 * maintenance). Nothing was changed; the refusal is in the audit trail.
 */
public class NotAuthorizedException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient Principal principal;
  private final String action;
  private final @Nullable String role;

  /** Creates the exception; {@code role} is null for a cluster-wide action. */
  public NotAuthorizedException(Principal principal, String action, @Nullable String role) {
    super(principal + " may not " + action + (role == null ? " on the cluster" : " on role " + role));
    this.principal = principal;
    this.action = action;
    this.role = role;
  }

  /** Who asked. */
  public Principal principal() {
    return principal;
  }

  /** What was asked: the name of the {@link Scheduler} method, e.g. {@code createJob}. */
  public String action() {
    return action;
  }

  /** The role acted on; empty for a cluster-wide action. */
  public Optional<String> role() {
    return Optional.ofNullable(role);
  }
}
