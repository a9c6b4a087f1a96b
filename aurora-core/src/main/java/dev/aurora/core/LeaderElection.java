package dev.aurora.core;

import java.util.Optional;

/**
 * Chooses which of several schedulers sharing one storage and one backend schedules: only the leader
 * does. The default, {@link #singleNode()}, always leads; aurora-zk's {@code ZkLeaderElection} elects
 * one leader among schedulers on several machines.
 *
 * <p>The scheduler calls {@link #start} once, from {@link Scheduler#start()}. When the election makes
 * it the leader it calls {@link Listener#elected()}: the scheduler then recovers storage, reconciles
 * with the backend and schedules. When it stops leading (it lost leadership or its session, or {@link
 * #relinquish()} or {@link #close()} was called) it calls {@link Listener#deposed()} once: the
 * scheduler stops scheduling at once, leaving tasks running, and may be elected again later. Calls
 * alternate, starting with {@code elected}, and come from any thread, one at a time.
 *
 * <p>Every implementation should pass the testkit's {@code LeaderElectionContract}.
 */
public interface LeaderElection extends AutoCloseable {

  /** What an election tells the scheduler. Implementations call it one call at a time, never concurrently. */
  interface Listener {
    /** This participant leads from now on, until {@link #deposed()}. */
    void elected();

    /** This participant no longer leads; it must stop acting as leader at once. */
    void deposed();
  }

  /**
   * Joins the election; {@code listener} hears when this participant leads and stops leading.
   *
   * @throws IllegalStateException if started already or closed
   * @throws dev.aurora.api.AuroraException if the election cannot start (for example its
   *     coordination service is unreachable), with a message that says why
   */
  void start(Listener listener);

  /** Whether this participant leads now. */
  boolean isLeader();

  /**
   * The address of the current leader (this participant's own if it leads), as each participant
   * declared it (for example {@code "host:8081"}, for an HTTP redirect), or empty if no leader is
   * known or the leader declared none.
   */
  Optional<String> leader();

  /**
   * Gives up leadership if this participant holds it ({@link Listener#deposed()} follows) and stays in
   * the election, so it or another participant is elected next. A scheduler calls it when it cannot
   * go on leading (its storage failed).
   */
  void relinquish();

  /** Leaves the election; a leader is deposed first. Idempotent. */
  @Override
  void close();

  /** One scheduler alone: it leads from {@link #start} until {@link #close}. The default. */
  static LeaderElection singleNode() {
    return new dev.aurora.core.internal.election.SingleNodeElection(Optional.empty());
  }

  /** {@link #singleNode()}, whose {@link #leader()} is {@code address} while it leads. */
  static LeaderElection singleNode(String address) {
    return new dev.aurora.core.internal.election.SingleNodeElection(
        Optional.of(java.util.Objects.requireNonNull(address, "address")));
  }
}
