package dev.aurora.testkit;

import dev.aurora.core.ClusterBackend;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The simulated cluster keeps the contract every backend keeps. */
class SimulatedClusterContractTest extends ClusterBackendContract {
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());

  @Override
  protected ClusterBackend newBackend() {
    return SimulatedCluster.builder(loop).agents(3).attributes(SimulatedCluster.racks(2)).build();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration bound) {
    long deadline = loop.clock().millis() + bound.toMillis();
    loop.runUntilIdle();
    while (!condition.getAsBoolean()) {
      if (loop.clock().millis() >= deadline) {
        throw new AssertionError("condition not met within " + bound + " of simulated time");
      }
      loop.advance(Duration.ofMillis(100));
    }
  }
}
