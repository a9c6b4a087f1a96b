package dev.aurora.http;

import java.util.Optional;

/**
 * Whether this scheduler is the leader, for {@code /leaderhealth} and for sending mutating calls to
 * the leader. A lone scheduler is always the leader ({@link #alwaysLeader()}, the default); a
 * replicated one answers from its leader election.
 */
public interface LeaderStatus {

  /** Whether this scheduler leads now. */
  boolean isLeader();

  /**
   * The base URL of the current leader's operator server (e.g. {@code http://host-2:8081}), if this
   * scheduler is not the leader and one is known; empty when there is none.
   */
  Optional<String> leaderAddress();

  /** A scheduler that always leads: the default for a lone scheduler. */
  static LeaderStatus alwaysLeader() {
    return new LeaderStatus() {
      @Override
      public boolean isLeader() {
        return true;
      }

      @Override
      public Optional<String> leaderAddress() {
        return Optional.empty();
      }
    };
  }
}
