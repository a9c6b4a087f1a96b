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
import dev.aurora.core.internal.storage.RecoveryReader.Tail;
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
import java.util.Optional;
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
 * <p><b>Marker.</b> {@code log.mark} holds the generation of the newest log and whether a record of it was
 * acknowledged. It is rewritten (temporary file, fsync, rename, directory fsync) at the first append of
 * each generation, after the record is forced and before the append returns, and by recovery when it is
 * missing or out of date. So a log of the marked generation that is missing or has no records, where the
 * marker says it had some, was removed or cut short, and recovery refuses it.
 *
 * <p><b>Recovery</b> takes the lock, deletes temporary files, reads the snapshot (any damage is an error:
 * it was fsynced before it was renamed into place), the marker and the log record by record, and refuses
 * before it changes anything. Each append is one record, written and forced before the next append
 * starts (the scheduler appends from one thread, once per transaction), so a crash tears at most the
 * last record: the bytes after the last good record are dropped only if they can be that record, torn
 * (fewer bytes than a record header, or a header whose length reaches to or past the end of the file)
 * and no valid record follows. Anything else is refused naming the file and offset, unless the storage
 * was built to repair, which truncates at the first bad record and reports what it dropped.
 */
public final class FileLog implements FileLogStorage {
  /** File names the log uses itself; a snapshot may not take them. */
  public static final Set<String> RESERVED_NAMES = Set.of("log", "log.tmp", "lock", "log.mark", "log.mark.tmp");

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
  private final Path markFile;
  private final Path markTemp;
  private final RecordBuffer buffer = new RecordBuffer();
  private final RecoveryReader recovery;

  // all guarded by this; log == null while closed
  private Path lockKey;
  private FileChannel lockChannel;
  private FileLock lock;
  private FileChannel log;
  private long logEnd;
  private long generation;
  private Exception failure;
  // what log.mark says: the generation it names (-1 if there is none) and whether that log held records
  private long markedGeneration = -1;
  private boolean markedRecords;
  // whether the lock file named a holder before this storage took it: the directory was opened before
  private boolean openedBefore;
  private FileLogStorage.Truncation lastTruncation;

  /**
   * A file log in {@code directory}; with {@code repair}, recovery truncates a damaged log at its first bad
   * record instead of refusing it. Nothing is touched until {@link #recover}.
   */
  public FileLog(Path directory, boolean fsync, String snapshotFileName, boolean repair) {
    this.directory = directory.toAbsolutePath().normalize();
    this.fsync = fsync;
    this.snapshotFile = this.directory.resolve(snapshotFileName);
    this.snapshotTemp = this.directory.resolve(snapshotFileName + ".tmp");
    this.logFile = this.directory.resolve("log");
    this.logTemp = this.directory.resolve("log.tmp");
    this.lockFile = this.directory.resolve("lock");
    this.markFile = this.directory.resolve("log.mark");
    this.markTemp = this.directory.resolve("log.mark.tmp");
    this.recovery = new RecoveryReader(this.directory, snapshotFile, logFile, markFile, repair);
  }

  @Override
  public synchronized Optional<FileLogStorage.Truncation> lastTruncation() {
    return Optional.ofNullable(lastTruncation);
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
      try {
        writeHolder(lockChannel);
      } catch (IOException e) {
        throw new StorageException("cannot write to the lock file " + lockFile + ": " + e, e);
      }
      recovered = true;
      return stored;
    } finally {
      if (!recovered) {
        closeFiles();
      }
    }
  }

  private Stored readAndRepair() {
    recovery.deleteTemporary(snapshotTemp, "a snapshot that was being written when the scheduler stopped");
    recovery.deleteTemporary(logTemp, "a log that was being started when the scheduler stopped");
    recovery.deleteTemporary(markTemp, "a log marker that was being written when the scheduler stopped");
    lastTruncation = null;
    List<Op> snapshot = new ArrayList<>();
    boolean hasSnapshot = Files.exists(snapshotFile);
    long snapshotGeneration = hasSnapshot ? recovery.readSnapshot(snapshot) : 0;
    Header mark = Files.exists(markFile) ? recovery.readMark() : null;
    recovery.checkMark(mark, hasSnapshot, snapshotGeneration);
    // the log of the snapshot's generation held acknowledged records
    boolean hadRecords = mark != null && mark.generation() == snapshotGeneration && mark.opCount() > 0;
    List<Op> ops = new ArrayList<>();
    try {
      if (!Files.exists(logFile)) {
        recovery.checkMissingLog(hasSnapshot, hadRecords, mark, openedBefore, lockFile);
        startLog(0);
      } else {
        openLog(snapshotGeneration, hadRecords, ops);
      }
      generation = snapshotGeneration;
      markedGeneration = mark == null ? -1 : mark.generation();
      markedRecords = mark != null && mark.opCount() > 0;
      if (markedGeneration != generation || markedRecords != !ops.isEmpty()) {
        writeMark(generation, !ops.isEmpty());
      }
    } catch (IOException e) {
      throw new StorageException("cannot read the log " + logFile + ": " + e, e);
    }
    failure = null;
    return new Stored(snapshot, ops);
  }

  /**
   * Opens the existing log for appends after reading its records into {@code ops}: a log older than the
   * snapshot is replaced by an empty one, bad bytes at its end are cut off (or the log is refused).
   */
  private void openLog(long snapshotGeneration, boolean hadRecords, List<Op> ops) throws IOException {
    log = FileChannel.open(logFile, READ, WRITE);
    RecordReader reader = new RecordReader(log);
    long logGeneration = recovery.logGeneration(reader);
    recovery.checkLogGeneration(logGeneration, snapshotGeneration, hadRecords);
    if (logGeneration < snapshotGeneration) {
      startLog(snapshotGeneration);
      return;
    }
    Tail tail = recovery.readRecords(reader, ops, hadRecords, snapshotGeneration);
    if (tail != null) {
      truncate(tail, reader.size());
    } else {
      logEnd = recovery.intactEnd();
    }
  }

  /** Cuts the log at {@code tail}, says so, and remembers it for {@link #lastTruncation()}. */
  private void truncate(Tail tail, long size) throws IOException {
    FileLogStorage.Truncation cut = new FileLogStorage.Truncation(logFile, tail.offset(), size - tail.offset(),
        tail.intactRecords(), tail.problem(), tail.repair());
    if (tail.repair()) {
      LOG.warn("storage {}: {}, as asked (repairDamagedTail). Whatever acknowledged batches those bytes held are"
          + " lost", directory, cut);
    } else {
      LOG.warn("storage {}: dropped the last record of the log {} at offset {} ({} bytes: {}). A write a crash"
          + " cut short looks the same as a last record damaged after it was acknowledged, so its batch may have"
          + " been acknowledged and is then lost; if the machine did not crash, check the disk", directory, logFile,
          tail.offset(), size - tail.offset(), tail.problem());
    }
    log.truncate(tail.offset());
    force(log);
    logEnd = tail.offset();
    lastTruncation = cut;
  }

  /**
   * Makes {@code log.mark} say that the newest log is of {@code logGeneration} and whether it held
   * acknowledged records: written to a temporary file, forced, renamed into place and the directory forced.
   */
  private void writeMark(long logGeneration, boolean records) throws IOException {
    try (FileChannel out = FileChannel.open(markTemp, CREATE, TRUNCATE_EXISTING, WRITE)) {
      writeFully(out, new Header(LogFormat.MARK_MAGIC, logGeneration, records ? 1 : 0).encode());
      force(out);
    }
    Files.move(markTemp, markFile, ATOMIC_MOVE, REPLACE_EXISTING);
    syncDirectory();
    markedGeneration = logGeneration;
    markedRecords = records;
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
      if (markedGeneration != generation || !markedRecords) {
        writeMark(generation, true); // before the first record of this log is acknowledged
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
  // Backups
  // =====================================================================================

  /**
   * A consistent cut of the open storage for a backup: the snapshot (null if none) and the log, opened
   * apart from the storage's own handles so a later snapshot or append does not disturb them, with the
   * log's acknowledged end and generation at this moment. The caller copies and closes them.
   */
  record BackupSource(FileChannel snapshot, FileChannel log, long logEnd, long generation) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try (FileChannel l = log; FileChannel s = snapshot) {
        // closes both
      }
    }
  }

  /** Opens the files of the open storage for a backup; appends wait only for the two opens. */
  synchronized BackupSource openForBackup() throws IOException {
    checkWritable();
    FileChannel snap = Files.exists(snapshotFile) ? FileChannel.open(snapshotFile, READ) : null;
    try {
      return new BackupSource(snap, FileChannel.open(logFile, READ), logEnd, generation);
    } catch (IOException | RuntimeException e) {
      if (snap != null) {
        snap.close();
      }
      throw e;
    }
  }

  /** Takes the directory's lock without reading it (for a restore into it); {@link #close()} releases it. */
  synchronized void lockForRestore() {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new StorageException("cannot create the storage directory " + directory + ": " + e, e);
    }
    lock();
  }

  /** The snapshot file's name in the directory. */
  String snapshotFileName() {
    return snapshotFile.getFileName().toString();
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
      // A lock file that names a holder was taken by a storage that recovered: the directory was opened
      // before. A first start names no holder until it has recovered, so a crash during it leaves no history.
      openedBefore = channel.size() > 0;
      if (openedBefore) {
        writeHolder(channel);
      }
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

  /** Writes this process's id into the lock file, for the message another process gets. */
  private static void writeHolder(FileChannel channel) throws IOException {
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
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
