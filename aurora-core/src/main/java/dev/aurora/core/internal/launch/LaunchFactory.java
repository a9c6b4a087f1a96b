package dev.aurora.core.internal.launch;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.ImmutableHealthCheck;
import dev.aurora.api.ImmutableProcessConfig;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskVariables;
import dev.aurora.core.ImmutableTaskLaunch;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.internal.placement.AgentState;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Builds what a backend needs to launch an ASSIGNED task: its processes and health check with the task
 * variables ({@code {{instance}}}, {@code {{task_id}}}, {@code {{port.NAME}}}) resolved, and its
 * environment ({@code AURORA_TASK_ID}, {@code AURORA_INSTANCE}, {@code AURORA_JOB}, {@code
 * AURORA_PORT_<NAME>}).
 */
public final class LaunchFactory {
  private LaunchFactory() {}

  /**
   * The launch of an ASSIGNED task. Built for every task placed, so with Guava's immutable collections
   * handed to the value as they are (no builder copies), and the config's own processes and health
   * check reused where they hold no task variable.
   */
  public static TaskLaunch launchOf(ScheduledTask t, AgentState agent) {
    ImmutableMap<String, Integer> ports = ImmutableMap.copyOf(t.ports());
    String id = t.id().value();
    TaskVariables.PortLookup lookup = name -> {
      Integer p = ports.get(name);
      return p == null ? -1 : p;
    };
    ImmutableMap.Builder<String, String> env = ImmutableMap.builderWithExpectedSize(3 + ports.size());
    env.put("AURORA_TASK_ID", id);
    env.put("AURORA_INSTANCE", Integer.toString(t.instance()));
    env.put("AURORA_JOB", t.job().toString());
    ports.forEach((name, port) -> env.put(portVariable(name), Integer.toString(port)));
    ImmutableList<ProcessConfig> processes = processesOf(t, id, lookup);
    Optional<HealthCheck> health = healthCheckOf(t, id, lookup);
    return ImmutableTaskLaunch.of(t.id(), InstanceKey.of(t.job(), t.instance()), agent.id(),
        t.config(), ports, processes, env.buildOrThrow(), health);
  }

  /** The task's processes, each with its task variables resolved (reused as is where it has none). */
  private static ImmutableList<ProcessConfig> processesOf(ScheduledTask t, String id, TaskVariables.PortLookup lookup) {
    List<ProcessConfig> configured = t.config().processes();
    if (!anyHasTaskVariables(configured)) {
      return ImmutableList.copyOf(configured);
    }
    ImmutableList.Builder<ProcessConfig> resolved = ImmutableList.builderWithExpectedSize(configured.size());
    for (ProcessConfig p : configured) {
      if (!hasTaskVariables(p)) {
        resolved.add(p);
        continue;
      }
      // everything else the process was configured with (its kind, failure limit, minimum duration) stays;
      // copied field by field (with*), not through a builder that copies the environment twice
      ImmutableProcessConfig c = ImmutableProcessConfig.copyOf(p)
          .withCommand(TaskVariables.resolve(p.command(), t.instance(), id, lookup));
      if (hasVariable(p.environment())) {
        ImmutableMap.Builder<String, String> env = ImmutableMap.builderWithExpectedSize(p.environment().size());
        p.environment().forEach((k, v) -> env.put(k, TaskVariables.resolve(v, t.instance(), id, lookup)));
        c = c.withEnvironment(env.buildOrThrow());
      }
      if (hasVariable(p.workingDirectory())) {
        c = c.withWorkingDirectory(TaskVariables.resolve(p.workingDirectory().get(), t.instance(), id, lookup));
      }
      resolved.add(c);
    }
    return resolved.build();
  }

  /** The task's health check with its task variables resolved (reused as is where it has none). */
  private static Optional<HealthCheck> healthCheckOf(ScheduledTask t, String id, TaskVariables.PortLookup lookup) {
    Optional<HealthCheck> health = t.config().healthCheck();
    if (health.isEmpty() || !(hasVariable(health.get().path()) || hasVariable(health.get().command()))) {
      return health;
    }
    ImmutableHealthCheck c = ImmutableHealthCheck.copyOf(health.get());
    if (c.path().isPresent()) {
      c = c.withPath(TaskVariables.resolve(c.path().get(), t.instance(), id, lookup));
    }
    if (c.command().isPresent()) {
      c = c.withCommand(TaskVariables.resolve(c.command().get(), t.instance(), id, lookup));
    }
    return Optional.of(c);
  }

  /** {@code AURORA_PORT_<NAME>}: the port name upper-cased, anything but A-Z, 0-9 and _ as _. */
  static String portVariable(String name) {
    String cached = PORT_VARIABLES.get(name);
    if (cached != null) {
      return cached;
    }
    String made = makePortVariable(name);
    if (PORT_VARIABLES.size() < 1024) { // port names are few; a bound keeps odd inputs from growing it
      PORT_VARIABLES.put(name, made);
    }
    return made;
  }

  /** The environment variable of each port name seen (every launch of a task with ports asks). */
  private static final java.util.concurrent.ConcurrentHashMap<String, String> PORT_VARIABLES =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static String makePortVariable(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    StringBuilder b = new StringBuilder(12 + upper.length()).append("AURORA_PORT_");
    for (int i = 0; i < upper.length(); i++) {
      char c = upper.charAt(i);
      b.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
    }
    return b.toString();
  }

  private static boolean anyHasTaskVariables(List<ProcessConfig> processes) {
    for (int i = 0; i < processes.size(); i++) {
      if (hasTaskVariables(processes.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasTaskVariables(ProcessConfig p) {
    return hasVariable(p.command()) || hasVariable(p.workingDirectory()) || hasVariable(p.environment());
  }

  private static boolean hasVariable(Map<String, String> environment) {
    for (String v : environment.values()) {
      if (v.contains("{{")) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasVariable(String text) {
    return text.contains("{{");
  }

  private static boolean hasVariable(Optional<String> text) {
    return text.isPresent() && text.get().contains("{{");
  }
}
