package dev.aurora.core;

/**
 * How a {@link ClusterBackend} reports to the scheduler. Methods may be called from any thread; the
 * scheduler hands each report to its state loop and returns at once.
 */
public interface BackendListener {
  /** New resources are on offer. */
  void offers(java.util.List<Offer> offers);

  /** An offer may no longer be used (its resources went elsewhere or the agent left). */
  void offerRescinded(String offerId);

  /** A task changed state, or its health changed. */
  void statusUpdate(TaskStatus status);

  /** An agent is gone with everything on it; its tasks are lost. */
  void agentLost(String agentId);
}
