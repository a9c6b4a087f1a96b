package dev.aurora.core.internal.state;

import dev.aurora.core.Op;
import dev.aurora.core.ScheduledTask;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A snapshot's ops as an unmodifiable list that makes each task's {@link Op.SaveTask} when it is read,
 * not when the snapshot is taken: taking it on the state loop costs an array of the tasks (immutable
 * values) rather than an op and a list slot per task, and a storage that keeps or writes it elsewhere
 * (the in-memory storage keeps it as it is) makes the ops off the loop, or never.
 */
public final class SnapshotOps extends AbstractList<Op> implements RandomAccess {
  private final Op[] head;
  private final ScheduledTask[] tasks;
  private final Op[] tail;

  SnapshotOps(Op[] head, ScheduledTask[] tasks, Op[] tail) {
    this.head = head;
    this.tasks = tasks;
    this.tail = tail;
  }

  @Override
  public Op get(int index) {
    if (index < 0 || index >= size()) {
      throw new IndexOutOfBoundsException("index " + index + " of a snapshot of " + size() + " ops");
    }
    if (index < head.length) {
      return head[index];
    }
    int i = index - head.length;
    return i < tasks.length ? new Op.SaveTask(tasks[i]) : tail[i - tasks.length];
  }

  @Override
  public int size() {
    return head.length + tasks.length + tail.length;
  }
}
