package dev.aurora.core.internal.launch;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.ImmutableHealthCheck;
import dev.aurora.api.ImmutableProcessConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskVariables;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.internal.placement.AgentState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The launch of one job's tasks of one config, made once: the parts every task's launch shares (the
 * job's name, the port names and their {@code AURORA_PORT_<NAME>} variables, the processes and health
 * check that hold no task variable) are kept as they are, and every text that holds a task variable is
 * split once into its fixed pieces and its variables. A task's launch then only fills in its id,
 * instance, agent and ports. The launches it makes are equal, field by field and in every map's order,
 * to those of {@link LaunchFactory#launchOf(ScheduledTask, AgentState)}.
 */
public final class LaunchTemplate {
  private final JobKey job;
  private final String jobName;
  private final String[] portNames;
  private final String[] portVariables;
  /** The processes as configured, when none of them holds a task variable; else null. */
  private final ImmutableList<ProcessConfig> fixedProcesses;
  /** Each process, resolved per task or as configured; null with {@link #fixedProcesses}. */
  private final ProcessTemplate[] processes;
  private final Optional<HealthCheck> health;
  private final Text healthPath;
  private final Text healthCommand;

  private LaunchTemplate(JobKey job, TaskConfig config) {
    this.job = job;
    this.jobName = job.toString();
    List<String> names = new ArrayList<>(config.resources().ports());
    this.portNames = names.toArray(new String[0]);
    this.portVariables = new String[portNames.length];
    for (int i = 0; i < portNames.length; i++) {
      portVariables[i] = LaunchFactory.portVariable(portNames[i]);
    }
    List<ProcessConfig> configured = config.processes();
    ProcessTemplate[] made = new ProcessTemplate[configured.size()];
    boolean any = false;
    for (int i = 0; i < made.length; i++) {
      made[i] = new ProcessTemplate(configured.get(i), portNames);
      any |= !made[i].fixed;
    }
    this.fixedProcesses = any ? null : ImmutableList.copyOf(configured);
    this.processes = any ? made : null;
    this.health = config.healthCheck();
    this.healthPath = health.isPresent() ? Text.of(health.get().path().orElse(null), portNames) : null;
    this.healthCommand = health.isPresent() ? Text.of(health.get().command().orElse(null), portNames) : null;
  }

  /** The template of the launches of {@code job}'s tasks of {@code config}. */
  public static LaunchTemplate of(JobKey job, TaskConfig config) {
    return new LaunchTemplate(job, config);
  }

  /**
   * The launch of an ASSIGNED task of this template's job and config on {@code agent}, with its ports
   * {@code ports} (aligned with the config's port names; the task's own array, never changed). Its ports are made at once (a backend takes
   * them from its offers); its environment, processes and health check are made from the template when
   * first asked for, equal to what {@link LaunchFactory#launchOf(ScheduledTask, AgentState)} makes.
   */
  public TaskLaunch launchOf(ScheduledTask t, int[] ports, AgentState agent) {
    if (ports.length != portNames.length || !t.job().equals(job)) {
      return LaunchFactory.launchOf(t, agent); // not a task this template was made for: the general way
    }
    ImmutableMap<String, Integer> portMap;
    if (ports.length == 0) {
      portMap = ImmutableMap.of();
    } else if (ports.length == 1) {
      portMap = ImmutableMap.of(portNames[0], ports[0]);
    } else {
      ImmutableMap.Builder<String, Integer> pm = ImmutableMap.builderWithExpectedSize(ports.length);
      for (int i = 0; i < ports.length; i++) {
        pm.put(portNames[i], ports[i]);
      }
      portMap = pm.buildOrThrow();
    }
    return new TemplateLaunch(this, t.id(), t.instanceKey(), agent.id(), t.config(), portMap, ports);
  }

  /** Each port number as text, aligned with the port names. */
  static String[] portValues(int[] ports) {
    String[] values = new String[ports.length];
    for (int i = 0; i < ports.length; i++) {
      values[i] = Integer.toString(ports[i]);
    }
    return values;
  }

  /** The environment of a task's launch: its id, instance, the job, and a variable per port, in that order. */
  ImmutableMap<String, String> environmentOf(String id, String instance, String[] portValues) {
    if (portValues.length == 0) {
      return ImmutableMap.of("AURORA_TASK_ID", id, "AURORA_INSTANCE", instance, "AURORA_JOB", jobName);
    } else if (portValues.length == 1) {
      return ImmutableMap.of("AURORA_TASK_ID", id, "AURORA_INSTANCE", instance, "AURORA_JOB", jobName,
          portVariables[0], portValues[0]);
    }
    ImmutableMap.Builder<String, String> e = ImmutableMap.builderWithExpectedSize(3 + portValues.length);
    e.put("AURORA_TASK_ID", id).put("AURORA_INSTANCE", instance).put("AURORA_JOB", jobName);
    for (int i = 0; i < portValues.length; i++) {
      e.put(portVariables[i], portValues[i]);
    }
    return e.buildOrThrow();
  }

  /** Whether a task's processes are the configured ones (none holds a task variable). */
  boolean fixedProcesses() {
    return fixedProcesses != null;
  }

  /** Whether a task's health check is the configured one (it holds no task variable, or there is none). */
  boolean fixedHealth() {
    return healthPath == null && healthCommand == null;
  }

  /** A task's processes, each with its task variables resolved. */
  ImmutableList<ProcessConfig> processesOf(String instance, String id, String[] portValues) {
    if (fixedProcesses != null) {
      return fixedProcesses;
    }
    if (processes.length == 1) {
      return ImmutableList.of(processes[0].resolve(instance, id, portValues));
    }
    ProcessConfig[] resolved = new ProcessConfig[processes.length];
    for (int i = 0; i < resolved.length; i++) {
      resolved[i] = processes[i].resolve(instance, id, portValues);
    }
    return ImmutableList.copyOf(resolved);
  }

  /** A task's health check, with its task variables resolved. */
  Optional<HealthCheck> healthOf(String instance, String id, String[] ports) {
    if (healthPath == null && healthCommand == null) {
      return health;
    }
    ImmutableHealthCheck c = ImmutableHealthCheck.copyOf(health.get());
    if (healthPath != null) {
      c = c.withPath(healthPath.render(instance, id, ports));
    }
    if (healthCommand != null) {
      c = c.withCommand(healthCommand.render(instance, id, ports));
    }
    return Optional.of(c);
  }

  /** One configured process: as it is, or its texts with task variables split once. */
  private static final class ProcessTemplate {
    private final ImmutableProcessConfig configured;
    /** Whether the process holds no task variable (launched as configured). */
    final boolean fixed;
    private final Text command;
    private final String[] envKeys;
    /** Each environment value's template, or null where it holds no task variable; null with no variable at all. */
    private final Text[] envValues;
    private final Text workingDirectory;

    ProcessTemplate(ProcessConfig p, String[] portNames) {
      this.configured = ImmutableProcessConfig.copyOf(p);
      this.command = Text.of(p.command(), portNames);
      Map<String, String> env = p.environment();
      String[] keys = new String[env.size()];
      Text[] values = new Text[env.size()];
      boolean anyEnv = false;
      int i = 0;
      for (Map.Entry<String, String> e : env.entrySet()) {
        keys[i] = e.getKey();
        values[i] = Text.of(e.getValue(), portNames);
        anyEnv |= values[i] != null;
        i++;
      }
      this.envKeys = keys;
      this.envValues = anyEnv ? values : null;
      this.workingDirectory = Text.of(p.workingDirectory().orElse(null), portNames);
      this.fixed = command == null && envValues == null && workingDirectory == null;
    }

    ProcessConfig resolve(String instance, String id, String[] ports) {
      if (fixed) {
        return configured;
      }
      ImmutableProcessConfig c = configured;
      if (command != null) {
        c = c.withCommand(command.render(instance, id, ports));
      }
      if (envValues != null) {
        ImmutableMap.Builder<String, String> env = ImmutableMap.builderWithExpectedSize(envKeys.length);
        Map<String, String> configuredEnv = configured.environment();
        for (int i = 0; i < envKeys.length; i++) {
          env.put(envKeys[i], envValues[i] == null ? configuredEnv.get(envKeys[i])
              : envValues[i].render(instance, id, ports));
        }
        c = c.withEnvironment(env.buildOrThrow());
      }
      if (workingDirectory != null) {
        c = c.withWorkingDirectory(workingDirectory.render(instance, id, ports));
      }
      return c;
    }
  }

  /**
   * A text with task variables, split into its fixed pieces and the variables between them, exactly as
   * {@link dev.aurora.api.TaskVariables#resolve} reads it for a task that has every port of its config.
   */
  static final class Text {
    static final int INSTANCE = -1;
    static final int TASK_ID = -2;

    /** The fixed pieces: one more than {@link #variables}. */
    private final String[] pieces;
    /** Each variable: {@link #INSTANCE}, {@link #TASK_ID}, or the index of a port name. */
    private final int[] variables;
    private final int fixedLength;

    private Text(String[] pieces, int[] variables) {
      this.pieces = pieces;
      this.variables = variables;
      int n = 0;
      for (String p : pieces) {
        n += p.length();
      }
      this.fixedLength = n;
    }

    /**
     * The template of {@code text} for tasks with the ports {@code portNames}, or null if it holds no task
     * variable (null for null), split where {@code TaskVariables.scan} finds its variables (as
     * {@code TaskVariables.resolve} resolves them).
     */
    static Text of(String text, String[] portNames) {
      if (text == null || text.indexOf("{{") < 0) {
        return null;
      }
      List<String> pieces = new ArrayList<>();
      List<Integer> variables = new ArrayList<>();
      int[] copied = {0};
      TaskVariables.scan(text, (name, open, end) -> {
        int variable = variableOf(name, portNames);
        if (variable == Integer.MIN_VALUE) {
          return false;
        }
        pieces.add(text.substring(copied[0], open));
        variables.add(variable);
        copied[0] = end;
        return true;
      });
      if (variables.isEmpty()) {
        return null;
      }
      pieces.add(text.substring(copied[0]));
      int[] vs = new int[variables.size()];
      for (int i = 0; i < vs.length; i++) {
        vs[i] = variables.get(i);
      }
      return new Text(pieces.toArray(new String[0]), vs);
    }

    private static int variableOf(String name, String[] portNames) {
      if (name.equals("instance")) {
        return INSTANCE;
      } else if (name.equals("task_id")) {
        return TASK_ID;
      } else if (name.startsWith("port.")) {
        String port = name.substring(5);
        for (int i = 0; i < portNames.length; i++) {
          if (portNames[i].equals(port)) {
            return i;
          }
        }
      }
      return Integer.MIN_VALUE;
    }

    /** The text for one task: its instance number and id as text, and its port numbers as text. */
    String render(String instance, String taskId, String[] ports) {
      int length = fixedLength;
      for (int v : variables) {
        length += (v == INSTANCE ? instance : v == TASK_ID ? taskId : ports[v]).length();
      }
      StringBuilder b = new StringBuilder(length);
      for (int i = 0; i < variables.length; i++) {
        int v = variables[i];
        b.append(pieces[i]).append(v == INSTANCE ? instance : v == TASK_ID ? taskId : ports[v]);
      }
      return b.append(pieces[variables.length]).toString();
    }
  }
}
