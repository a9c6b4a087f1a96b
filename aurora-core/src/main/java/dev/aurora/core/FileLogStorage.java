package dev.aurora.core;

import dev.aurora.core.internal.storage.FileLog;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

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
 * one directory), and {@code log.mark} (which log generation exists and whether it ever held records, so
 * a log removed or cut to its header is noticed). {@link #recover()} opens the directory, takes the lock
 * and reads the snapshot and the log.
 *
 * <p>Each append is one record, forced to disk before the next is written, so a crash can tear at most
 * the last record. Recovery drops a bad last record (one that ends, as its header says, at or past the end
 * of the file, or whose header is cut short) with a warning that it may have been acknowledged: a write a
 * crash cut short and a last record damaged after it was acknowledged look the same. Any other damage
 * (a bad record with bytes after its end, a length that cannot be read, a valid record after a bad one),
 * and a log that is missing or has no records where {@code log.mark} or the snapshot says it had, are
 * refused with a {@link StorageException} naming the file and offset, changing nothing. {@link
 * Builder#repairDamagedTail} and {@link #repair} truncate a damaged log at its first bad record when
 * asked, and report what they drop ({@link #lastTruncation()}). {@link #snapshot} hands the snapshot to a
 * background thread and returns, and appends go on meanwhile; once it is written to a temporary file and
 * fsynced, the next append (or {@link #close()}, which waits for it) renames it over the old one with a
 * new log holding the batches appended since, so a crash at any point leaves either the old snapshot and
 * log or the new snapshot and its log, every acknowledged batch in one or the other. A snapshot that
 * cannot be written is logged and leaves the old files, which hold everything. The format and its rules
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

  /**
   * What the last {@link #recover()} cut from the end of the log, if anything: a torn last record, or
   * (with {@link Builder#repairDamagedTail} on) a damaged tail. Empty before the first recovery.
   */
  Optional<Truncation> lastTruncation();

  /**
   * Repairs the file log in {@code directory} (default snapshot file name): recovers it with {@link
   * Builder#repairDamagedTail} on, so a log damaged beyond its last record is truncated at its first bad
   * record, closes it, and returns what was cut. Run it with the scheduler stopped, after a recovery
   * refused the log and a backup is not an option; everything after the returned offset is lost.
   *
   * <pre>{@code
   * FileLogStorage.repair(Path.of("state"))
   *     .ifPresent(cut -> System.out.println("dropped " + cut));
   * }</pre>
   *
   * @throws StorageException if the directory cannot be recovered even so (a damaged snapshot, a
   *     missing log, ...): those are not the log's tail, and are never repaired by guessing
   */
  static Optional<Truncation> repair(Path directory) {
    try (FileLogStorage storage = builder(directory).repairDamagedTail(true).build()) {
      storage.recover();
      return storage.lastTruncation();
    }
  }

  /**
   * Bytes recovery cut from the end of a log: {@code file} now ends at {@code offset}, {@code
   * droppedBytes} later. {@code intactRecordsDropped} counts the whole, CRC-valid records that were among
   * them (after the damage, so not replayable); how many batches the damaged bytes themselves held cannot
   * be known. {@code problem} says what was wrong at {@code offset}; {@code repair} is whether it was an
   * explicit repair (else it was a torn last record, dropped as every recovery does).
   */
  record Truncation(Path file, long offset, long droppedBytes, int intactRecordsDropped, String problem,
      boolean repair) {
    @Override
    public String toString() {
      return (repair ? "repair: " : "") + "truncated " + file + " at offset " + offset + ", dropping " + droppedBytes
          + " bytes (" + problem + ")" + (intactRecordsDropped > 0
              ? ", among them " + intactRecordsDropped + " intact records after the damage" : "");
    }
  }

  /** Options of a {@link FileLogStorage}. */
  final class Builder {
    private final Path directory;
    private boolean fsync = true;
    private String snapshotFileName = "snapshot";
    private boolean repairDamagedTail;

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

    /**
     * Whether recovery truncates a damaged log at its first bad record instead of refusing it; off unless
     * set. Off, recovery drops only what a crash can tear, the last record, and refuses any other damage
     * naming the file and offset. On, it drops the bad record and everything after it, intact records
     * included (they follow a gap, so they cannot be replayed), and logs and reports ({@link
     * #lastTruncation()}) the offset and the number of bytes dropped. Acknowledged writes may be lost:
     * turn it on for one start after a refusal, not for good. {@link FileLogStorage#repair} does the same
     * as a one-off tool.
     */
    public Builder repairDamagedTail(boolean repair) {
      this.repairDamagedTail = repair;
      return this;
    }

    /** Builds the storage; nothing is opened until {@link Storage#recover()}. */
    public FileLogStorage build() {
      return new FileLog(directory, fsync, snapshotFileName, repairDamagedTail);
    }
  }
}
