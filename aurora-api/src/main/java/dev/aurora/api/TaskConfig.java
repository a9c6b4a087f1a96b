package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
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

  /** The processes, run in order; the task finishes when the last one exits 0. */
  public abstract List<ProcessConfig> processes();

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

  /** A container image to run the processes in, where the backend supports one. */
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
