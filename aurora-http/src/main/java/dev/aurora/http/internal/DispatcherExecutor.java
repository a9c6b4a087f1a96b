package dev.aurora.http.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK HTTP server's executor that runs each exchange on the server's dispatcher thread itself (the
 * thread that found the request on its socket), so that a request answered from what is at hand costs
 * no hand-off to another thread: one thread woken per request instead of three (the dispatcher, a
 * request thread, the dispatcher again for the finished answer). The handler hands everything else to
 * the request threads ({@link #onDispatcher()} says where it runs).
 *
 * <p>The dispatcher reads the request line and headers before the handler sees them. A client that
 * sends them slowly (or does not read an answer) would hold the dispatcher, and with it every other
 * connection: a watchdog interrupts an exchange that has held the dispatcher longer than {@code
 * limit} (its connection is closed, as the JDK server closes one that times out), and for {@code
 * backOff} after that every exchange goes to the request threads, as if this executor were not there.
 */
public final class DispatcherExecutor implements Executor, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DispatcherExecutor.class);
  private final Executor requestThreads;
  private final long limitNanos;
  private final long backOffNanos;
  private final Thread watchdog;
  private final Object lock = new Object();
  // guarded by lock
  private @Nullable Thread inline;
  private long inlineSince;
  private boolean interrupted;
  private volatile long handOffUntil;
  private volatile boolean handingOff;
  private volatile boolean closed;

  /**
   * @param requestThreads where exchanges go while backing off
   * @param limit how long one exchange may hold the dispatcher before it is interrupted
   * @param backOff how long every exchange goes to {@code requestThreads} after an interrupt
   */
  public DispatcherExecutor(Executor requestThreads, java.time.Duration limit, java.time.Duration backOff, String name) {
    this.requestThreads = requestThreads;
    this.limitNanos = limit.toNanos();
    this.backOffNanos = backOff.toNanos();
    this.watchdog = new Thread(this::watch, name);
    watchdog.setDaemon(true);
    watchdog.start();
  }

  @Override
  public void execute(Runnable exchange) {
    if (handingOff) {
      if (System.nanoTime() - handOffUntil < 0) {
        requestThreads.execute(exchange);
        return;
      }
      handingOff = false;
    }
    Thread me = Thread.currentThread();
    synchronized (lock) {
      inline = me;
      inlineSince = System.nanoTime();
      interrupted = false;
    }
    try {
      exchange.run();
    } finally {
      synchronized (lock) {
        inline = null;
        Thread.interrupted();   // the watchdog's interrupt, if any, ends here: the dispatcher goes on
      }
    }
  }

  /** Whether the calling thread runs an exchange on the dispatcher (else it is a request thread). */
  public boolean onDispatcher() {
    synchronized (lock) {
      return inline == Thread.currentThread();
    }
  }

  private void watch() {
    long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(10), limitNanos / 4);
    while (!closed) {
      LockSupport.parkNanos(this, tick);
      boolean fired = false;
      synchronized (lock) {
        long now = System.nanoTime();
        if (inline != null && !interrupted && now - inlineSince > limitNanos) {
          interrupted = true;
          handOffUntil = now + backOffNanos;
          handingOff = true;
          inline.interrupt();   // a blocked socket read or write ends, and its connection is closed
          fired = true;
        }
      }
      if (fired) {
        LOG.warn("an HTTP exchange held the server's dispatcher thread for over {} ms (a client sending its request"
              + " or reading its answer that slowly, or a machine that busy): ended; every request goes to the"
              + " request threads for the next {} ms", limitNanos / 1_000_000, backOffNanos / 1_000_000);
      }
    }
  }

  /** Stops the watchdog. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(watchdog);
  }
}
