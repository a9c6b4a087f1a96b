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
 * <p><b>Snapshot</b>: {@link #snapshot} hands the ops to a background thread and returns; appends go on
 * into the current log. In this order:
 *
 * <ol>
 *   <li>(background) write the snapshot, with the next generation, to {@code <snapshot>.tmp} and fsync it;
 *   <li>(at the first append after that, or in {@link #close}) write a log of the new generation to
 *       {@code log.tmp} holding the records appended since the snapshot was taken, copied, and fsync it;
 *   <li>rename the snapshot over {@code <snapshot>} and fsync the directory: the commit point;
 *   <li>rename {@code log.tmp} over {@code log} and fsync the directory.
 * </ol>
 *
 * <p>A crash before step 3 leaves the old snapshot and log, which hold every batch (recovery deletes the
 * temporary files). A crash between steps 3 and 4 leaves the new snapshot, the old log, whose older
 * generation tells recovery it was folded into the snapshot, and a whole {@code log.tmp} of the
 * snapshot's generation, which recovery renames into place. A failure before the commit point leaves
 * the storage usable on its old files (logged); a failure after it stops it, as a failed append does,
 * since later appends must not go to the old log.
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
  /** The background writer's own buffer (a {@link RecordBuffer} is not thread-safe). */
  private final RecordBuffer snapshotBuffer = new RecordBuffer();
  private final RecoveryReader recovery;
  /** Writes snapshots off the caller's thread; started at the first snapshot, stopped by close. */
  private java.util.concurrent.ExecutorService snapshotWriter;
  // a snapshot being written in the background (null if none), its generation, and the log's end when it was taken
  private java.util.concurrent.Future<?> pendingSnapshot;
  private long pendingGeneration;
  private long pendingFrom;

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
    finishInterruptedInstall();
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
   * Renames {@code log.tmp} over {@code log} if a crash came between the two renames of a snapshot's
   * installation: the snapshot is in place, {@code log.tmp} is a whole log of the snapshot's generation
   * (forced before the snapshot was renamed) holding the records appended while the snapshot was written,
   * and {@code log} is older. Anything else about {@code log.tmp} leaves it to be deleted as before.
   */
  private void finishInterruptedInstall() {
    if (!Files.exists(logTemp) || !Files.exists(snapshotFile)) {
      return;
    }
    try {
      long snapshotGeneration;
      try (FileChannel in = FileChannel.open(snapshotFile, READ)) {
        snapshotGeneration = new RecordReader(in).header(LogFormat.SNAPSHOT_MAGIC, "a snapshot").generation();
      }
      try (FileChannel in = FileChannel.open(logTemp, READ)) {
        RecordReader reader = new RecordReader(in);
        if (reader.header(LogFormat.LOG_MAGIC, "a log").generation() != snapshotGeneration) {
          return;
        }
        for (long p = HEADER_BYTES; p < reader.size(); p = reader.end()) {
          if (reader.check(p) != null) {
            return;
          }
        }
      }
      if (Files.exists(logFile)) {
        try (FileChannel in = FileChannel.open(logFile, READ)) {
          if (new RecordReader(in).header(LogFormat.LOG_MAGIC, "a log").generation() >= snapshotGeneration) {
            return;
          }
        }
      }
      Files.move(logTemp, logFile, ATOMIC_MOVE, REPLACE_EXISTING);
      syncDirectory();
      LOG.info("storage {}: the scheduler stopped while installing the snapshot of generation {}; its log, with the"
          + " batches appended while the snapshot was written, is now in place", directory, snapshotGeneration);
    } catch (LogFormat.BadFormat | IOException e) {
      // not a whole log of the snapshot's generation (or unreadable): left to the usual rules
    }
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
    finishPendingSnapshot(false);
    ByteBuffer record;
    try {
      record = buffer.logRecord(ops);
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

  /**
   * Hands the snapshot to a background writer and returns: appends go on into the current log meanwhile.
   * The snapshot is installed by the first append after it is written (or by {@link #close}, which
   * waits for it): the records appended since it was taken are copied into the new log, which is forced,
   * then the snapshot is renamed into place (the commit point) and then the new log. A snapshot still
   * being written when the next one is asked for is waited for and installed first. If writing it
   * fails, the previous snapshot and the log, which hold everything, are kept, and the failure is
   * logged; a failure after the commit point stops the storage, as a failed append does.
   */
  @Override
  public synchronized void snapshot(List<Op> snapshot) {
    checkWritable();
    finishPendingSnapshot(true);
    checkWritable();
    long next = generation + 1;
    List<Op> ops = List.copyOf(snapshot);
    if (snapshotWriter == null) {
      snapshotWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "aurora-filelog-snapshot");
        t.setDaemon(true);
        return t;
      });
    }
    pendingGeneration = next;
    pendingFrom = logEnd;
    pendingSnapshot = snapshotWriter.submit(() -> {
      writeSnapshot(ops, next);
      return null;
    });
  }

  /**
   * Installs the snapshot written in the background, if there is one and it is written ({@code wait}:
   * waits until it is).
   */
  private void finishPendingSnapshot(boolean wait) {
    if (pendingSnapshot == null || (!wait && !pendingSnapshot.isDone())) {
      return;
    }
    java.util.concurrent.Future<?> written = pendingSnapshot;
    pendingSnapshot = null;
    boolean interrupted = false;
    while (true) {
      try {
        written.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // the write goes on regardless: wait for it, then say so
      } catch (java.util.concurrent.ExecutionException e) {
        deleteQuietly(snapshotTemp);
        LOG.warn("storage {}: cannot write the snapshot {} (the previous snapshot and log are kept, they hold"
            + " everything, and appends go on)", directory, snapshotFile, e.getCause());
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
        return;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    installSnapshot(pendingGeneration, pendingFrom);
  }

  /**
   * Puts the written snapshot {@code snapshotTemp} of generation {@code next} in place with a new log
   * holding the records appended since it was taken (from {@code from} in the current log).
   */
  private void installSnapshot(long next, long from) {
    long tail = logEnd - from;
    FileChannel fresh = null;
    try {
      fresh = FileChannel.open(logTemp, CREATE, TRUNCATE_EXISTING, READ, WRITE);
      writeFully(fresh, new Header(LogFormat.LOG_MAGIC, next, 0).encode());
      for (long copied = 0; copied < tail; ) {
        copied += log.transferTo(from + copied, tail - copied, fresh);
      }
      force(fresh);
      Files.move(snapshotTemp, snapshotFile, ATOMIC_MOVE, REPLACE_EXISTING);
    } catch (IOException e) {
      closeQuietly(fresh);
      deleteQuietly(logTemp);
      deleteQuietly(snapshotTemp);
      LOG.warn("storage {}: cannot install the snapshot {} (the previous snapshot and log are kept, they hold"
          + " everything, and appends go on)", directory, snapshotFile, e);
      return;
    }
    // The new snapshot is in place: from here on, only the new log may take appends.
    try {
      syncDirectory();
      Files.move(logTemp, logFile, ATOMIC_MOVE, REPLACE_EXISTING);
      syncDirectory();
    } catch (IOException e) {
      failure = e;
      closeQuietly(fresh);
      throw new StorageException("the snapshot " + snapshotFile + " is in place but its new log could not be;"
          + " the storage stops: close it and recover to go on from the snapshot: " + e, e);
    }
    closeQuietly(log);
    log = fresh;
    logEnd = HEADER_BYTES + tail;
    generation = next;
    if (tail > 0) {
      try {
        writeMark(generation, true);
      } catch (IOException e) {
        failure = e;
        throw new StorageException("cannot write " + markFile + "; the storage stops: close it and recover: " + e, e);
      }
    }
  }

  private void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("storage {}: cannot delete {}", directory, file, e);
    }
  }

  private void writeSnapshot(List<Op> ops, long snapshotGeneration) throws IOException {
    try (FileChannel out = FileChannel.open(snapshotTemp, CREATE, TRUNCATE_EXISTING, WRITE)) {
      writeFully(out, new Header(LogFormat.SNAPSHOT_MAGIC, snapshotGeneration, ops.size()).encode());
      for (int from = 0; from < ops.size(); from += LogFormat.SNAPSHOT_OPS_PER_RECORD) {
        writeFully(out, snapshotBuffer.record(ops.subList(from, Math.min(ops.size(), from + LogFormat.SNAPSHOT_OPS_PER_RECORD))));
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

  /**
   * Opens the files of the open storage for a backup; appends wait only for the two opens, and for a
   * snapshot being written in the background, which is installed first so the backup holds it.
   */
  synchronized BackupSource openForBackup() throws IOException {
    checkWritable();
    finishPendingSnapshot(true);
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

  /** Waits for a snapshot being written and installs it, then closes the files. */
  @Override
  public synchronized void close() {
    try {
      if (log != null && failure == null) {
        finishPendingSnapshot(true);
      }
    } finally {
      closeFiles();
    }
  }

  private void closeFiles() {
    if (pendingSnapshot != null) { // closed before it was installed (the storage stopped): drop it
      pendingSnapshot.cancel(false);
      try {
        pendingSnapshot.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
        // dropped either way
      }
      pendingSnapshot = null;
      deleteQuietly(snapshotTemp);
    }
    if (snapshotWriter != null) {
      snapshotWriter.shutdown();
      snapshotWriter = null;
    }
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
