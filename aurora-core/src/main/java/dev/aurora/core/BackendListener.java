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

  /**
   * A task changed state, and the backend wants to know when the scheduler has stored the report: the
   * scheduler runs {@code stored} (on any thread) once the report is in its storage, or never if
   * storing failed. A backend that acknowledges statuses to its cluster manager (Mesos) acknowledges in
   * {@code stored}, so a crash between the report and the store never loses a status: the cluster
   * manager sends it again. {@code stored} must be quick and must not block.
   *
   * <p>The default reports through {@link #statusUpdate(TaskStatus)} and runs {@code stored} at once,
   * which is right for a listener that stores nothing.
   */
  default void statusUpdate(TaskStatus status, Runnable stored) {
    statusUpdate(status);
    stored.run();
  }

  /** An agent is gone with everything on it; its tasks are lost. */
  void agentLost(String agentId);
}
