package dev.aurora.mesos.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.TaskLaunch;
import java.net.URI;
import java.time.Duration;

/**
 * How a task runs through the task runner's executor jar on an agent, under the Mesos command
 * executor: the agent fetches the jar ({@link #jar}) into the sandbox, and the task's command writes
 * the description held in the variable {@value #DESCRIPTION_VARIABLE} to {@value #DESCRIPTION_FILE}
 * and {@code exec}s {@code <java> -jar <jar file> } {@value #DESCRIPTION_FILE}, so the JVM is the
 * task's process: its exit code (0, 1, 3) is the task's end and the executor's SIGTERM reaches it.
 *
 * @param jar where agents fetch the executor jar from
 * @param javaCommand the java command on the agents
 */
public record RunnerCommand(URI jar, String javaCommand) {
  /** The environment variable holding the task's JSON description. */
  public static final String DESCRIPTION_VARIABLE = "AURORA_EXECUTOR_TASK";
  /** The file in the sandbox the description is written to (and left, for a look afterwards). */
  public static final String DESCRIPTION_FILE = "aurora-task.json";
  /** The runner's kill grace period where the task sets none (as the executor's default). */
  static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);
  /** Time for the JVM to start and stop, on top of the runner's own shutdown budget. */
  static final Duration JVM_MARGIN = Duration.ofSeconds(5);

  private static final ObjectMapper JSON = AuroraJson.newMapper().disable(SerializationFeature.INDENT_OUTPUT);

  /** The file name the jar has in the sandbox: the last segment of its URI's path. */
  public String jarFile() {
    String path = jar.getPath() == null ? jar.getSchemeSpecificPart() : jar.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.isEmpty() ? "aurora-runner-executor.jar" : name;
  }

  /** The shell command the command executor runs. */
  public String shellCommand() {
    return "printf '%s' \"$" + DESCRIPTION_VARIABLE + "\" > " + DESCRIPTION_FILE + " && exec "
        + LaunchTranslation.quote(javaCommand) + " -jar " + LaunchTranslation.quote(jarFile()) + " "
        + DESCRIPTION_FILE;
  }

  /**
   * The executor's description of {@code launch} (the format {@code dev.aurora.runner.ExecutorTask}
   * reads): the task config as written, its ports, instance and id (the runner resolves the task
   * variables) and the {@code AURORA_*} environment; the sandbox is the working directory.
   */
  public static String description(TaskLaunch launch) {
    ObjectNode d = JSON.createObjectNode();
    d.put("taskId", launch.taskId().value());
    d.put("instance", launch.instance().instance());
    d.set("task", JSON.valueToTree(launch.config()));
    d.set("environment", JSON.valueToTree(launch.environment()));
    d.set("ports", JSON.valueToTree(launch.ports()));
    return d.toString();
  }

  /**
   * How long the command executor waits between its SIGTERM and SIGKILL: the runner's whole graceful
   * shutdown (HTTP lifecycle waits, the kill grace period, the finalizers' time) plus {@link
   * #JVM_MARGIN}, so a kill runs the finalizers.
   */
  public static Duration killGracePeriod(TaskConfig config) {
    Duration d = config.killGracePeriod().orElse(DEFAULT_KILL_GRACE).plus(config.finalizationWait()).plus(JVM_MARGIN);
    if (config.httpLifecycle().isPresent()) {
      HttpLifecycle h = config.httpLifecycle().get();
      d = d.plus(h.gracefulShutdownWait()).plus(h.shutdownWait());
    }
    return d;
  }
}
