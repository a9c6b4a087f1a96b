package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * What each task of a job runs and needs: its processes, resources, placement constraints, tier,
 * priority, health check and announcement. All tasks of a job share one instance of this value;
 * per-task details ({@code {{port.NAME}}}, {@code {{instance}}}, {@code {{task_id}}}) are resolved
 * only at launch.
 */
@Value.Immutable(prehash = true)
@JsonSerialize(as = ImmutableTaskConfig.class)
@JsonDeserialize(as = ImmutableTaskConfig.class)
public abstract class TaskConfig {

  /**
   * The processes: a graph run by the task runner as Thermos runs it (see {@link ProcessConfig}).
   * Without {@link #processOrders()} they run one after another in this order, unless the task is
   * not {@link #sequential()}.
   */
  public abstract List<ProcessConfig> processes();

  /**
   * Ordering constraints between processes, as Thermos's {@code Constraint(order=[...])}: in each list
   * a process starts only once the one before it has succeeded. Processes no order binds run in
   * parallel. Finalizers may be ordered only among themselves.
   */
  @Value.Default
  public List<List<String>> processOrders() {
    return List.of();
  }

  /**
   * Whether processes run one after another in the order listed: true (the default) when the task
   * declares no {@link #processOrders()}. Then each regular process waits for the regular process
   * listed before it, and each finalizer for the finalizer listed before it; daemon and ephemeral
   * processes start with the task. False: only {@link #processOrders()} order processes.
   */
  @Value.Default
  public boolean sequential() {
    return processOrders().isEmpty();
  }

  /**
   * The time the task's finalizers have, all together, once the task ends or is killed (Thermos's
   * {@code finalization_wait}); 30 seconds by default. Finalizers still running then are killed.
   */
  @Value.Default
  public Duration finalizationWait() {
    return Duration.ofSeconds(30);
  }

  /**
   * How long a kill waits after SIGTERM before it sends SIGKILL to what is left of the task; the
   * backend's own grace period when empty.
   */
  @Value.Default
  public Optional<Duration> killGracePeriod() {
    return Optional.empty();
  }

  /**
   * Aurora's HTTP lifecycle: on a kill, {@code POST /quitquitquit} and then {@code POST
   * /abortabortabort} to a named port before any signal; none when empty.
   */
  @Value.Default
  public Optional<HttpLifecycle> httpLifecycle() {
    return Optional.empty();
  }

  /**
   * How many of the task's processes may fail for good before the task fails (Thermos's task {@code
   * max_failures}): 1 (the default) fails the task at the first, 0 never fails it for a process's
   * failure. A process has failed for good once it used up its own {@link ProcessConfig#maxFailures()};
   * finalizers do not count. Not to be confused with {@link #maxTaskFailures()}, how often the
   * scheduler runs a failed task again.
   */
  @Value.Default
  public int maxFailures() {
    return 1;
  }

  /**
   * How many of the task's processes may run at once (Thermos's {@code max_concurrency}); 0 (the
   * default) means no limit. Daemon and ephemeral processes take a place too.
   */
  @Value.Default
  public int maxConcurrency() {
    return 0;
  }

  /**
   * Where the output of a process that sets no {@link ProcessConfig#logger()} goes; by default files
   * in the sandbox, growing without limit ({@link ProcessLogger#file()}).
   */
  @Value.Default
  public ProcessLogger logger() {
    return ProcessLogger.file();
  }

  /** The logger of {@code process}: its own, or else the task's. */
  public ProcessLogger loggerOf(ProcessConfig process) {
    return process.logger().orElse(logger());
  }

  /** What one task needs. */
  @Value.Default
  public Resources resources() {
    return Resources.NONE;
  }

  /** Placement rules; see {@link Constraint}. */
  public abstract List<Constraint> constraints();

  /**
   * Priority within the role: pending tasks of higher priority are placed first and may preempt
   * lower-priority tasks of the same role.
   */
  @Value.Default
  public int priority() {
    return 0;
  }

  /** The tier; {@link Tier#PREFERRED} unless set. */
  @Value.Default
  public Tier tier() {
    return Tier.PREFERRED;
  }

  /**
   * The name of a tier the scheduler's tier configuration defines ({@code "batch"}, say), if the task
   * names one; it then decides the task's tier, and the scheduler sets {@link #tier()} to the built-in
   * tier whose rules it follows. A task that names none and leaves {@link #tier()} at {@code
   * PREFERRED} gets the configuration's default tier ({@code preferred} unless configured).
   */
  @Value.Default
  public Optional<String> tierName() {
    return Optional.empty();
  }

  /** Whether this is production work (production tasks must be in the preferred tier). */
  @Value.Default
  public boolean production() {
    return false;
  }

  /**
   * How many times a non-service task may fail before it is not retried again: 1 means no retry, -1
   * retries forever.
   */
  @Value.Default
  public int maxTaskFailures() {
    return 1;
  }

  /** Whether this task belongs to a service: it is replaced whenever it ends, for any reason. */
  @Value.Default
  public boolean service() {
    return false;
  }

  /** How to tell the task is healthy; without one a task is healthy once RUNNING. */
  public abstract Optional<HealthCheck> healthCheck();

  /** Where to announce the task in ZooKeeper, if anywhere. */
  public abstract Optional<Announce> announce();

  /** Free-form key/value pairs for people and tools; the scheduler ignores them. */
  public abstract Map<String, String> metadata();

  /**
   * A container image to run the processes in. A backend that cannot run it refuses the task ({@code
   * ClusterBackend.cannotRun} in aurora-core): it stays pending, with the reason in {@code whyPending},
   * and never runs without its container.
   */
  public abstract Optional<String> container();

  /**
   * What happens when the task's agent cannot be reached: how long to wait before replacing the task,
   * or whether to replace it at all; {@link PartitionPolicy#DEFAULT} (replace at once) unless set.
   */
  @Value.Default
  public PartitionPolicy partitionPolicy() {
    return PartitionPolicy.DEFAULT;
  }

  /**
   * The job's own restart back-off after flapping, and when an instance is in a crash loop; the
   * scheduler-wide flapping penalty unless set.
   */
  @Value.Default
  public Optional<RestartPolicy> restartPolicy() {
    return Optional.empty();
  }

  /** How far a host drain may take the job down; the scheduler-wide drain SLA unless set. */
  @Value.Default
  public Optional<SlaPolicy> slaPolicy() {
    return Optional.empty();
  }

  /** A builder. */
  public static ImmutableTaskConfig.Builder builder() {
    return ImmutableTaskConfig.builder();
  }
}
