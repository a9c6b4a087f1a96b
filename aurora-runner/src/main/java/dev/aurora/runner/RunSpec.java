package dev.aurora.runner;

import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.ProcessLogger;
import dev.aurora.api.TaskConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the runner runs: a task's processes (commands resolved) with its ordering and shutdown
 * settings, the sandbox it runs in, the environment added to every process, and the task's ports.
 *
 * @param processes the processes, in the order the task lists them
 * @param processOrders ordering constraints, as {@link TaskConfig#processOrders()}
 * @param sequential whether processes run one after another as listed, as {@link TaskConfig#sequential()}
 * @param finalizationWait the finalizers' time, all together
 * @param killGracePeriod how long a stop waits after SIGTERM before SIGKILL
 * @param httpLifecycle the HTTP lifecycle on a kill, if any
 * @param sandbox the task's directory: working directory of processes, home of their output files
 * @param environment variables added to every process's environment (its own come on top)
 * @param ports the task's ports by name (the HTTP lifecycle's port is looked up here)
 * @param maxFailures how many processes may fail for good before the task fails, as {@link
 *     TaskConfig#maxFailures()} (0: no limit)
 * @param maxConcurrency how many processes may run at once, as {@link TaskConfig#maxConcurrency()} (0: no
 *     limit)
 * @param logger the logger of processes that set none, as {@link TaskConfig#logger()}
 */
public record RunSpec(List<ProcessConfig> processes, List<List<String>> processOrders, boolean sequential,
    Duration finalizationWait, Duration killGracePeriod, Optional<HttpLifecycle> httpLifecycle, Path sandbox,
    Map<String, String> environment, Map<String, Integer> ports, int maxFailures, int maxConcurrency,
    ProcessLogger logger) {

  /**
   * A spec with Thermos's default task limits (the first process that fails for good fails the task,
   * no limit on concurrency) and output to files in the sandbox.
   */
  public RunSpec(List<ProcessConfig> processes, List<List<String>> processOrders, boolean sequential,
      Duration finalizationWait, Duration killGracePeriod, Optional<HttpLifecycle> httpLifecycle, Path sandbox,
      Map<String, String> environment, Map<String, Integer> ports) {
    this(processes, processOrders, sequential, finalizationWait, killGracePeriod, httpLifecycle, sandbox,
        environment, ports, 1, 0, ProcessLogger.file());
  }

  /** Copies the collections and checks that nothing is null. */
  public RunSpec {
    processes = List.copyOf(processes);
    processOrders = processOrders.stream().map(List::copyOf).toList();
    Objects.requireNonNull(finalizationWait, "finalizationWait");
    Objects.requireNonNull(killGracePeriod, "killGracePeriod");
    Objects.requireNonNull(httpLifecycle, "httpLifecycle");
    Objects.requireNonNull(sandbox, "sandbox");
    environment = Map.copyOf(environment);
    ports = Map.copyOf(ports);
    Objects.requireNonNull(logger, "logger");
    if (maxFailures < 0 || maxConcurrency < 0) {
      throw new IllegalArgumentException("maxFailures and maxConcurrency must be >= 0, were " + maxFailures
          + " and " + maxConcurrency);
    }
  }

  /**
   * The spec of a task: its processes (commands as given: resolve task variables first), orders and
   * shutdown settings; {@code defaultKillGrace} where the task sets no kill grace period.
   */
  public static RunSpec of(TaskConfig task, List<ProcessConfig> processes, Path sandbox,
      Map<String, String> environment, Map<String, Integer> ports, Duration defaultKillGrace) {
    return new RunSpec(processes, task.processOrders(), task.sequential(), task.finalizationWait(),
        task.killGracePeriod().orElse(defaultKillGrace), task.httpLifecycle(), sandbox, environment, ports,
        task.maxFailures(), task.maxConcurrency(), task.logger());
  }

  /** The logger of {@code process}: its own, or else the task's {@link #logger()}. */
  public ProcessLogger loggerOf(ProcessConfig process) {
    return process.logger().orElse(logger);
  }

  /**
   * The file a process's standard output goes to: {@code <sandbox>/<name>.stdout} (with a rotating
   * logger, older output is in {@code .stdout.1}, {@code .stdout.2}, ...; with a logger that writes no
   * files, nothing is there).
   */
  public Path stdout(String process) {
    return sandbox.resolve(process + ".stdout");
  }

  /** The file a process's standard error goes to: {@code <sandbox>/<name>.stderr}. */
  public Path stderr(String process) {
    return sandbox.resolve(process + ".stderr");
  }
}
