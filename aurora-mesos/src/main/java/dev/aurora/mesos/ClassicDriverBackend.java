package dev.aurora.mesos;

import dev.aurora.core.ClusterBackend;
import dev.aurora.mesos.internal.ClassicScheduler;
import dev.aurora.mesos.internal.ExecutorSetting;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private final ExecutorSetting executor = new ExecutorSetting();

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

    /**
     * Runs each task's whole process graph through the task runner's executor jar as the task's
     * command, under the Mesos command executor: as {@link MesosBackend.Builder#executor}.
     *
     * @param executorJar where agents fetch {@code aurora-runner-<version>-executor.jar}
     * @param javaCommand the java command on the agents (Java 17 or newer)
     */
    public Builder executor(URI executorJar, String javaCommand) {
      executor.commandExecutor(executorJar, javaCommand);
      return this;
    }

    /**
     * Runs each task under the task runner's Mesos custom executor, whose status updates carry each
     * process's record to the scheduler: as {@link MesosBackend.Builder#customExecutor}. Use this or
     * {@link #executor}, not both.
     *
     * @param executorJar where agents fetch {@code aurora-runner-<version>-executor.jar}
     * @param javaCommand the java command on the agents (Java 17 or newer)
     */
    public Builder customExecutor(URI executorJar, String javaCommand) {
      executor.customExecutor(executorJar, javaCommand);
      return this;
    }

    /** The custom executor's own resources: as {@link MesosBackend.Builder#executorResources}. */
    public Builder executorResources(double cpus, double memMb) {
      executor.resources(cpus, memMb);
      return this;
    }

    /** The backend; names every bad setting at once. */
    public ClassicDriverBackend build() {
      List<String> problems = new ArrayList<>();
      if (driver == null) {
        problems.add("driver: required");
      }
      executor.problems(problems);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("bad classic driver backend settings: " + String.join("; ", problems));
      }
      return new ClassicScheduler(driver, registry, leftoverRefusal, executor.runner(), executor.custom());
    }
  }
}
