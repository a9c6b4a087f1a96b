package dev.aurora.core.internal.loop;

import dev.aurora.core.StateLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link StateLoop}: one daemon thread, timers in real time.
 *
 * <p>The loop thread is never interrupted: work on it writes to storage (a {@code FileChannel} closes
 * itself when the thread writing to it is interrupted, which would end the storage). {@link #stop()}
 * drops queued work and timers, lets the work that runs finish, and waits for it.
 */
public final class ThreadStateLoop implements StateLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadStateLoop.class);
  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  /** How long {@link #stop()} waits for the work that runs to finish. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);
  private final AtomicInteger queued = new AtomicInteger();
  private volatile Thread thread;
  private volatile boolean stopped;

  public ThreadStateLoop(Clock clock) {
    this.clock = clock;
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "aurora-state-loop");
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public void execute(Runnable work) {
    queued.incrementAndGet();
    try {
      executor.execute(() -> {
        queued.decrementAndGet();
        run(work);
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      queued.decrementAndGet();
      LOG.debug("state loop stopped; dropped work");
    }
  }

  @Override
  public Timer schedule(Duration delay, Runnable work) {
    try {
      ScheduledFuture<?> f = executor.schedule(() -> run(work), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return () -> { };
    }
  }

  private void run(Runnable work) {
    if (stopped) {
      return; // queued before stop(): dropped
    }
    try {
      work.run();
    } catch (RuntimeException | Error e) {
      LOG.error("state loop work failed", e);
    }
  }

  @Override
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  @Override
  public void start() {
    executor.prestartAllCoreThreads();
  }

  @Override
  public void stop() {
    stopped = true;
    executor.shutdown(); // cancels timers; queued work is skipped; nothing is interrupted
    if (!inLoop()) {
      try {
        if (!executor.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn("the state loop's current work did not finish within {}; leaving it to finish alone", STOP_WAIT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public int queueDepth() {
    return queued.get();
  }
}
