package dev.aurora.runner;

import dev.aurora.api.TaskConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the executor jar ({@link ExecutorMain}) runs: one task, as JSON.
 *
 * <pre>{@code
 * {
 *   "taskId": "www-data-prod-hello-0-1a2b3c",
 *   "instance": 0,
 *   "sandbox": "/var/lib/mesos/.../sandbox",        (optional: the working directory)
 *   "task": { ...a TaskConfig, as AuroraJson writes it: processes, processOrders, finalizationWait... },
 *   "environment": { "AURORA_JOB": "www-data/prod/hello" },       (optional)
 *   "ports": { "http": 31000 },                                  (optional)
 *   "killGracePeriod": "PT5S"      (optional: where the task sets none; 5 s by default)
 * }
 * }</pre>
 *
 * Commands have {@code {{port.NAME}}}, {@code {{instance}}} and {@code {{task_id}}} resolved, and every
 * process gets {@code AURORA_TASK_ID}, {@code AURORA_INSTANCE} and {@code AURORA_PORT_<NAME>} unless
 * {@code environment} sets them.
 *
 * @param taskId the task's id
 * @param instance the instance number
 * @param sandbox the directory to run in; the working directory when empty
 * @param task the task's config
 * @param environment variables for every process
 * @param ports the task's ports by name
 * @param killGracePeriod the grace period where the task sets none
 */
public record ExecutorTask(String taskId, int instance, Optional<String> sandbox, TaskConfig task,
    Map<String, String> environment, Map<String, Integer> ports, Optional<Duration> killGracePeriod) {

  /** Fills in what is optional and checks the rest. */
  public ExecutorTask {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(task, "task");
    sandbox = sandbox == null ? Optional.empty() : sandbox;
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    ports = ports == null ? Map.of() : Map.copyOf(ports);
    killGracePeriod = killGracePeriod == null ? Optional.empty() : killGracePeriod;
  }
}
