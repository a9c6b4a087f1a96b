package dev.aurora.core;

import dev.aurora.core.internal.storage.FileLog;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@link Storage} in a directory of this machine: a snapshot file and an append-only log of CRC-checked
 * records, each fsynced before {@link #append} returns. It survives the JVM, the process and (with
 * fsync on, the default) the machine crashing.
 *
 * <pre>{@code
 * Scheduler scheduler = Scheduler.builder()
 *     .backend(backend)
 *     .storage(Storage.fileLog(Path.of("state")))
 *     .build();
 * }</pre>
 *
 * <p>The directory holds {@code snapshot} (the last snapshot), {@code log} (every batch appended since,
 * one record per batch) and {@code lock} (held while the storage is open, so two schedulers never share
 * one directory). {@link #recover()} opens the directory, takes the lock and reads the snapshot and the
 * log; an incomplete record at the end of the log (a write cut short by a crash, never acknowledged) is
 * truncated away with a warning, while a damaged record followed by a valid one is refused with a
 * {@link StorageException} naming the file and offset. {@link #snapshot} writes a new snapshot to a
 * temporary file, fsyncs it, renames it over the old one and starts an empty log, so a crash at any point
 * leaves either the old snapshot and log or the new snapshot and an empty log. The format and its rules
 * are in {@code docs/storage.md}.
 *
 * <p>All methods are thread-safe; the scheduler calls them from its state loop.
 */
public interface FileLogStorage extends Storage {

  /** The file log in {@code directory} with the defaults (fsync on); the directory is created if missing. */
  static FileLogStorage at(Path directory) {
    return builder(directory).build();
  }

  /**
   * A builder for a file log in {@code directory}, to change the defaults.
   *
   * <pre>{@code
   * Storage storage = FileLogStorage.builder(Path.of("target/state")).fsync(false).build();
   * }</pre>
   */
  static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** The directory this storage keeps its files in. */
  Path directory();

  /** Options of a {@link FileLogStorage}. */
  final class Builder {
    private final Path directory;
    private boolean fsync = true;
    private String snapshotFileName = "snapshot";

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * Whether each append and snapshot is forced to the device before it returns; on unless set. Off,
     * appends are far cheaper and still survive the process crashing (the operating system holds the
     * bytes), but not the machine crashing or losing power: use it for tests and throwaway state only.
     */
    public Builder fsync(boolean fsync) {
      this.fsync = fsync;
      return this;
    }

    /**
     * The name of the snapshot file in the directory; {@code snapshot} unless set. Its temporary file is
     * this name with {@code .tmp} appended.
     *
     * @throws IllegalArgumentException if the name is empty, has a path separator, or is taken by the
     *     log or the lock file
     */
    public Builder snapshotFileName(String name) {
      Objects.requireNonNull(name, "snapshot file name");
      if (name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException("snapshot file name must be a plain file name, was '" + name + "'");
      }
      if (FileLog.RESERVED_NAMES.contains(name)) {
        throw new IllegalArgumentException("snapshot file name must not be one of " + FileLog.RESERVED_NAMES
            + " (the log's own files), was '" + name + "'");
      }
      this.snapshotFileName = name;
      return this;
    }

    /** Builds the storage; nothing is opened until {@link Storage#recover()}. */
    public FileLogStorage build() {
      return new FileLog(directory, fsync, snapshotFileName);
    }
  }
}
