package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in value constraints filter passes the contract a user's filter must pass. */
class BuiltInValueConstraintFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("value constraints")).findFirst().orElseThrow();
  }
}
