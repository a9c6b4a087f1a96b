package dev.aurora.testkit;

import dev.aurora.core.LeaderElection;

/** The default single-node election keeps the leader election contract. */
class SingleNodeLeaderElectionContractTest extends LeaderElectionContract {
  @Override
  protected LeaderElection newParticipant(String address) {
    return LeaderElection.singleNode(address);
  }

  @Override
  protected boolean participantsShareAGroup() {
    return false;
  }
}
