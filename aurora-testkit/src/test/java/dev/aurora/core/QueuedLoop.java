package dev.aurora.core;

import dev.aurora.testkit.ManualStateLoop;
import java.time.Clock;
import java.time.Duration;

/** A {@link ManualStateLoop} seen from other threads: their calls queue for the test thread to run. */
final class QueuedLoop {
  private QueuedLoop() {}

  static StateLoop of(ManualStateLoop loop) {
    return new StateLoop() {
      @Override
      public Clock clock() {
        return loop.clock();
      }

      @Override
      public void execute(Runnable work) {
        loop.execute(work);
      }

      @Override
      public Timer schedule(Duration delay, Runnable work) {
        return loop.schedule(delay, work);
      }

      @Override
      public boolean inLoop() {
        return false;
      }

      @Override
      public void start() {}

      @Override
      public void stop() {
        loop.stop();
      }

      @Override
      public int queueDepth() {
        return loop.queueDepth();
      }
    };
  }
}
