package dev.aurora.core.internal.auth;

import dev.aurora.api.Principal;
import dev.aurora.core.Authorizer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The built-in {@link Authorizer}s: allow-all, and a map from role to the names of the principals who
 * may act on it, plus admins who may do anything.
 */
public final class RoleAuthorizer implements Authorizer {
  /** Allows everything. */
  public static final Authorizer ALLOW_ALL = new Authorizer() {
    @Override
    public boolean mayActOnRole(Principal principal, String action, String role) {
      return true;
    }

    @Override
    public boolean mayActOnCluster(Principal principal, String action) {
      return true;
    }

    @Override
    public String toString() {
      return "allow-all";
    }
  };

  private final Map<String, Set<String>> principalsByRole;
  private final Set<String> admins;

  /** A map of role to principal names, and admin names. */
  public RoleAuthorizer(Map<String, ? extends Set<String>> principalsByRole, Set<String> admins) {
    Objects.requireNonNull(principalsByRole, "principalsByRole");
    Map<String, Set<String>> copy = new HashMap<>();
    principalsByRole.forEach((role, names) -> copy.put(Objects.requireNonNull(role, "role"), Set.copyOf(names)));
    this.principalsByRole = Map.copyOf(copy);
    this.admins = Set.copyOf(Objects.requireNonNull(admins, "admins"));
  }

  @Override
  public boolean mayActOnRole(Principal principal, String action, String role) {
    return admins.contains(principal.name())
        || principalsByRole.getOrDefault(role, Set.of()).contains(principal.name());
  }

  @Override
  public boolean mayActOnCluster(Principal principal, String action) {
    return admins.contains(principal.name());
  }

  @Override
  public String toString() {
    return "roles " + principalsByRole + ", admins " + admins;
  }
}
