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
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.mesos.Protos;
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
 * subscription, failover and re-registration are the driver's. Give the backend the {@code FrameworkInfo}
 * ({@link Builder#driver(Protos.FrameworkInfo, BiFunction)}) and it keeps the framework id in the
 * scheduler's storage, as {@link MesosBackend} does, so a restarted or failed-over scheduler registers
 * again as the same framework:
 *
 * <pre>{@code
 * ClassicDriverBackend backend = ClassicDriverBackend.builder()
 *     .driver(frameworkInfo, (scheduler, info) -> new MesosSchedulerDriver(scheduler, info,
 *         "zk://zk1:2181/mesos", false, credential))
 *     .build();
 * }</pre>
 */
public interface ClassicDriverBackend extends ClusterBackend {

  /** A builder. */
  static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link ClassicDriverBackend}. */
  final class Builder {
    private BiFunction<Scheduler, Protos.FrameworkInfo, SchedulerDriver> driver;
    private Protos.FrameworkInfo frameworkInfo;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Duration leftoverRefusal = Duration.ofSeconds(5);
    private final ExecutorSetting executor = new ExecutorSetting();

    Builder() {}

    /**
     * Makes the driver for the backend's {@link Scheduler}; called once, at start. The driver's
     * {@code FrameworkInfo} is the caller's to keep: prefer {@link #driver(Protos.FrameworkInfo,
     * BiFunction)}, which keeps its framework id in the scheduler's storage. (This or that is required.)
     */
    public Builder driver(Function<Scheduler, SchedulerDriver> driver) {
      this.driver = driver == null ? null : (scheduler, info) -> driver.apply(scheduler);
      this.frameworkInfo = null;
      return this;
    }

    /**
     * Makes the driver for the backend's {@link Scheduler} with the {@code FrameworkInfo} to register
     * with; called once, at start. The backend passes {@code frameworkInfo} with the framework id the
     * scheduler stored when the framework last registered ({@link MesosBackend#FRAMEWORK_ID_PROPERTY}
     * in the scheduler's storage, kept by the file log, ZooKeeper and backups), so a restarted or
     * failed-over scheduler registers again as the same framework and its tasks keep running (set a
     * {@code failover_timeout} long enough for that). An id set in {@code frameworkInfo} is used only
     * while the storage holds none (e.g. the id an earlier deployment kept elsewhere); it is stored then.
     */
    public Builder driver(Protos.FrameworkInfo frameworkInfo,
        BiFunction<Scheduler, Protos.FrameworkInfo, SchedulerDriver> driver) {
      this.driver = driver;
      this.frameworkInfo = frameworkInfo;
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
      if (driver != null && frameworkInfo != null && !frameworkInfo.isInitialized()) {
        problems.add("frameworkInfo: missing " + frameworkInfo.findInitializationErrors());
      }
      executor.problems(problems);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("bad classic driver backend settings: " + String.join("; ", problems));
      }
      return new ClassicScheduler(driver, frameworkInfo, registry, leftoverRefusal, executor.runner(), executor.custom());
    }
  }
}
