package dev.aurora.testkit;

import dev.aurora.core.PlacementScorer;

/** The built-in spread over racks scorer passes the contract a user's scorer must pass. */
class BuiltInSpreadOverRacksScorerContractTest extends PlacementScorerContract {
  @Override
  protected PlacementScorer scorer() {
    return PlacementScorer.spread("rack");
  }
}
