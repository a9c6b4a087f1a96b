package dev.aurora.benchmarks;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated by threads, from HotSpot's per-thread counters: a figure that does not depend on how
 * busy the machine is, unlike time.
 */
final class Alloc {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Alloc() {}

  /** What the thread with id {@code threadId} has allocated so far, in bytes (-1 if unknown). */
  static long bytes(long threadId) {
    return THREADS.getThreadAllocatedBytes(threadId);
  }

  /** What the calling thread has allocated so far, in bytes. */
  static long current() {
    return bytes(Thread.currentThread().getId());
  }
}
