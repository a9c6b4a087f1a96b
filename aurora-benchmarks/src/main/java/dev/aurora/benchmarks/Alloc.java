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

  /**
   * The CPU time the thread with id {@code threadId} has used so far, in nanoseconds (-1 if unknown): set
   * against the wall time, it tells work (CPU) from waiting for a core (the rest).
   */
  static long cpuNanos(long threadId) {
    return THREADS.getThreadCpuTime(threadId);
  }

  /** What the calling thread has allocated so far, in bytes. */
  static long current() {
    return bytes(Thread.currentThread().getId());
  }
}
