package dev.aurora.core;

import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The scheduler's events, each delivered after the change it reports is durable, in the order things
 * happened. Every event type is a {@link SchedulerEvent}; docs/reading-and-watching.md lists them.
 *
 * <p><b>Which thread.</b> A listener given no executor runs on the scheduler's state loop, the one
 * thread that does all scheduling: while it runs, nothing is placed, no status is taken in and no
 * call is answered, so it must be quick (record the event, hand it on). A listener given an {@link
 * Executor} runs there instead, off the loop: a slow one delays only its own events, which wait for
 * it in memory (without bound, so it must keep up on average). Either way a listener gets its events
 * one at a time, in order, and an exception it throws is logged and ignored.
 *
 * <pre>{@code
 * ExecutorService eventThread = Executors.newSingleThreadExecutor();
 * Subscription s = scheduler.events().subscribe(e -> log.info("{}", e), eventThread);
 * ...
 * s.close();
 * }</pre>
 *
 * <p><b>Recovery.</b> Subscribe before {@link Scheduler#start()} to see what recovery does (a cron
 * firing missed while the scheduler was down, tasks reconciliation finds lost and their replacements).
 * Recovery does not replay the events of the past: read the recovered state with {@link
 * Scheduler#jobs()} and {@link Scheduler#tasks(TaskQuery)}.
 */
public interface EventStream {

  /** Stops delivery to one listener. */
  interface Subscription extends AutoCloseable {
    /**
     * Stops delivery: once this returns the listener is given no further event, not even one already
     * queued on its executor (one it is handling at that moment finishes).
     */
    @Override
    void close();
  }

  /**
   * Delivers every later event to {@code listener} on the state loop: it must return quickly, since
   * scheduling waits for it.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  Subscription subscribe(Consumer<? super SchedulerEvent> listener);

  /**
   * Delivers every later event to {@code listener} through {@code executor}, one at a time and in
   * order even on a pool of many threads, off the state loop: a slow listener does not stall
   * scheduling. If {@code executor} refuses an event (it was shut down), that event is logged and
   * this listener misses it; other listeners do not.
   *
   * @throws NullPointerException if {@code listener} or {@code executor} is null
   */
  Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor);
}
