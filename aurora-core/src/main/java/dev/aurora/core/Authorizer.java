package dev.aurora.core;

import dev.aurora.api.Principal;
import dev.aurora.core.internal.auth.RoleAuthorizer;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a principal may act: on a role's jobs (create, kill, restart, add instances,
 * update, ...) or on the cluster as a whole (quotas, host maintenance). The scheduler asks before
 * every mutating operation; a refusal throws {@link NotAuthorizedException} and changes nothing.
 * Actions are named after the {@link Scheduler} method ({@code createJob}, {@code setQuota}, ...).
 *
 * <p>Built in: {@link #allowAll()} (the default, for embedded single-user use) and {@link #roles}
 * (each role's principals, plus cluster admins). A platform team plugs in its own (LDAP groups, ...)
 * through {@link SchedulerBuilder#authorizer(Authorizer)}.
 *
 * <pre>{@code
 * Scheduler.builder().authorizer(Authorizer.roles(
 *     Map.of("www-data", Set.of("alice", "bob"), "analytics", Set.of("carol")),
 *     Set.of("ops")));                                   // ops may do anything
 * }</pre>
 *
 * <p>Called on the state loop: answer quickly, from memory.
 */
public interface Authorizer {

  /** Whether {@code principal} may do {@code action} on the jobs of {@code role}. */
  boolean mayActOnRole(Principal principal, String action, String role);

  /** Whether {@code principal} may do the cluster-wide {@code action} (quotas, maintenance). */
  boolean mayActOnCluster(Principal principal, String action);

  /** Allows everything: every principal may do anything. The default. */
  static Authorizer allowAll() {
    return RoleAuthorizer.ALLOW_ALL;
  }

  /**
   * Allows the principals listed for a role to act on that role's jobs, and {@code admins} to do
   * anything (any role, and cluster-wide actions). Principals are matched by name; everyone else is
   * refused.
   */
  static Authorizer roles(Map<String, ? extends Set<String>> principalsByRole, Set<String> admins) {
    return new RoleAuthorizer(principalsByRole, admins);
  }
}
