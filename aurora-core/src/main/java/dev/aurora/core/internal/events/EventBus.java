package dev.aurora.core.internal.events;

import com.google.common.util.concurrent.MoreExecutors;
import dev.aurora.core.EventStream;
import dev.aurora.core.SchedulerEvent;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to subscribers: on the loop, or in order through each subscriber's executor. A
 * subscriber's failure (its listener throwing, its executor refusing work) is logged and costs no other
 * subscriber an event; a closed subscription gets nothing more, not even events already queued on its
 * executor.
 */
public final class EventBus implements EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
  private final List<Sub> subs = new CopyOnWriteArrayList<>();
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private static final class Sub {
    final Consumer<? super SchedulerEvent> listener;
    /** Null: on the loop; else a sequential view of the subscriber's executor. */
    final Executor executor;
    volatile boolean closed;

    Sub(Consumer<? super SchedulerEvent> listener, Executor executor) {
      this.listener = listener;
      this.executor = executor;
    }
  }

  @Override
  public Subscription subscribe(Consumer<? super SchedulerEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    return add(new Sub(listener, null));
  }

  @Override
  public Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor) {
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(executor, "executor");
    return add(new Sub(listener, MoreExecutors.newSequentialExecutor(executor)));
  }

  private Subscription add(Sub s) {
    subs.add(s);
    return () -> {
      s.closed = true;
      subs.remove(s);
    };
  }

  /**
   * Runs {@code action} once when the scheduler stops ({@link #close}), at once if it has; the
   * returned handle drops the action. For futures that could otherwise wait forever.
   */
  public Subscription whenClosed(Runnable action) {
    Objects.requireNonNull(action, "action");
    onClose.add(action);
    if (closed) {
      runOnClose(action);
    }
    return () -> onClose.remove(action);
  }

  /** The scheduler stopped: no event comes any more; runs every {@link #whenClosed} action once. */
  public void close() {
    closed = true;
    for (Runnable action : onClose) {
      runOnClose(action);
    }
  }

  private void runOnClose(Runnable action) {
    if (onClose.remove(action)) {
      try {
        action.run();
      } catch (RuntimeException ex) {
        LOG.warn("an action on scheduler close failed", ex);
      }
    }
  }

  public boolean hasSubscribers() {
    return !subs.isEmpty();
  }

  public void publish(SchedulerEvent e) {
    for (Sub s : subs) {
      if (s.executor == null) {
        deliver(s, e);
        continue;
      }
      try {
        s.executor.execute(() -> deliver(s, e));
      } catch (RuntimeException ex) {
        LOG.warn("event listener's executor refused {}; that listener misses it", e, ex);
      }
    }
  }

  private static void deliver(Sub s, SchedulerEvent e) {
    if (s.closed) {
      return;
    }
    try {
      s.listener.accept(e);
    } catch (RuntimeException ex) {
      LOG.warn("event listener failed on {}", e, ex);
    }
  }
}
