package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;

/**
 * A change would take a role's production ({@code preferred}-tier) work over the role's quota: what
 * the role {@link #used() uses} plus what was {@link #asked() asked} does not fit in its {@link
 * #quota()}. Nothing was changed.
 *
 * <pre>{@code
 * try {
 *   scheduler.createJob(job, principal);
 * } catch (QuotaExceededException e) {
 *   log.warn("{} needs {} more, has {} of {}", e.role(), e.asked(), e.used(), e.quota());
 * }
 * }</pre>
 */
public class QuotaExceededException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final String role;
  private final transient ResourceQuota quota;
  private final transient Resources used;
  private final transient Resources asked;

  /** Creates the exception; the message states every figure. */
  public QuotaExceededException(String role, ResourceQuota quota, Resources used, Resources asked) {
    super("quota of role " + role + " exceeded: quota " + quota.asResources() + "; used " + used
        + "; asked " + asked);
    this.role = role;
    this.quota = quota;
    this.used = used;
    this.asked = asked;
  }

  /** The role whose quota would be exceeded. */
  public String role() {
    return role;
  }

  /** The role's quota. */
  public ResourceQuota quota() {
    return quota;
  }

  /**
   * What the role's production jobs hold already, not counting the job being changed when the change
   * replaces it (an update).
   */
  public Resources used() {
    return used;
  }

  /** What the refused change would add on top of {@link #used()}. */
  public Resources asked() {
    return asked;
  }
}
