package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in limit constraints filter passes the contract a user's filter must pass. */
class BuiltInLimitConstraintFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("limit constraints")).findFirst().orElseThrow();
  }
}
