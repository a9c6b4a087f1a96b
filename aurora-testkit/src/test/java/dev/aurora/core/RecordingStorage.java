package dev.aurora.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Storage that counts appends and keeps each, and refuses them while {@code failing} is set. */
final class RecordingStorage implements Storage {
  final Storage inner = Storage.inMemory();
  final List<List<Op>> appends = Collections.synchronizedList(new ArrayList<>());
  volatile boolean failing;

  @Override
  public Stored recover() {
    return inner.recover();
  }

  @Override
  public void append(List<Op> ops) {
    if (failing) {
      throw new StorageException("disk full");
    }
    inner.append(ops);
    appends.add(List.copyOf(ops));
  }

  @Override
  public void snapshot(List<Op> snapshot) {
    inner.snapshot(snapshot);
  }

  @Override
  public void close() {}

  /** Every op stored so far, snapshot and log. */
  List<Op> stored() {
    Stored s = inner.recover();
    List<Op> all = new ArrayList<>(s.snapshot());
    all.addAll(s.log());
    return all;
  }
}
