package dev.aurora.testkit;

import dev.aurora.core.StateLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StateLoop} driven by the test: queued work runs in {@link #runUntilIdle()}, timers run as
 * {@link #advance(Duration)} moves the {@link FakeClock} past them. Everything is deterministic and
 * nothing sleeps. The thread that drives it counts as the loop's thread.
 */
public final class ManualStateLoop implements StateLoop {
  private static final int MAX_STEPS = 50_000_000;
  private final FakeClock clock;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  /**
   * Timers: timers of one delay scheduled one after another are due in the order they are scheduled (the
   * clock does not go back), so each of the first {@link #LANES} delays seen has a lane, a queue already
   * in order, where adding and taking a timer costs no sift through a heap (a simulated cluster's start
   * timers, one per launched task, all go to one lane); other timers wait in the heap {@link #timers}.
   * The next timer is the earliest of the heads.
   */
  private final PriorityQueue<Entry> timers = new PriorityQueue<>();
  private static final int LANES = 8;
  private final long[] laneDelays = new long[LANES];
  @SuppressWarnings("unchecked")
  private final ArrayDeque<Entry>[] lanes = new ArrayDeque[LANES];
  private int laneCount;
  private long seq;
  private boolean stopped;

  private static final class Entry implements Comparable<Entry>, Timer {
    final long due;
    final long seq;
    final Runnable work;
    boolean cancelled;

    Entry(long due, long seq, Runnable work) {
      this.due = due;
      this.seq = seq;
      this.work = work;
    }

    @Override
    public int compareTo(Entry o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  /** A loop on {@code clock}. */
  public ManualStateLoop(FakeClock clock) {
    this.clock = clock;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  /** The fake clock. */
  public FakeClock fakeClock() {
    return clock;
  }

  @Override
  public synchronized void execute(Runnable work) {
    if (!stopped) {
      queue.add(work);
    }
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable work) {
    long millis = Math.max(0, delay.toMillis());
    Entry e = new Entry(clock.millis() + millis, seq++, work);
    if (!stopped) {
      ArrayDeque<Entry> lane = lane(millis);
      Entry last = lane == null ? null : lane.peekLast();
      if (lane != null && (last == null || e.due >= last.due)) {
        lane.add(e); // due no earlier, and scheduled later: it sorts after every timer in its lane
      } else {
        timers.add(e);
      }
    }
    return e;
  }

  @Override
  public boolean inLoop() {
    return true;
  }

  @Override
  public void start() {}

  @Override
  public synchronized void stop() {
    stopped = true;
    queue.clear();
    timers.clear();
    for (int i = 0; i < laneCount; i++) {
      lanes[i].clear();
    }
  }

  @Override
  public synchronized int queueDepth() {
    return queue.size();
  }

  /** Runs queued work and due timers until there is none; returns how many pieces ran. */
  public int runUntilIdle() {
    int steps = 0;
    while (true) {
      Runnable next = poll();
      if (next == null) {
        return steps;
      }
      next.run();
      if (++steps > MAX_STEPS) {
        throw new IllegalStateException("the state loop never went idle: work keeps queueing itself");
      }
    }
  }

  private synchronized @Nullable Runnable poll() {
    Runnable r = queue.poll();
    if (r != null) {
      return r;
    }
    Entry e;
    while ((e = earliest()) != null && e.due <= clock.millis()) {
      take(e);
      if (!e.cancelled) {
        return e.work;
      }
    }
    return null;
  }

  /** The lane of timers of {@code delayMillis}, or null if all lanes are taken by other delays. */
  private @Nullable ArrayDeque<Entry> lane(long delayMillis) {
    for (int i = 0; i < laneCount; i++) {
      if (laneDelays[i] == delayMillis) {
        return lanes[i];
      }
    }
    if (laneCount == LANES) {
      return null;
    }
    laneDelays[laneCount] = delayMillis;
    return lanes[laneCount++] = new ArrayDeque<>();
  }

  /** The timer due first (cancelled or not), or null. */
  private @Nullable Entry earliest() {
    Entry first = timers.peek();
    for (int i = 0; i < laneCount; i++) {
      Entry head = lanes[i].peekFirst();
      if (head != null && (first == null || head.compareTo(first) < 0)) {
        first = head;
      }
    }
    return first;
  }

  /** Removes {@code e}, a head that {@link #earliest()} returned. */
  private void take(Entry e) {
    for (int i = 0; i < laneCount; i++) {
      if (lanes[i].peekFirst() == e) {
        lanes[i].pollFirst();
        return;
      }
    }
    timers.poll();
  }

  /** Moves time forward by {@code d}, running each timer at its due time and all work it causes. */
  public void advance(Duration d) {
    Instant target = clock.instant().plus(d);
    runUntilIdle();
    while (true) {
      Entry next;
      synchronized (this) {
        next = earliest();
        while (next != null && next.cancelled) {
          take(next);
          next = earliest();
        }
      }
      if (next == null || next.due > target.toEpochMilli()) {
        break;
      }
      if (next.due > clock.millis()) {
        clock.set(Instant.ofEpochMilli(next.due));
      }
      runUntilIdle();
    }
    clock.set(target);
    runUntilIdle();
  }

  /** When the next timer is due, if any. */
  public synchronized java.util.Optional<Instant> nextTimer() {
    java.util.stream.Stream<Entry> all = timers.stream();
    for (int i = 0; i < laneCount; i++) {
      all = java.util.stream.Stream.concat(all, lanes[i].stream());
    }
    return all.filter(e -> !e.cancelled).min(Entry::compareTo).map(e -> Instant.ofEpochMilli(e.due));
  }
}
