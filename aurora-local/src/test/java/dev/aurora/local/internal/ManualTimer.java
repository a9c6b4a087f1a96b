package dev.aurora.local.internal;

import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} driven by the test, with a clock of its own: {@link #execute}
 * runs its work at once, on the caller's thread; scheduled work runs when {@link #advance} moves the
 * clock past it, in the order it falls due. Nothing sleeps. Not thread-safe: one test thread drives it.
 */
final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService {
  private final PriorityQueue<Timed> due = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long seq;
  private boolean shutdown;

  /** Now, in nanoseconds. */
  long nanoTime() {
    return now;
  }

  /** Moves the clock forward by {@code d}, running what falls due on the way. */
  void advance(Duration d) {
    long until = now + d.toNanos();
    while (!due.isEmpty() && due.peek().at - until <= 0) {
      Timed next = due.poll();
      now = Math.max(now, next.at);
      if (!next.cancelled) {
        next.done = true;
        next.work.run();
      }
    }
    now = until;
  }

  /** How many scheduled tasks are neither run nor cancelled. */
  int pending() {
    return (int) due.stream().filter(t -> !t.cancelled).count();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable work, long delay, TimeUnit unit) {
    Timed timed = new Timed(now + unit.toNanos(Math.max(0, delay)), seq++, work);
    due.add(timed);
    return timed;
  }

  @Override
  public void execute(Runnable work) {
    work.run();
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Timed implements ScheduledFuture<Object> {
    final long at;
    final long order;
    final Runnable work;
    boolean cancelled;
    boolean done;

    Timed(long at, long order, Runnable work) {
      this.at = at;
      this.order = order;
      this.work = work;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(at - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      Timed o = (Timed) other;
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(order, o.order);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done || cancelled) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      return null;
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      return null;
    }
  }
}
