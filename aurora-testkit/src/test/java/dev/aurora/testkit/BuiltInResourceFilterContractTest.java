package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in resources filter passes the contract a user's filter must pass. */
class BuiltInResourceFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("resources")).findFirst().orElseThrow();
  }
}
