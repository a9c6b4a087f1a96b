package dev.aurora.testkit.internal.sim;

import dev.aurora.core.StateLoop;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Duration;

/**
 * The shared manual loop as one scheduler sees it: stopping it (a scheduler that closes or whose
 * storage failed) drops only that scheduler's later work and timers; the cluster and a restarted
 * scheduler keep the loop.
 */
public final class ScopedLoop implements StateLoop {
  private final ManualStateLoop loop;
  private volatile boolean stopped;

  public ScopedLoop(ManualStateLoop loop) {
    this.loop = loop;
  }

  @Override
  public java.time.Clock clock() {
    return loop.clock();
  }

  @Override
  public void execute(Runnable work) {
    if (!stopped) {
      loop.execute(() -> {
        if (!stopped) {
          work.run();
        }
      });
    }
  }

  @Override
  public Timer schedule(Duration delay, Runnable work) {
    return loop.schedule(delay, () -> {
      if (!stopped) {
        work.run();
      }
    });
  }

  @Override
  public boolean inLoop() {
    return true;
  }

  @Override
  public void start() {}

  @Override
  public void stop() {
    stopped = true;
  }

  /** Whether the scheduler using it stopped it. */
  public boolean stopped() {
    return stopped;
  }

  @Override
  public int queueDepth() {
    return loop.queueDepth();
  }
}
