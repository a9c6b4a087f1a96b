package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.testkit.ManualStateLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A {@link ManualStateLoop} seen from other threads: their calls queue for the test thread to run. */
final class QueuedLoop {
  private QueuedLoop() {}

  static StateLoop of(ManualStateLoop loop) {
    return of(loop, () -> false);
  }

  /**
   * The same, but calls from a thread {@code inLoop} says is the loop's run at once (in a transaction
   * of their own), as calls on a production loop's own thread do.
   */
  static StateLoop of(ManualStateLoop loop, BooleanSupplier inLoop) {
    return new ForwardingLoop(loop) {
      @Override
      public boolean inLoop() {
        return inLoop.getAsBoolean();
      }

      @Override
      public void start() {}
    };
  }

  /** Runs {@code loop} on the test thread until {@code f} is done (at most 10 s). */
  static void runUntil(ManualStateLoop loop, CompletableFuture<?> f) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!f.isDone()) {
      assertThat(System.nanoTime()).as("done within 10 s").isLessThan(deadline);
      loop.runUntilIdle();
      try {
        f.get(10, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // keep driving the loop
      }
    }
  }
}
