package dev.aurora.core;

import dev.aurora.api.AuroraException;
import java.util.Optional;

/**
 * The scheduler does not lead (see {@link LeaderElection}), so it neither changes nor reads
 * scheduling state. {@link #leader()} says where the leader is, if known: retry there.
 */
public class NotLeaderException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final String leader;

  /** Creates the exception; {@code leader} is the current leader's address, if known. */
  public NotLeaderException(Optional<String> leader) {
    super("this scheduler is not the leader" + leader.map(l -> "; the leader is " + l).orElse("; no leader is known now"));
    this.leader = leader.orElse(null);
  }

  /** The leader's address, if known. */
  public Optional<String> leader() {
    return Optional.ofNullable(leader);
  }
}
