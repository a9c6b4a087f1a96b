package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import dev.aurora.core.ClusterBackend;
import dev.aurora.testkit.ClusterBackendContract;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/** The Mesos backend keeps the contract every backend owes the scheduler, against the fake master over HTTP. */
class MesosBackendContractTest extends ClusterBackendContract {
  private FakeMesosMaster master;

  @Override
  protected ClusterBackend newBackend() {
    master = FakeMesosMaster.builder().agents(2).build();
    return MesosBackend.builder().masters(() -> master.uris()).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
  }

  @Override
  protected void await(BooleanSupplier condition, Duration bound) {
    Await.value("the contract's condition", () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(),
        bound);
  }

  @AfterEach
  void masterSawNoViolation() {
    master.close();
  }
}
