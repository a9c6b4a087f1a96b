package dev.aurora.testkit;

import dev.aurora.core.PlacementFilter;

/** The built-in maintenance filter passes the contract a user's filter must pass. */
class BuiltInMaintenanceFilterContractTest extends PlacementFilterContract {
  @Override
  protected PlacementFilter filter() {
    return PlacementFilter.builtIns().stream().filter(f -> f.toString().equals("maintenance")).findFirst().orElseThrow();
  }
}
