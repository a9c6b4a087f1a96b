package dev.aurora.mesos;

import dev.aurora.core.ClusterBackend;
import dev.aurora.mesos.internal.ClassicScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.Function;
import org.apache.mesos.Scheduler;
import org.apache.mesos.SchedulerDriver;

/**
 * A {@link ClusterBackend} on the classic native driver ({@code org.apache.mesos.MesosSchedulerDriver},
 * which needs libmesos): the backend is the driver's {@link Scheduler} and sends launches, declines,
 * kills, reconciliations and acknowledgements through the driver. Build the driver with implicit
 * acknowledgements off, so a status is acknowledged only after the scheduler stored it:
 *
 * <pre>{@code
 * ClassicDriverBackend backend = ClassicDriverBackend.builder()
 *     .driver(scheduler -> new MesosSchedulerDriver(scheduler, frameworkInfo, "zk://zk1:2181/mesos",
 *         false, credential))
 *     .build();
 * }</pre>
 *
 * Offers, launches and statuses are translated as by {@link MesosBackend} (docs/mesos.md); the
 * subscription, failover and re-registration are the driver's.
 */
public interface ClassicDriverBackend extends ClusterBackend {

  /** A builder. */
  static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link ClassicDriverBackend}. */
  final class Builder {
    private Function<Scheduler, SchedulerDriver> driver;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Duration leftoverRefusal = Duration.ofSeconds(5);

    Builder() {}

    /** Makes the driver for the backend's {@link Scheduler} (required); called once, at start. */
    public Builder driver(Function<Scheduler, SchedulerDriver> driver) {
      this.driver = driver;
      return this;
    }

    /** Where the backend's metrics go ({@code aurora.mesos.*}). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** How long the master holds back what a launch left of its offers (default 5 s). */
    public Builder leftoverRefusal(Duration refusal) {
      this.leftoverRefusal = refusal;
      return this;
    }

    /** The backend. */
    public ClassicDriverBackend build() {
      if (driver == null) {
        throw new IllegalArgumentException("bad classic driver backend settings: driver: required");
      }
      return new ClassicScheduler(driver, registry, leftoverRefusal);
    }
  }
}
