package dev.aurora.core;

import dev.aurora.api.AuroraException;
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
 * <p>What the scheduler asks:
 *
 * <ul>
 *   <li>{@link #mayActOnRole} for an operation on a job, with the job key's role: {@code createJob},
 *       {@code killJob}, {@code killInstances}, {@code restartInstances}, {@code addInstances},
 *       {@code startUpdate}, {@code pauseUpdate}, {@code resumeUpdate}, {@code abortUpdate},
 *       {@code rollbackUpdate}, {@code pulseUpdate}, {@code startCronJob}, {@code
 *       replaceCronTemplate}.
 *   <li>{@link #mayActOnCluster} for {@code setQuota}, {@code removeQuota} and {@code
 *       setMaintenance}; and for {@code pulseUpdate} of an update the scheduler does not know, which
 *       has no role.
 * </ul>
 *
 * <p>Arguments are never null. The scheduler asks once per operation, before it runs; changes the
 * scheduler makes on its own ({@link Principal#system()}: cron firings, automatic
 * rollbacks) are not asked about.
 *
 * <p>What the scheduler relies on (checked by {@code dev.aurora.testkit.AuthorizerContract}):
 *
 * <ul>
 *   <li><b>An answer to every question.</b> Any principal, any action (including ones a later
 *       version adds) and any role (including one that has no jobs and appears in no grant) gets
 *       {@code true} or {@code false}; the unknown is not an error. An exception refuses the call
 *       all the same, but reaches the caller as an {@link AuroraException} ({@code authorizer
 *       failed ...}) rather than a {@link NotAuthorizedException}.
 *   <li><b>Answers that depend only on the question and the grants the authorizer holds.</b> Asking
 *       changes nothing (no counting, no clock, no randomness), so the same question gets the same
 *       answer until the grants themselves change, and a run under the testkit replays exactly.
 *   <li><b>Quick answers, from memory.</b> The scheduler asks on its state loop, which does nothing
 *       else meanwhile: no network or disk access per question (refresh grants in the background
 *       instead).
 * </ul>
 *
 * <p>A refusal carries no reason of the authorizer's: the scheduler's {@link
 * NotAuthorizedException} names the principal, the action and the role. One scheduler asks one
 * question at a time, from its state loop; an instance shared by several schedulers is asked from
 * several threads and must then be thread-safe (the built-in ones are immutable).
 */
public interface Authorizer {

  /**
   * Whether {@code principal} may do {@code action} (a {@link Scheduler} method's name) on the jobs
   * of {@code role}.
   */
  boolean mayActOnRole(Principal principal, String action, String role);

  /**
   * Whether {@code principal} may do the cluster-wide {@code action} (a {@link Scheduler} method's
   * name: quotas, maintenance).
   */
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
