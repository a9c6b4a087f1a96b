package dev.aurora.local.internal;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskStatus;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one running task's {@link HealthCheck}: a first probe after the initial delay, then one every
 * interval. The task is healthy after a probe passes and unhealthy after more than {@code
 * maxConsecutiveFailures} fail in a row; each change (and the first verdict) is reported.
 */
final class HealthMonitor {

  /** One check of a task's health. */
  interface Probe {
    /** Probes once, within the check's timeout; never throws. */
    Result probe();
  }

  /** What one probe found. */
  record Result(boolean passed, String message) {}

  private final TaskId taskId;
  private final HealthCheck check;
  private final Probe probe;
  private final ScheduledExecutorService timer;
  private final Executor workers;
  private final Consumer<TaskStatus> report;

  private boolean stopped;
  private ScheduledFuture<?> next;
  private int failuresInARow;
  private Optional<Boolean> healthy = Optional.empty();

  HealthMonitor(TaskId taskId, HealthCheck check, Probe probe, ScheduledExecutorService timer,
      Executor workers, Consumer<TaskStatus> report) {
    this.taskId = taskId;
    this.check = check;
    this.probe = probe;
    this.timer = timer;
    this.workers = workers;
    this.report = report;
  }

  synchronized void start() {
    schedule(check.initialDelay().toNanos());
  }

  /** Stops probing; no report follows. */
  synchronized void stop() {
    stopped = true;
    if (next != null) {
      next.cancel(false);
    }
  }

  /** The last verdict, if there is one yet. */
  synchronized Optional<Boolean> healthy() {
    return healthy;
  }

  private void schedule(long delayNanos) {
    if (!stopped) {
      try {
        next = timer.schedule(() -> workers.execute(this::probeOnce), delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        stopped = true; // the backend is closing
      }
    }
  }

  private void probeOnce() {
    Result result = probe.probe();
    synchronized (this) {
      if (stopped) {
        return;
      }
      Optional<Boolean> verdict = healthy;
      if (result.passed()) {
        failuresInARow = 0;
        verdict = Optional.of(true);
      } else if (++failuresInARow > check.maxConsecutiveFailures()) {
        verdict = Optional.of(false);
      }
      if (!verdict.equals(healthy)) {
        healthy = verdict;
        String message = result.passed() ? result.message()
            : result.message() + " (" + failuresInARow + " failure" + (failuresInARow == 1 ? "" : "s")
                + " in a row)";
        report.accept(TaskStatus.health(taskId, verdict.get(), message));
      }
      schedule(check.interval().toNanos());
    }
  }
}
