package dev.aurora.testkit;

import dev.aurora.core.PlacementScorer;

/** The built-in spread over hosts scorer passes the contract a user's scorer must pass. */
class BuiltInSpreadOverHostsScorerContractTest extends PlacementScorerContract {
  @Override
  protected PlacementScorer scorer() {
    return PlacementScorer.spread("host");
  }
}
