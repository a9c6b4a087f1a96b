package dev.aurora.core;

import dev.aurora.api.AuroraException;

/**
 * An operation needed a role's quota, and the role has none set (for example removing a quota that
 * was never set, or was removed already). Nothing was changed.
 */
public class NoSuchQuotaException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final String role;

  /** Creates the exception for {@code role}. */
  public NoSuchQuotaException(String role) {
    super("role " + role + " has no quota to remove");
    this.role = role;
  }

  /** The role that has no quota. */
  public String role() {
    return role;
  }
}
