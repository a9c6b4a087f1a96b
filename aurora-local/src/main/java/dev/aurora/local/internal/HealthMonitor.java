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
 * Runs one running task's {@link HealthCheck}, as Aurora's executor does: probes from the start, one
 * every interval (the first after the interval or the initial delay, whichever is shorter). The task is
 * healthy as soon as a probe passes. The initial delay is a grace period for a task starting up: until
 * a probe has passed, failures within it do not count; after it (or after the first pass), the task is
 * unhealthy once more than {@code maxConsecutiveFailures} probes fail in a row. Each change of verdict
 * (and the first verdict) is reported.
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
  private boolean passedOnce;
  /** How long after the start the probe that runs next (or runs now) was due. */
  private long sinceStartNanos;
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
    schedule(Math.min(check.interval().toNanos(), check.initialDelay().toNanos()));
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
    sinceStartNanos += delayNanos; // the time the next probe runs at, counted without a clock
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
      boolean inGrace = !passedOnce && sinceStartNanos < check.initialDelay().toNanos();
      if (result.passed()) {
        passedOnce = true;
        failuresInARow = 0;
        verdict = Optional.of(true);
      } else if (inGrace) {
        // still starting up: a failure inside the initial delay does not count
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
