package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in dedicated agents filter passes the contract a user's filter must pass. */
class BuiltInDedicatedFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("dedicated agents")).findFirst().orElseThrow();
  }
}
