package dev.aurora.core;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * What a backend needs to start one task: its id and instance, the shared task config, the ports
 * assigned to it, and its processes with every per-task variable ({@code {{port.NAME}}}, {@code
 * {{instance}}}, {@code {{task_id}}}) already resolved.
 */
@Value.Immutable
public abstract class TaskLaunch {
  /** The task's id. */
  @Value.Parameter
  public abstract TaskId taskId();

  /** The job and instance the task runs. */
  @Value.Parameter
  public abstract InstanceKey instance();

  /** The agent it goes to. */
  @Value.Parameter
  public abstract String agentId();

  /** The task config as the user wrote it (shared by the job's tasks). */
  @Value.Parameter
  public abstract TaskConfig config();

  /** Port numbers assigned to the task's named ports. */
  @Value.Parameter
  public abstract Map<String, Integer> ports();

  /** The processes to run in order, with per-task variables resolved. */
  @Value.Parameter
  public abstract List<ProcessConfig> processes();

  /**
   * Environment every process gets: {@code AURORA_TASK_ID}, {@code AURORA_INSTANCE}, {@code
   * AURORA_JOB}, and {@code AURORA_PORT_<NAME>} for each port, plus the processes' own.
   */
  @Value.Parameter
  public abstract Map<String, String> environment();

  /** The task's health check with per-task variables in its path or command resolved, if it has one. */
  @Value.Parameter
  public abstract java.util.Optional<dev.aurora.api.HealthCheck> healthCheck();

  /** A builder. */
  public static ImmutableTaskLaunch.Builder builder() {
    return ImmutableTaskLaunch.builder();
  }

  /**
   * Whether {@code another} is a launch with equal values in every attribute, whatever its class: a
   * launch the scheduler makes equals an {@link ImmutableTaskLaunch} built with the same values, and
   * the other way round.
   */
  @Override
  public boolean equals(Object another) {
    if (this == another) {
      return true;
    }
    return another instanceof TaskLaunch l
        && taskId().equals(l.taskId())
        && instance().equals(l.instance())
        && agentId().equals(l.agentId())
        && config().equals(l.config())
        && ports().equals(l.ports())
        && processes().equals(l.processes())
        && environment().equals(l.environment())
        && healthCheck().equals(l.healthCheck());
  }

  /** A hash of every attribute, equal for {@linkplain #equals equal} launches of any class. */
  @Override
  public int hashCode() {
    int h = 5381;
    h += (h << 5) + taskId().hashCode();
    h += (h << 5) + instance().hashCode();
    h += (h << 5) + agentId().hashCode();
    h += (h << 5) + config().hashCode();
    h += (h << 5) + ports().hashCode();
    h += (h << 5) + processes().hashCode();
    h += (h << 5) + environment().hashCode();
    h += (h << 5) + healthCheck().hashCode();
    return h;
  }

  /** Every attribute, by name (the health check's value, left out when there is none). */
  @Override
  public String toString() {
    return "TaskLaunch{taskId=" + taskId() + ", instance=" + instance() + ", agentId=" + agentId()
        + ", config=" + config() + ", ports=" + ports() + ", processes=" + processes()
        + ", environment=" + environment()
        + (healthCheck().isPresent() ? ", healthCheck=" + healthCheck().get() : "") + "}";
  }
}
