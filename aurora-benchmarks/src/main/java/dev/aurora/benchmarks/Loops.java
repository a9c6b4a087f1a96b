package dev.aurora.benchmarks;

import dev.aurora.core.StateLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Waiting for a state loop in the harnesses. */
final class Loops {
  private Loops() {}

  /**
   * Waits until {@code loop} has run everything queued so far, {@code rounds} times over (so work that
   * work queued runs too).
   *
   * @throws IllegalStateException if a round takes over 5 minutes
   */
  static void idle(StateLoop loop, int rounds) throws InterruptedException {
    for (int i = 0; i < rounds; i++) {
      CountDownLatch done = new CountDownLatch(1);
      loop.execute(done::countDown);
      if (!done.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the state loop did not get to the end of its queue in 5 minutes");
      }
    }
  }

  /** The id of the thread {@code loop} runs its work on (for per-thread CPU and allocation counters). */
  static long threadId(StateLoop loop) throws InterruptedException {
    long[] id = new long[1];
    CountDownLatch found = new CountDownLatch(1);
    loop.execute(() -> {
      id[0] = Thread.currentThread().getId();
      found.countDown();
    });
    if (!found.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("the state loop did not run a task in 5 minutes");
    }
    return id[0];
  }
}
