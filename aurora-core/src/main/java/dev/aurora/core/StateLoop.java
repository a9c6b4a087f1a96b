package dev.aurora.core;

import java.time.Clock;
import java.time.Duration;

/**
 * The single thread on which every change of scheduler state happens, with the clock that drives its
 * timers. The default runs a real thread on the system clock; the testkit's manual loop runs on a fake
 * clock driven by the test, so a whole cluster run is deterministic and nothing sleeps.
 */
public interface StateLoop {

  /** A scheduled piece of work that can be cancelled. */
  interface Timer {
    /** Cancels the work if it has not run yet. */
    void cancel();
  }

  /** The clock the scheduler reads; never the wall clock directly. */
  Clock clock();

  /** Runs {@code work} on the loop soon, after work already queued. */
  void execute(Runnable work);

  /** Runs {@code work} on the loop once {@code delay} has passed on {@link #clock()}. */
  Timer schedule(Duration delay, Runnable work);

  /**
   * Whether the calling thread may run loop work directly. True on the loop's own thread; the manual
   * loop answers true for any thread, since the test thread drives it.
   */
  boolean inLoop();

  /** Starts the loop's thread, if it has one. */
  void start();

  /** Stops the loop; queued work is dropped. */
  void stop();

  /** How much work is queued and not yet run. */
  int queueDepth();

  /** A loop on its own daemon thread, with timers on {@code clock}. */
  static StateLoop singleThread(Clock clock) {
    return new dev.aurora.core.internal.loop.ThreadStateLoop(clock);
  }
}
