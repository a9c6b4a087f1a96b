package dev.aurora.runner;

import dev.aurora.runner.internal.GraphRun;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Runs a task's process graph with Thermos's semantics (see {@link dev.aurora.api.ProcessConfig}):
 *
 * <pre>{@code
 * TaskRun run = TaskRunner.start(RunSpec.of(task, task.processes(), sandbox, Map.of(), ports, Duration.ofSeconds(5)),
 *     ProcessStarter.shell(), listener);
 * TaskOutcome outcome = run.outcome().get();
 * }</pre>
 *
 * Each process's output goes where its logger says ({@link dev.aurora.api.ProcessLogger}): by default
 * to {@code <sandbox>/<name>.stdout} and {@code .stderr} (appended, run after run); at most the task's
 * {@code maxConcurrency} processes run at once, and the task fails once {@code maxFailures} processes
 * have failed for good (see {@link dev.aurora.api.TaskConfig}). Each change of a process's state goes to the listener as a {@link ProcessReport}, and
 * the task's end as a {@link TaskOutcome}.
 */
public final class TaskRunner {
  private TaskRunner() {}

  /** Starts running {@code spec} on a thread of its own, which ends with the run. */
  public static TaskRun start(RunSpec spec, ProcessStarter starter, RunnerListener listener) {
    return GraphRun.start(spec, starter, listener, null);
  }

  /**
   * Starts running {@code spec} with its bookkeeping on {@code loop}, which must run one task at a time
   * (a single thread; shared by many runs if it is never blocked) and outlive the run.
   */
  public static TaskRun start(RunSpec spec, ProcessStarter starter, RunnerListener listener,
      ScheduledExecutorService loop) {
    return GraphRun.start(spec, starter, listener, loop);
  }
}
