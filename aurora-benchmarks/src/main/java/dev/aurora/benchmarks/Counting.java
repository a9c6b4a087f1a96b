package dev.aurora.benchmarks;

import dev.aurora.core.ClusterBackend;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.ForwardingClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counters around a backend and a storage, for benchmarks on the production loop: tasks launched (a
 * client thread awaits a number of them), storage appends and the ops they carried (ops per append is
 * the group commit: one append, one fsync on the file log, per loop transaction batch).
 */
final class Counting {
  private Counting() {}

  /** A backend that counts the tasks launched through it. */
  static final class Backend extends ForwardingClusterBackend {
    private final ClusterBackend delegate;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition reached = lock.newCondition();
    private volatile long launched;
    private volatile long lastLaunchAt;
    /** The count {@link #await} waits for; the waiter is woken when it is reached (or by its own timeout). */
    private long target = Long.MAX_VALUE;

    Backend(ClusterBackend delegate) {
      this.delegate = delegate;
    }

    @Override
    protected ClusterBackend delegate() {
      return delegate;
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      delegate.launch(offerIds, tasks);
      lock.lock();
      try {
        launched += tasks.size();
        lastLaunchAt = System.nanoTime();
        if (launched >= target) {
          reached.signalAll(); // once, not per launch: a waiter woken per launch competes with the loop for a core
        }
      } finally {
        lock.unlock();
      }
    }

    long launched() {
      return launched;
    }

    /** The {@link System#nanoTime()} of the last launch. */
    long lastLaunchAt() {
      return lastLaunchAt;
    }

    /**
     * Waits until {@code count} tasks were launched, or no launch came for {@code quiet} while {@code
     * idle} says the loop has nothing queued, at most {@code timeout}; whether {@code count} were.
     */
    boolean await(long count, Duration quiet, java.util.function.BooleanSupplier idle, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      lock.lock();
      try {
        target = count;
        while (launched < count) {
          long now = System.nanoTime();
          if (now - deadline >= 0
              || (now - lastLaunchAt > quiet.toNanos() && idle.getAsBoolean() && launched > 0)) {
            return false;
          }
          reached.await(Math.min(deadline - now, quiet.toNanos() / 4), TimeUnit.NANOSECONDS);
        }
        return true;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * A storage that counts appends and the ops in them; on a {@link FileLogStorage} also the bytes its
   * appends added to the log and the bytes and number of its snapshots (from the files' sizes: figures
   * that do not depend on the machine's load).
   */
  static final class Store implements Storage {
    private final Storage delegate;
    private final java.nio.file.Path log;
    private final java.nio.file.Path snapshotFile;
    final AtomicLong appends = new AtomicLong();
    final AtomicLong ops = new AtomicLong();
    final AtomicLong logBytes = new AtomicLong();
    final AtomicLong snapshots = new AtomicLong();
    final AtomicLong snapshotBytes = new AtomicLong();

    Store(Storage delegate) {
      this.delegate = delegate;
      java.nio.file.Path dir = delegate instanceof FileLogStorage f ? f.directory() : null;
      this.log = dir == null ? null : dir.resolve("log");
      this.snapshotFile = dir == null ? null : dir.resolve("snapshot");
    }

    /** Zeroes every counter. */
    void reset() {
      appends.set(0);
      ops.set(0);
      logBytes.set(0);
      snapshots.set(0);
      snapshotBytes.set(0);
    }

    private static long size(java.nio.file.Path file) {
      try {
        return java.nio.file.Files.size(file);
      } catch (java.io.IOException e) {
        return 0;
      }
    }

    @Override
    public Stored recover() {
      return delegate.recover();
    }

    @Override
    public void append(List<Op> batch) {
      long before = log == null ? 0 : size(log);
      delegate.append(batch);
      if (log != null) {
        logBytes.addAndGet(Math.max(0, size(log) - before));
      }
      appends.incrementAndGet();
      ops.addAndGet(batch.size());
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      delegate.snapshot(snapshot);
      snapshots.incrementAndGet();
      if (snapshotFile != null) {
        snapshotBytes.addAndGet(size(snapshotFile));
      }
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
