package dev.aurora.core;

import dev.aurora.testkit.ManualStateLoop;
import java.time.Clock;
import java.time.Duration;

/** A {@link StateLoop} that hands every call to a {@link ManualStateLoop}; tests override what they watch or change. */
class ForwardingLoop implements StateLoop {
  final ManualStateLoop loop;

  ForwardingLoop(ManualStateLoop loop) {
    this.loop = loop;
  }

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
    return loop.inLoop();
  }

  @Override
  public void start() {
    loop.start();
  }

  @Override
  public void stop() {
    loop.stop();
  }

  @Override
  public int queueDepth() {
    return loop.queueDepth();
  }
}
