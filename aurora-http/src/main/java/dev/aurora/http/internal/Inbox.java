package dev.aurora.http.internal;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A queue for one producing thread (the scheduler's loop) and one consumer at a time (a reader under
 * its own lock), so the producer neither locks nor waits: {@link #add} writes a slot of an array and
 * publishes the count with one ordered write, allocating only a new chunk every {@value #CHUNK} items.
 * The producer bounds it: once {@code limit} items wait it stops adding and {@link #overflowed()} says
 * so, until the consumer {@link #discard}s what is left (and re-reads whole what it missed).
 */
final class Inbox<T> {
  static final int CHUNK = 1024;

  private static final class Chunk {
    final @Nullable Object[] slots = new Object[CHUNK];
    /** Written by the producer with release semantics only (see {@link #COUNT}), read as a volatile. */
    volatile int count;
    volatile @Nullable Chunk next;
  }

  /**
   * The producer publishes a chunk's count with a release store: on x86 a plain store, where a volatile
   * store is a full fence that waits for every store the loop made before (its new objects) to drain,
   * for each event. Release is all the consumer needs: its volatile read of the count sees every slot
   * written before it.
   */
  private static final java.lang.invoke.VarHandle COUNT;

  static {
    try {
      COUNT = java.lang.invoke.MethodHandles.lookup().findVarHandle(Chunk.class, "count", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long limit;

  // ---- the producer's
  private Chunk tail;
  private int tailCount;
  private long added;

  // ---- shared
  private volatile long taken;
  private volatile boolean overflowed;

  // ---- the consumer's
  private Chunk head;
  private int read;

  Inbox(long limit) {
    this.limit = limit;
    this.tail = new Chunk();
    this.head = tail;
  }

  /** On the producer's thread: adds {@code item}, or drops it once {@code limit} items wait. */
  void add(T item) {
    if (overflowed) {
      return;
    }
    if (added - taken >= limit) {
      overflowed = true;
      return;
    }
    if (tailCount == CHUNK) {
      Chunk c = new Chunk();
      tail.next = c;
      tail = c;
      tailCount = 0;
    }
    tail.slots[tailCount] = item;
    COUNT.setRelease(tail, ++tailCount);
    added++;
  }

  /** For the consumer: whether items wait to be drained (or were dropped: {@link #overflowed()}). */
  boolean waiting() {
    if (overflowed || head.count > read) {
      return true;
    }
    Chunk next = head.next;
    return read == CHUNK && next != null && next.count > 0;
  }

  /** Whether the producer dropped items since the last {@link #discard}. */
  boolean overflowed() {
    return overflowed;
  }

  /** For the consumer: hands every item added so far to {@code to}, in order. */
  void drain(Consumer<? super T> to) {
    drain(to, Long.MAX_VALUE);
  }

  /**
   * For the consumer: hands at most {@code max} items to {@code to}, in order (so a producer adding
   * faster than the consumer takes cannot keep it here); returns false if it stopped at {@code max}
   * with more items perhaps left.
   */
  @SuppressWarnings("unchecked")
  boolean drain(Consumer<? super T> to, long max) {
    long n = 0;
    boolean all = true;
    while (true) {
      int count = head.count;
      if (count - read > max - n) {
        count = read + (int) (max - n);
        all = false;
      }
      while (read < count) {
        Object item = head.slots[read];
        head.slots[read++] = null;
        n++;
        to.accept((T) item);
      }
      if (read < CHUNK || !all) {
        break;
      }
      Chunk next = head.next;
      if (next == null) {
        break;
      }
      head = next;
      read = 0;
    }
    if (n > 0) {
      taken += n;
    }
    return all;
  }

  /**
   * For the consumer, once {@link #overflowed()}: drops every item (the producer adds none
   * meanwhile) and lets the producer add again. Returns false, doing nothing, if it had not overflowed.
   */
  boolean discard() {
    if (!overflowed) {
      return false;
    }
    drain(item -> {});
    overflowed = false;
    return true;
  }
}
