package dev.aurora.local.internal;

import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.TaskStatus;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands reports to the scheduler's {@link BackendListener} on one thread of its own, in the order
 * they were made, so no caller holds a lock while the listener runs and a task's STARTING always
 * comes before its RUNNING and its end. After {@link #stop()} reports are dropped.
 */
final class Reporter {
  private static final Logger LOG = LoggerFactory.getLogger(Reporter.class);

  private final ExecutorService thread;
  private volatile BackendListener listener;

  Reporter() {
    this(Executors.newSingleThreadExecutor(Threads.named("reports")));
  }

  /** Reports on {@code thread}, which must run what it is given one at a time, in order. */
  Reporter(ExecutorService thread) {
    this.thread = thread;
  }

  /** Sends every later report to {@code listener}. */
  void start(BackendListener listener) {
    this.listener = listener;
  }

  /** Drops queued and later reports. */
  void stop() {
    thread.shutdownNow();
  }

  void offers(List<Offer> offers) {
    if (!offers.isEmpty()) {
      deliver("offers " + offers, l -> l.offers(offers));
    }
  }

  void status(TaskStatus status) {
    LOG.debug("task {} {} {}", status.taskId(), status.state(), status.message());
    deliver("status " + status, l -> l.statusUpdate(status));
  }

  private void deliver(String what, Consumer<BackendListener> report) {
    try {
      thread.execute(() -> {
        try {
          report.accept(listener);
        } catch (RuntimeException e) {
          LOG.warn("the backend listener failed on {}", what, e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("not reporting {}: the local backend is closed", what);
    }
  }
}
