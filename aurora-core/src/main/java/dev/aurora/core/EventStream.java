package dev.aurora.core;

import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The scheduler's events. A listener runs on the state loop unless given an executor; it must be
 * quick there, and an exception it throws is logged and ignored.
 *
 * <pre>{@code
 * Subscription s = scheduler.events().subscribe(e -> log.info("{}", e));
 * ...
 * s.close();
 * }</pre>
 */
public interface EventStream {

  /** Stops delivery to one listener. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Delivers every later event to {@code listener} on the state loop. */
  Subscription subscribe(Consumer<? super SchedulerEvent> listener);

  /** Delivers every later event to {@code listener} through {@code executor}, in order. */
  Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor);
}
