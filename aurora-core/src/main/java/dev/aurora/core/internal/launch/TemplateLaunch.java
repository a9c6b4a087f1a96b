package dev.aurora.core.internal.launch;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.util.Optional;

/**
 * A task's launch made from its group's {@link LaunchTemplate}: the task's own values are kept as they
 * are, and its environment, processes and health check (which hold them as text) are made from the
 * template the first time they are asked for, then kept. A placement pass makes one object per task;
 * what a backend never reads is never made. It {@linkplain TaskLaunch#equals equals} an {@code
 * ImmutableTaskLaunch} of the same values.
 *
 * <p>Immutable and safe to read from any thread: what is made on first use is an immutable value (final
 * fields throughout), so a thread that sees a field set sees it whole; two threads asking at once may
 * each make an equal value.
 */
final class TemplateLaunch extends TaskLaunch {
  private final LaunchTemplate template;
  private final TaskId taskId;
  private final InstanceKey instance;
  private final String agentId;
  private final TaskConfig config;
  private final ImmutableMap<String, Integer> ports;
  /** The port numbers, aligned with the template's port names (the task's own array, never changed). */
  private final int[] portNumbers;
  // --- made on first use ---
  private ImmutableMap<String, String> environment;
  private ImmutableList<ProcessConfig> processes;
  private Optional<HealthCheck> healthCheck;

  TemplateLaunch(LaunchTemplate template, TaskId taskId, InstanceKey instance, String agentId,
      TaskConfig config, ImmutableMap<String, Integer> ports, int[] portNumbers) {
    this.template = template;
    this.taskId = taskId;
    this.instance = instance;
    this.agentId = agentId;
    this.config = config;
    this.ports = ports;
    this.portNumbers = portNumbers;
  }

  @Override
  public TaskId taskId() {
    return taskId;
  }

  @Override
  public InstanceKey instance() {
    return instance;
  }

  @Override
  public String agentId() {
    return agentId;
  }

  @Override
  public TaskConfig config() {
    return config;
  }

  @Override
  public ImmutableMap<String, Integer> ports() {
    return ports;
  }

  @Override
  public ImmutableList<ProcessConfig> processes() {
    ImmutableList<ProcessConfig> p = processes;
    if (p == null) {
      p = template.fixedProcesses() ? template.processesOf(null, null, null)
          : template.processesOf(instanceText(), taskId.value(), portValues());
      processes = p;
    }
    return p;
  }

  @Override
  public ImmutableMap<String, String> environment() {
    ImmutableMap<String, String> e = environment;
    if (e == null) {
      e = template.environmentOf(taskId.value(), instanceText(), portValues());
      environment = e;
    }
    return e;
  }

  @Override
  public Optional<HealthCheck> healthCheck() {
    Optional<HealthCheck> h = healthCheck;
    if (h == null) {
      h = template.fixedHealth() ? template.healthOf(null, null, null)
          : template.healthOf(instanceText(), taskId.value(), portValues());
      healthCheck = h;
    }
    return h;
  }

  private String instanceText() {
    return Integer.toString(instance.instance());
  }

  private String[] portValues() {
    return LaunchTemplate.portValues(portNumbers);
  }
}
