package dev.aurora.local;

import dev.aurora.testkit.Await;

import dev.aurora.core.ClusterBackend;
import dev.aurora.testkit.ClusterBackendContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;

/** The local backend keeps the contract every backend owes the scheduler, with real processes. */
class LocalBackendContractTest extends ClusterBackendContract {
  @TempDir Path root;

  @Override
  protected ClusterBackend newBackend() {
    return LocalBackend.builder().sandboxRoot(root).agents(2).cpusPerAgent(1).ramMbPerAgent(256)
        .killGracePeriod(Duration.ofMillis(500)).build();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration bound) {
    Await.value("the contract's condition", () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(),
        bound);
  }
}
