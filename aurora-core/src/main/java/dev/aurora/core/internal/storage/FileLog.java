package dev.aurora.core.internal.storage;

import static dev.aurora.core.internal.storage.LogFormat.HEADER_BYTES;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.StorageException;
import dev.aurora.core.internal.storage.LogFormat.BadFormat;
import dev.aurora.core.internal.storage.LogFormat.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link FileLogStorage}: a snapshot file and a log file in one directory, guarded by a lock file. See
 * {@link LogFormat} for the bytes.
 *
 * <p><b>Append.</b> A batch is one record, written with one positional write at the log's end and
 * forced with one {@code fdatasync} before {@code append} returns. If the write or the force fails, the
 * record is cut off again if possible and the storage refuses every later write (after a failed fsync
 * the page cache can no longer be trusted); {@link #recover} after {@link #close} reopens it.
 *
 * <p><b>Snapshot</b>, in this order:
 *
 * <ol>
 *   <li>write the snapshot, with the next generation, to {@code <snapshot>.tmp} and fsync it;
 *   <li>rename it over {@code <snapshot>} and fsync the directory: the commit point;
 *   <li>write an empty log of the new generation to {@code log.tmp}, fsync it, rename it over {@code log}
 *       and fsync the directory.
 * </ol>
 *
 * <p>A crash before step 2 leaves the old snapshot and log (recovery deletes the temporary file). A crash
 * after it leaves the new snapshot with either the new empty log or the old log, whose older generation
 * tells recovery it was folded into the snapshot: it is replaced by an empty one. A failure before the
 * commit point leaves the storage usable on its old files; a failure after it stops it, as a failed
 * append does, since later appends must not go to the old log.
 *
 * <p><b>Recovery</b> takes the lock, deletes temporary files, reads the snapshot (any damage is an error:
 * it was fsynced before it was renamed into place) and the log record by record. At the first record that
 * is incomplete or fails its CRC it looks for a valid record further on: if there is one, the damage is
 * in the middle of the log and recovery fails naming the file and offset; if not, the damage is a write
 * a crash cut short, which was never acknowledged, and the log is truncated there.
 */
public final class FileLog implements FileLogStorage {
  /** File names the log uses itself; a snapshot may not take them. */
  public static final Set<String> RESERVED_NAMES = Set.of("log", "log.tmp", "lock");

  private static final Logger LOG = LoggerFactory.getLogger(FileLog.class);
  /**
   * The directories locked by file logs of this JVM. A second storage must learn that here, not from
   * the lock file: opening and closing a second channel on a file whose POSIX lock this process holds
   * releases that lock, silently.
   */
  private static final Map<Path, FileLog> LOCKED_IN_THIS_JVM = new ConcurrentHashMap<>();
  private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private final Path directory;
  private final boolean fsync;
  private final Path snapshotFile;
  private final Path snapshotTemp;
  private final Path logFile;
  private final Path logTemp;
  private final Path lockFile;
  private final RecordBuffer buffer = new RecordBuffer();

  // all guarded by this; log == null while closed
  private Path lockKey;
  private FileChannel lockChannel;
  private FileLock lock;
  private FileChannel log;
  private long logEnd;
  private long generation;
  private Exception failure;

  /** A file log in {@code directory}; nothing is touched until {@link #recover}. */
  public FileLog(Path directory, boolean fsync, String snapshotFileName) {
    this.directory = directory.toAbsolutePath().normalize();
    this.fsync = fsync;
    this.snapshotFile = this.directory.resolve(snapshotFileName);
    this.snapshotTemp = this.directory.resolve(snapshotFileName + ".tmp");
    this.logFile = this.directory.resolve("log");
    this.logTemp = this.directory.resolve("log.tmp");
    this.lockFile = this.directory.resolve("lock");
  }

  @Override
  public Path directory() {
    return directory;
  }

  // =====================================================================================
  // Recovery
  // =====================================================================================

  @Override
  public synchronized Stored recover() {
    closeFiles();
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StorageException("cannot create the storage directory " + directory + ": " + e, e);
    }
    lock();
    boolean recovered = false;
    try {
      Stored stored = readAndRepair();
      recovered = true;
      return stored;
    } finally {
      if (!recovered) {
        closeFiles();
      }
    }
  }

  private Stored readAndRepair() {
    deleteTemporary(snapshotTemp, "a snapshot that was being written when the scheduler stopped");
    deleteTemporary(logTemp, "a log that was being started when the scheduler stopped");
    List<Op> snapshot = new ArrayList<>();
    long snapshotGeneration = Files.exists(snapshotFile) ? readSnapshot(snapshot) : 0;
    List<Op> ops = new ArrayList<>();
    try {
      if (!Files.exists(logFile)) {
        if (snapshotGeneration != 0) {
          throw new StorageException("storage " + directory + " has the snapshot " + snapshotFile.getFileName()
              + " but no log file " + logFile + ": the log was removed, and the ops after the snapshot with it."
              + " Restore the directory from a backup, or move the snapshot away to start empty");
        }
        startLog(0);
      } else {
        log = FileChannel.open(logFile, READ, WRITE);
        RecordReader reader = new RecordReader(log);
        long logGeneration = header(reader, LogFormat.LOG_MAGIC, "a log", logFile).generation();
        if (logGeneration < snapshotGeneration) {
          LOG.info("storage {}: the log (generation {}) predates the snapshot (generation {}): the scheduler stopped"
              + " after the snapshot was taken and before the log was restarted. Starting an empty log.",
              directory, logGeneration, snapshotGeneration);
          startLog(snapshotGeneration);
        } else if (logGeneration > snapshotGeneration) {
          throw new StorageException("storage " + directory + ": the log " + logFile + " (generation " + logGeneration
              + ") follows a newer snapshot than " + snapshotFile.getFileName() + " (generation " + snapshotGeneration
              + "): the snapshot file was removed or replaced. Restore the directory from a backup");
        } else {
          readLog(reader, ops);
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot read the log " + logFile + ": " + e, e);
    }
    generation = snapshotGeneration;
    failure = null;
    return new Stored(snapshot, ops);
  }

  /** Reads the snapshot into {@code into} and returns its generation. */
  private long readSnapshot(List<Op> into) {
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

  /** Reads the log's records into {@code into}, truncating an incomplete last record. */
  private void readLog(RecordReader reader, List<Op> into) throws IOException {
    long position = HEADER_BYTES;
    while (position < reader.size()) {
      String problem = reader.check(position);
      if (problem != null) {
        long valid = reader.nextValidRecord(position);
        if (valid >= 0) {
          throw new StorageException("log " + logFile + " is damaged in the middle: the record at offset " + position
              + " is bad (" + problem + ") but a valid record follows at offset " + valid + ". Refusing to drop"
              + " acknowledged writes: restore the directory from a backup");
        }
        LOG.warn("storage {}: dropping the last {} bytes of the log at offset {} ({}): a write cut short by a crash,"
            + " never acknowledged", directory, reader.size() - position, position, problem);
        log.truncate(position);
        force(log);
        break;
      }
      into.addAll(decode(reader, logFile, position));
      position = reader.end();
    }
    logEnd = position;
  }

  private static Header header(RecordReader reader, byte[] magic, String what, Path file) throws IOException {
    try {
      return reader.header(magic, what);
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

  private void deleteTemporary(Path file, String what) {
    try {
      if (Files.deleteIfExists(file)) {
        LOG.info("storage {}: deleted {} ({})", directory, file.getFileName(), what);
      }
    } catch (IOException e) {
      throw new StorageException("cannot delete the leftover temporary file " + file + ": " + e, e);
    }
  }

  // =====================================================================================
  // Writes
  // =====================================================================================

  @Override
  public synchronized void append(List<Op> ops) {
    checkWritable();
    if (ops.isEmpty()) {
      return;
    }
    ByteBuffer record;
    try {
      record = buffer.record(ops);
    } catch (IOException e) {
      throw new StorageException("cannot append " + ops.size() + " ops to " + logFile + ": " + e.getMessage(), e);
    }
    long start = logEnd;
    try {
      long at = start;
      while (record.hasRemaining()) {
        at += log.write(record, at);
      }
      if (fsync) {
        log.force(false);
      }
      logEnd = at;
    } catch (IOException e) {
      failure = e;
      try {
        log.truncate(start);
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again);
      }
      throw new StorageException("cannot append to " + logFile + " at offset " + start + "; the storage stops: close"
          + " it and recover to go on from what was stored: " + e, e);
    }
  }

  @Override
  public synchronized void snapshot(List<Op> snapshot) {
    checkWritable();
    long next = generation + 1;
    try {
      writeSnapshot(snapshot, next);
      Files.move(snapshotTemp, snapshotFile, ATOMIC_MOVE, REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(snapshotTemp);
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw new StorageException("cannot write the snapshot " + snapshotFile + " (the previous snapshot and log are"
          + " kept and appends go on): " + e, e);
    }
    // The new snapshot is in place: from here on, only the new log may take appends.
    try {
      syncDirectory();
      startLog(next);
      generation = next;
    } catch (IOException e) {
      failure = e;
      throw new StorageException("the snapshot " + snapshotFile + " is in place but a new log could not be started;"
          + " the storage stops: close it and recover to go on from the snapshot: " + e, e);
    }
  }

  private void writeSnapshot(List<Op> ops, long snapshotGeneration) throws IOException {
    try (FileChannel out = FileChannel.open(snapshotTemp, CREATE, TRUNCATE_EXISTING, WRITE)) {
      writeFully(out, new Header(LogFormat.SNAPSHOT_MAGIC, snapshotGeneration, ops.size()).encode());
      for (int from = 0; from < ops.size(); from += LogFormat.SNAPSHOT_OPS_PER_RECORD) {
        writeFully(out, buffer.record(ops.subList(from, Math.min(ops.size(), from + LogFormat.SNAPSHOT_OPS_PER_RECORD))));
      }
      force(out);
    }
  }

  /**
   * Installs an empty log of {@code logGeneration} (through a temporary file and a rename, so {@code log}
   * is always whole) and makes it the one appends go to.
   */
  private void startLog(long logGeneration) throws IOException {
    FileChannel fresh = FileChannel.open(logTemp, CREATE, TRUNCATE_EXISTING, READ, WRITE);
    try {
      writeFully(fresh, new Header(LogFormat.LOG_MAGIC, logGeneration, 0).encode());
      force(fresh);
      Files.move(logTemp, logFile, ATOMIC_MOVE, REPLACE_EXISTING);
      syncDirectory();
    } catch (IOException | RuntimeException e) {
      fresh.close();
      throw e;
    }
    if (log != null) {
      log.close();
    }
    log = fresh;
    logEnd = HEADER_BYTES;
  }

  private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }

  private void force(FileChannel channel) throws IOException {
    if (fsync) {
      channel.force(true);
    }
  }

  /** Makes renames in the directory durable. Windows cannot open a directory; its renames are durable as made. */
  private void syncDirectory() throws IOException {
    if (!fsync || WINDOWS) {
      return;
    }
    try (FileChannel dir = FileChannel.open(directory, READ)) {
      dir.force(true);
    }
  }

  private void checkWritable() {
    if (log == null) {
      throw new StorageException("file log storage " + directory + " is not open: call recover() first");
    }
    if (failure != null) {
      throw new StorageException("file log storage " + directory + " stopped after a failed write; close it and"
          + " recover to go on from what was stored", failure);
    }
  }

  // =====================================================================================
  // The lock and closing
  // =====================================================================================

  private void lock() {
    Path key;
    try {
      key = directory.toRealPath();
    } catch (IOException e) {
      throw new StorageException("cannot resolve the storage directory " + directory + ": " + e, e);
    }
    if (LOCKED_IN_THIS_JVM.putIfAbsent(key, this) != null) {
      throw new StorageException("storage directory " + directory + " is already open in this JVM (another storage"
          + " holds " + lockFile + "); close that one first");
    }
    lockKey = key;
    FileChannel channel = null;
    try {
      channel = FileChannel.open(lockFile, CREATE, READ, WRITE);
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        throw new StorageException("storage directory " + directory + " is already locked in this JVM, by other code"
            + " than a file log storage (" + lockFile + ")", e);
      }
      if (held == null) {
        String holder = holder();
        throw new StorageException("storage directory " + directory + " is in use by another process"
            + (holder.isEmpty() ? "" : " (" + holder + ")") + ", which holds the lock on " + lockFile
            + "; two schedulers must not share one directory. Stop the other one or use another directory");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      lockChannel = channel;
      lock = held;
    } catch (IOException e) {
      closeQuietly(channel);
      unregister();
      throw new StorageException("cannot lock the storage directory " + directory + " (" + lockFile + "): " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      unregister();
      throw e;
    }
  }

  private void unregister() {
    if (lockKey != null) {
      LOCKED_IN_THIS_JVM.remove(lockKey, this);
      lockKey = null;
    }
  }

  /** What the lock file says about who holds it ("pid 1234"), or "" if it cannot be read. */
  private String holder() {
    try {
      return new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public synchronized void close() {
    closeFiles();
  }

  private void closeFiles() {
    closeQuietly(log);
    log = null;
    if (lock != null) {
      try {
        lock.release();
      } catch (IOException e) {
        LOG.warn("storage {}: releasing the lock failed", directory, e);
      }
      lock = null;
    }
    closeQuietly(lockChannel);
    lockChannel = null;
    unregister();
  }

  private void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("storage {}: closing a file failed", directory, e);
      }
    }
  }

  @Override
  public String toString() {
    return "FileLogStorage[" + directory + (fsync ? "" : ", no fsync") + "]";
  }
}
