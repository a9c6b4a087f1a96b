package dev.aurora.testkit;

import dev.aurora.core.PlacementScorer;

/** The built-in bin-pack scorer passes the contract a user's scorer must pass. */
class BuiltInBinPackScorerContractTest extends PlacementScorerContract {
  @Override
  protected PlacementScorer scorer() {
    return PlacementScorer.binPack();
  }
}
