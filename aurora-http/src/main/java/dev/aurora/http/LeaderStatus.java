package dev.aurora.http;

import dev.aurora.core.Scheduler;
import java.util.Optional;

/**
 * Whether this scheduler is the leader, for {@code /leaderhealth} and for sending mutating calls to
 * the leader. By default the server asks its scheduler ({@link #of(Scheduler)}): a lone scheduler
 * always leads, and one with a leader election ({@code SchedulerBuilder.leaderElection}) answers from
 * it.
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

  /**
   * Asks {@code scheduler}: it leads when {@link Scheduler#isLeader()} says so; otherwise the leader is
   * the address its election declared ({@link Scheduler#leader()}), as a URL ({@code http://} is added
   * to a bare {@code host:port}). The default of {@link OperatorServer} and {@link OperatorHandler}.
   */
  static LeaderStatus of(Scheduler scheduler) {
    java.util.Objects.requireNonNull(scheduler, "scheduler");
    return new LeaderStatus() {
      @Override
      public boolean isLeader() {
        return scheduler.isLeader();
      }

      @Override
      public Optional<String> leaderAddress() {
        if (scheduler.isLeader()) {
          return Optional.empty();
        }
        return scheduler.leader().filter(a -> !a.isBlank())
            .map(a -> a.contains("://") ? a : "http://" + a);
      }
    };
  }
}
