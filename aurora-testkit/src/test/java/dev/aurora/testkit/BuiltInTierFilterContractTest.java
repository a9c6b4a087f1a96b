package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in tier filter passes the contract a user's filter must pass. */
class BuiltInTierFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("tier")).findFirst().orElseThrow();
  }
}
