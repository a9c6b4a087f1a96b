package dev.aurora.local.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Makes the backend's threads: daemons (the shutdown hook, not they, ends the processes), named. */
final class Threads {
  private Threads() {}

  /** A factory of daemon threads named {@code aurora-local-<purpose>-<n>}. */
  static ThreadFactory named(String purpose) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, "aurora-local-" + purpose + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
