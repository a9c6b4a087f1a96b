package dev.aurora.core.internal.storage;

import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.internal.state.SnapshotOps;
import java.util.ArrayList;
import java.util.List;

/** {@link Storage} in memory: a snapshot and a log, both lists of ops. Thread-safe. */
public final class InMemoryStorage implements Storage {
  private List<Op> snapshot = List.of();
  private ArrayList<Op> log = new ArrayList<>();

  @Override
  public synchronized Stored recover() {
    return new Stored(snapshot, log);
  }

  @Override
  public synchronized void append(List<Op> ops) {
    log.addAll(ops);
  }

  @Override
  public synchronized void snapshot(List<Op> snapshot) {
    // the scheduler's own snapshot is unmodifiable and makes its task ops as it is read: kept as it is
    this.snapshot = snapshot instanceof SnapshotOps ? snapshot : List.copyOf(snapshot);
    this.log = new ArrayList<>();
  }

  /** How many ops were appended since the last snapshot. */
  public synchronized int logSize() {
    return log.size();
  }

  @Override
  public void close() {}
}
