package dev.aurora.core;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the scheduler's state lives durably, as an event-sourced log of {@link Op}s compacted by
 * snapshots. A write the storage did not acknowledge did not happen: {@link #append} returns only when
 * the ops are durable, or throws.
 *
 * <p>Implementations: {@link #inMemory()}, {@link #fileLog(Path)} (durable, in a local
 * directory) and ZooKeeper (aurora-zk). Every implementation should pass the testkit's {@code
 * StorageContract}.
 */
public interface Storage extends AutoCloseable {

  /** What recovery reads: the ops of the last snapshot followed by every op appended after it. */
  record Stored(List<Op> snapshot, List<Op> log) {
    /** Nothing stored. */
    public static final Stored EMPTY = new Stored(List.of(), List.of());

    /** Creates the value, copying both lists. */
    public Stored {
      snapshot = List.copyOf(snapshot);
      log = List.copyOf(log);
    }
  }

  /** Opens the storage (if needed) and reads everything stored. */
  Stored recover();

  /**
   * Appends a batch of ops durably, as one unit: after a crash either all of them are recovered or
   * none.
   *
   * @throws StorageException if the ops may not be durable
   */
  void append(List<Op> ops);

  /**
   * Replaces everything stored with {@code snapshot}, a list of ops that rebuilds the whole current
   * state; ops appended later follow it.
   *
   * @throws StorageException if the snapshot may not be durable (the previous state is then kept)
   */
  void snapshot(List<Op> snapshot);

  /** Releases the storage. */
  @Override
  void close();

  /** Storage in this JVM's memory: it survives a scheduler restart within the JVM, not the JVM's end. */
  static Storage inMemory() {
    return new dev.aurora.core.internal.storage.InMemoryStorage();
  }

  /**
   * Durable storage in {@code directory} (created if missing): a snapshot and a log of CRC-checked
   * records, each append fsynced before it returns. See {@link FileLogStorage} for the layout, the
   * recovery rules and {@link FileLogStorage#builder options}.
   *
   * <pre>{@code
   * Scheduler.builder().backend(backend).storage(Storage.fileLog(Path.of("state"))).build();
   * }</pre>
   */
  static FileLogStorage fileLog(Path directory) {
    return FileLogStorage.at(directory);
  }
}
