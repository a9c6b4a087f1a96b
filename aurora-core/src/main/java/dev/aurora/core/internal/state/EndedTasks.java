package dev.aurora.core.internal.state;

import dev.aurora.api.TaskId;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One job's ended tasks in the order they ended, oldest first, each with the time it ended, so that
 * pruning decides what to drop (beyond a count, older than a cutoff) from this list alone and looks
 * up only the tasks it removes. A ring of ids and end times; only the state loop uses it.
 */
public final class EndedTasks implements Iterable<TaskId> {
  /** An empty list for callers that only iterate; never add to it. */
  public static final EndedTasks NONE = new EndedTasks(0);

  private TaskId[] ids;
  private long[] ends;
  private int head;
  private int size;

  public EndedTasks() {
    this(4);
  }

  private EndedTasks(int capacity) {
    ids = new TaskId[capacity];
    ends = new long[capacity];
  }

  /** Adds the task that ended last, at {@code endMillis}. */
  public void add(TaskId id, long endMillis) {
    grow();
    int i = (head + size) % ids.length;
    ids[i] = id;
    ends[i] = endMillis;
    size++;
  }

  /** Puts a task back in front, as the oldest (one taken off the front and kept). */
  public void addFirst(TaskId id, long endMillis) {
    grow();
    head = (head - 1 + ids.length) % ids.length;
    ids[head] = id;
    ends[head] = endMillis;
    size++;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The oldest task's id. */
  public TaskId firstId() {
    if (size == 0) {
      throw new NoSuchElementException();
    }
    return ids[head];
  }

  /** When the oldest task ended, in epoch milliseconds. */
  public long firstEndMillis() {
    if (size == 0) {
      throw new NoSuchElementException();
    }
    return ends[head];
  }

  /**
   * How many tasks from the front pruning drops: those beyond the newest {@code keep}, and those
   * that ended before {@code cutoffMillis}. Decided from the end times kept here, no task looked up.
   */
  public int prunable(int keep, long cutoffMillis) {
    int n = Math.max(0, size - keep);
    while (n < size && ends[(head + n) % ids.length] < cutoffMillis) {
      n++;
    }
    return n;
  }

  /** Takes the oldest task off the front and returns its id. */
  public TaskId pollFirst() {
    TaskId id = firstId();
    ids[head] = null;
    head = (head + 1) % ids.length;
    size--;
    return id;
  }

  private void grow() {
    if (size < ids.length) {
      return;
    }
    int capacity = Math.max(4, ids.length * 2);
    TaskId[] newIds = new TaskId[capacity];
    long[] newEnds = new long[capacity];
    for (int k = 0; k < size; k++) {
      int i = (head + k) % ids.length;
      newIds[k] = ids[i];
      newEnds[k] = ends[i];
    }
    ids = newIds;
    ends = newEnds;
    head = 0;
  }

  /** The ids, oldest first. */
  @Override
  public Iterator<TaskId> iterator() {
    return new Iterator<>() {
      private int k;

      @Override
      public boolean hasNext() {
        return k < size;
      }

      @Override
      public TaskId next() {
        if (k >= size) {
          throw new NoSuchElementException();
        }
        return ids[(head + k++) % ids.length];
      }
    };
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (int k = 0; k < size; k++) {
      int i = (head + k) % ids.length;
      s.append(k == 0 ? "" : ", ").append(ids[i]).append('@').append(ends[i]);
    }
    return s.append(']').toString();
  }
}
