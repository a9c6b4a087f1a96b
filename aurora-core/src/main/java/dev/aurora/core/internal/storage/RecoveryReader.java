package dev.aurora.core.internal.storage;

import static dev.aurora.core.internal.storage.LogFormat.HEADER_BYTES;
import static java.nio.file.StandardOpenOption.READ;

import dev.aurora.core.Op;
import dev.aurora.core.StorageException;
import dev.aurora.core.internal.storage.LogFormat.BadFormat;
import dev.aurora.core.internal.storage.LogFormat.Header;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reading half of {@link FileLog}'s recovery: reads the snapshot, the marker and the log's records,
 * judges the bad bytes at the log's end (a torn last record, damage to repair, or damage to refuse), and
 * refuses, naming the file and what to do, every state of the files that means acknowledged writes were
 * lost. It changes nothing but leftover temporary files; cutting the log is {@link FileLog}'s.
 */
final class RecoveryReader {
  // the storage's own logger: its messages are the storage's
  private static final Logger LOG = LoggerFactory.getLogger(FileLog.class);

  static final String REPAIR_HINT = "FileLogStorage.repair(directory), or a start with"
      + " FileLogStorage.builder(directory).repairDamagedTail(true)";

  /**
   * Bad bytes from {@code offset} to the end of the log: {@code problem} is what is wrong there; {@code
   * repair} whether dropping them is a repair (else they are a torn last record); {@code intactRecords}
   * how many valid records are among them.
   */
  record Tail(long offset, String problem, boolean repair, int intactRecords) {}

  private final Path directory;
  private final Path snapshotFile;
  private final Path logFile;
  private final Path markFile;
  private final boolean repair;
  private long intactEnd;

  RecoveryReader(Path directory, Path snapshotFile, Path logFile, Path markFile, boolean repair) {
    this.directory = directory;
    this.snapshotFile = snapshotFile;
    this.logFile = logFile;
    this.markFile = markFile;
    this.repair = repair;
  }

  void deleteTemporary(Path file, String what) {
    try {
      if (Files.deleteIfExists(file)) {
        LOG.info("storage {}: deleted {} ({})", directory, file.getFileName(), what);
      }
    } catch (IOException e) {
      throw new StorageException("cannot delete the leftover temporary file " + file + ": " + e, e);
    }
  }

  /** Reads the snapshot into {@code into} and returns its generation. */
  long readSnapshot(List<Op> into) {
    long position = HEADER_BYTES;
    try (FileChannel channel = FileChannel.open(snapshotFile, READ)) {
      RecordReader reader = new RecordReader(channel);
      Header header = header(reader, LogFormat.SNAPSHOT_MAGIC, "a snapshot", snapshotFile);
      while (into.size() < header.opCount()) {
        String problem = reader.check(position);
        if (problem != null) {
          throw new StorageException("snapshot " + snapshotFile + " is damaged at offset " + position + " (" + problem
              + ") after " + into.size() + " of its " + header.opCount() + " ops. A snapshot is complete before it is"
              + " renamed into place, so this is damage to the disk or the file: restore the directory from a backup");
        }
        into.addAll(decode(reader, snapshotFile, position));
        position = reader.end();
      }
      if (into.size() != header.opCount() || position != reader.size()) {
        throw new StorageException("snapshot " + snapshotFile + " is damaged: its header promises " + header.opCount()
            + " ops, its records hold " + into.size() + " ending at offset " + position + " of " + reader.size()
            + " bytes. Restore the directory from a backup");
      }
      return header.generation();
    } catch (IOException e) {
      throw new StorageException("cannot read the snapshot " + snapshotFile + " at offset " + position + ": " + e, e);
    }
  }

  /** Reads {@code log.mark}; any damage is an error (it is written whole before it is renamed into place). */
  Header readMark() {
    try (FileChannel channel = FileChannel.open(markFile, READ)) {
      return header(new RecordReader(channel), LogFormat.MARK_MAGIC, "a log marker", markFile);
    } catch (IOException e) {
      throw new StorageException("cannot read " + markFile + ": " + e, e);
    }
  }

  /** Refuses a marker that names a log newer than the snapshot: the snapshot was removed or replaced. */
  void checkMark(Header mark, boolean hasSnapshot, long snapshotGeneration) {
    if (mark != null && mark.generation() > snapshotGeneration) {
      throw new StorageException("storage " + directory + ": " + markFile + " says a log of generation "
          + mark.generation() + " was started, but " + (hasSnapshot ? "the snapshot " + snapshotFile.getFileName()
          + " is of generation " + snapshotGeneration : "there is no snapshot " + snapshotFile.getFileName())
          + ": the snapshot file was removed or replaced. Restore the directory from a backup");
    }
  }

  /** Refuses a missing log file unless nothing says the directory ever held one with records. */
  void checkMissingLog(boolean hasSnapshot, boolean hadRecords, Header mark, boolean openedBefore, Path lockFile) {
    if (hasSnapshot) {
      throw new StorageException("storage " + directory + " has the snapshot " + snapshotFile.getFileName()
          + " but no log file " + logFile + ": the log was removed, and the ops after the snapshot with it."
          + " Restore the directory from a backup, or move the snapshot away to start empty");
    }
    if (hadRecords) {
      throw new StorageException("storage " + directory + " has no log file " + logFile + ", but " + markFile
          + " says the log held acknowledged records: the log was removed, and those records with it. Restore"
          + " the directory from a backup, or delete " + markFile.getFileName() + " to start empty");
    }
    if (mark == null && openedBefore) {
      throw new StorageException("storage " + directory + " has no log file " + logFile + " (nor snapshot nor"
          + " log.mark), but its lock file " + lockFile + " shows a scheduler opened it before: the log was"
          + " removed, and whatever it held with it. Restore the directory from a backup, or delete "
          + lockFile.getFileName() + " to start empty");
    }
  }

  /** Reads the log's header and returns its generation. */
  long logGeneration(RecordReader reader) throws IOException {
    return header(reader, LogFormat.LOG_MAGIC, "a log", logFile).generation();
  }

  /**
   * Accepts a log older than the snapshot (the scheduler stopped between the snapshot and the new log),
   * unless the marker says the snapshot's own log held records, and refuses one newer than the snapshot.
   */
  void checkLogGeneration(long logGeneration, long snapshotGeneration, boolean hadRecords) {
    if (logGeneration < snapshotGeneration) {
      if (hadRecords) {
        throw new StorageException("storage " + directory + ": the log " + logFile + " is of generation "
            + logGeneration + ", older than the snapshot's (" + snapshotGeneration + "), but " + markFile
            + " says the log of generation " + snapshotGeneration + " held acknowledged records: the log was"
            + " replaced by an older copy. Restore the directory from a backup");
      }
      LOG.info("storage {}: the log (generation {}) predates the snapshot (generation {}): the scheduler stopped"
          + " after the snapshot was taken and before the log was restarted. Starting an empty log.",
          directory, logGeneration, snapshotGeneration);
    } else if (logGeneration > snapshotGeneration) {
      throw new StorageException("storage " + directory + ": the log " + logFile + " (generation " + logGeneration
          + ") follows a newer snapshot than " + snapshotFile.getFileName() + " (generation " + snapshotGeneration
          + "): the snapshot file was removed or replaced. Restore the directory from a backup");
    }
  }

  /**
   * Reads the records of a log of the snapshot's generation into {@code ops} and returns the bad bytes
   * to cut from its end, or null (then {@link #intactEnd} is where its records end). Refuses a log with
   * no records where the marker says it had some, unless this storage repairs and a bad record is there.
   */
  Tail readRecords(RecordReader reader, List<Op> ops, boolean hadRecords, long generation) throws IOException {
    Tail tail = readLog(reader, ops);
    if (ops.isEmpty() && hadRecords && tail != null && repair) {
      tail = new Tail(tail.offset(), tail.problem(), true, tail.intactRecords()); // an acknowledged record
    }
    if (ops.isEmpty() && hadRecords && (tail == null || !tail.repair())) {
      throw new StorageException("log " + logFile + " has no records " + (tail == null
          ? "(it ends at its header)"
          : "(its only record, at offset " + tail.offset() + ", is bad: " + tail.problem() + ")")
          + ", but " + markFile + " says this log (generation " + generation + ") held acknowledged"
          + " records: it was cut short or replaced. Restore the directory from a backup, or "
          + (tail == null ? "delete " + markFile.getFileName() + " to accept the loss"
              : "repair it (" + REPAIR_HINT + ")"));
    }
    return tail;
  }

  /** Where the records of the last log read without bad bytes end. */
  long intactEnd() {
    return intactEnd;
  }

  /**
   * Reads the log's records into {@code into} and returns the bad bytes at its end, if any, changing
   * nothing: {@code null} if every record is good; a torn last record; or (only if this storage repairs)
   * any other damage, which without repair is refused here.
   */
  private Tail readLog(RecordReader reader, List<Op> into) throws IOException {
    long position = HEADER_BYTES;
    while (position < reader.size()) {
      String problem = reader.check(position);
      if (problem != null) {
        return badTail(reader, position, problem);
      }
      into.addAll(decode(reader, logFile, position));
      position = reader.end();
    }
    intactEnd = position;
    return null;
  }

  private Tail badTail(RecordReader reader, long position, String problem) throws IOException {
    long size = reader.size();
    long valid = reader.nextValidRecord(position);
    if (valid >= 0) {
      if (repair) {
        return new Tail(position, problem, true, reader.countValidRecords(valid));
      }
      throw new StorageException("log " + logFile + " is damaged in the middle: the record at offset " + position
          + " is bad (" + problem + ") but a valid record follows at offset " + valid + ". Refusing to drop"
          + " acknowledged writes: restore the directory from a backup, or truncate the log at offset " + position
          + " and lose everything after it with " + REPAIR_HINT);
    }
    long declaredEnd = reader.declaredEnd(position);
    boolean lastRecord = size - position < LogFormat.RECORD_HEADER_BYTES || declaredEnd >= size;
    if (lastRecord) {
      return new Tail(position, problem, false, 0);
    }
    if (repair) {
      return new Tail(position, problem, true, 0);
    }
    String why = declaredEnd < 0
        ? "its length cannot be read, so these bytes cannot be shown to be a single record"
        : "by its length the record ends at offset " + declaredEnd + ", yet the file goes on for "
            + (size - declaredEnd) + " bytes after it";
    throw new StorageException("log " + logFile + " is damaged at offset " + position + " (" + problem + "), "
        + (size - position) + " bytes before its end, and the damage is more than a torn last record: " + why
        + ". Each append is forced to disk before the next is written, so a crash tears only the last record;"
        + " these bytes may hold acknowledged writes. Refusing to drop them: restore the directory from a"
        + " backup, or truncate the log at offset " + position + " and lose them with " + REPAIR_HINT);
  }

  private static Header header(RecordReader reader, byte[] magic, String what, Path file) throws IOException {
    try {
      return reader.header(magic, what);
    } catch (LogFormat.BadVersion e) {
      throw new StorageException(file + " is not readable: " + e.getMessage() + "; nothing was changed", e);
    } catch (BadFormat e) {
      throw new StorageException(file + " is not readable as " + what + " of a file log storage: " + e.getMessage()
          + ". It is written whole before it is renamed into place, so this is damage or another program's file", e);
    }
  }

  private static List<Op> decode(RecordReader reader, Path file, long position) {
    try {
      return reader.ops();
    } catch (IOException e) {
      throw new StorageException("the record at offset " + position + " of " + file + " passed its checksum but"
          + " does not hold ops this version can read (written by another version?): " + e.getMessage(), e);
    }
  }
}
