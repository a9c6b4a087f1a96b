package dev.aurora.testkit;

import dev.aurora.core.LeaderElection;

/** The testkit's hand-driven election keeps the leader election contract. */
class ManualLeaderElectionContractTest extends LeaderElectionContract {
  private final ManualLeaderElection group = ManualLeaderElection.group();

  @Override
  protected LeaderElection newParticipant(String address) {
    return group.participant(address);
  }
}
