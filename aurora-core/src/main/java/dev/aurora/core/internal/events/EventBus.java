package dev.aurora.core.internal.events;

import com.google.common.util.concurrent.MoreExecutors;
import dev.aurora.core.EventStream;
import dev.aurora.core.SchedulerEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to subscribers: on the loop, or in order through each subscriber's executor. */
public final class EventBus implements EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
  private final List<Sub> subs = new CopyOnWriteArrayList<>();

  private record Sub(Consumer<? super SchedulerEvent> listener, Executor executor) {}

  @Override
  public Subscription subscribe(Consumer<? super SchedulerEvent> listener) {
    return add(new Sub(listener, null));
  }

  @Override
  public Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor) {
    return add(new Sub(listener, MoreExecutors.newSequentialExecutor(executor)));
  }

  private Subscription add(Sub s) {
    subs.add(s);
    return () -> subs.remove(s);
  }

  public boolean hasSubscribers() {
    return !subs.isEmpty();
  }

  public void publish(SchedulerEvent e) {
    for (Sub s : subs) {
      if (s.executor == null) {
        deliver(s, e);
      } else {
        s.executor.execute(() -> deliver(s, e));
      }
    }
  }

  private static void deliver(Sub s, SchedulerEvent e) {
    try {
      s.listener.accept(e);
    } catch (RuntimeException ex) {
      LOG.warn("event listener failed on {}", e, ex);
    }
  }
}
