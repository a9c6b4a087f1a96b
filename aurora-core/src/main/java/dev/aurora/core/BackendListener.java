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

  /**
   * The backend's own durable properties as the scheduler's storage holds them (a snapshot: later
   * stores do not change it), for a backend that must remember something across restarts and
   * failovers of the scheduler, as the Mesos backend remembers its framework id. The scheduler has
   * recovered them before it calls {@link ClusterBackend#start}, so a backend reads them there. Keys are
   * the backend's to choose: prefix them with the backend's name ({@code mesos.frameworkId}).
   *
   * <p>The default, for a listener that stores nothing, is empty.
   */
  default java.util.Map<String, String> backendProperties() {
    return java.util.Map.of();
  }

  /**
   * Stores backend properties durably, in the scheduler's storage with the rest of its state (the file
   * log, ZooKeeper, a backup of either): each key of {@code properties} takes its value, other keys keep
   * theirs. The scheduler runs {@code stored} (on any thread) once they are in its storage, or never if
   * storing failed or the scheduler stopped (in HA mode: lost its leadership) first; a backend that must
   * not go on before the properties are durable waits for {@code stored}. May be called from any thread
   * after {@link ClusterBackend#start}; {@code stored} must be quick and must not block. A key or value
   * that is null is refused ({@link NullPointerException}) and nothing is stored.
   *
   * <p>The default, for a listener that stores nothing, runs {@code stored} at once.
   */
  default void storeBackendProperties(java.util.Map<String, String> properties, Runnable stored) {
    stored.run();
  }
}
