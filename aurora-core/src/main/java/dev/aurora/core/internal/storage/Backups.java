package dev.aurora.core.internal.storage;

import static dev.aurora.core.internal.storage.LogFormat.HEADER_BYTES;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.core.FileLogBackups.Backup;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.Storage.Stored;
import dev.aurora.core.StorageException;
import dev.aurora.core.internal.storage.LogFormat.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Backups of a file log: a directory holding a copy of the snapshot and of the log up to its acknowledged
 * end (a file log directory in its own right: {@code snapshot}, {@code log}, {@code log.mark}) and a
 * manifest, {@code backup.json}, with its format version, time, generation and sizes.
 */
public final class Backups {
  /** The manifest's name in a backup directory. */
  public static final String MANIFEST = "backup.json";
  static final String FORMAT = "aurora-file-log-backup";
  /** The manifest format version this release writes and reads. */
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("'backup-'yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Backups() {}

  /** Writes a consistent backup of the open {@code storage} into a new directory under {@code root}. */
  public static Backup take(FileLogStorage storage, Path root, Clock clock) {
    if (!(storage instanceof FileLog log)) {
      throw new IllegalArgumentException("not a file log storage built by FileLogStorage: " + storage);
    }
    Instant time = clock.instant();
    Path target = null;
    Path temp = null;
    try {
      Files.createDirectories(root);
      target = freeName(root, time);
      temp = root.resolve(target.getFileName() + ".tmp");
      Files.createDirectory(temp);
      long snapshotBytes = 0;
      long logBytes;
      long generation;
      try (FileLog.BackupSource source = log.openForBackup()) {
        generation = source.generation();
        if (source.snapshot() != null) {
          snapshotBytes = copy(source.snapshot(), source.snapshot().size(), temp.resolve("snapshot"));
        }
        logBytes = copy(source.log(), source.logEnd(), temp.resolve("log"));
        writeFile(temp.resolve("log.mark"), new Header(LogFormat.MARK_MAGIC, generation,
            source.logEnd() > HEADER_BYTES ? 1 : 0).encode());
      }
      ObjectNode manifest = JSON.createObjectNode();
      manifest.put("format", FORMAT);
      manifest.put("version", VERSION);
      manifest.put("time", time.toString());
      manifest.put("source", storage.directory().toString());
      manifest.put("generation", generation);
      manifest.put("snapshotBytes", snapshotBytes);
      manifest.put("logBytes", logBytes);
      writeFile(temp.resolve(MANIFEST), ByteBuffer.wrap(JSON.writeValueAsBytes(manifest)));
      sync(temp);
      Files.move(temp, target, ATOMIC_MOVE);
      sync(root);
      return new Backup(target, time, generation, snapshotBytes, logBytes);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new StorageException("cannot write a backup of " + storage.directory() + " under " + root + ": " + e, e);
    }
  }

  private static Path freeName(Path root, Instant time) {
    String base = NAME.format(time);
    Path p = root.resolve(base);
    for (int i = 1; Files.exists(p) || Files.exists(root.resolve(p.getFileName() + ".tmp")); i++) {
      p = root.resolve(base + "-" + i);
    }
    return p;
  }

  private static long copy(FileChannel from, long bytes, Path to) throws IOException {
    try (FileChannel out = FileChannel.open(to, CREATE_NEW, WRITE)) {
      long done = 0;
      while (done < bytes) {
        long n = from.transferTo(done, bytes - done, out);
        if (n <= 0) {
          throw new IOException(to.getFileName() + ": the source ended after " + done + " of " + bytes + " bytes");
        }
        done += n;
      }
      out.force(true);
    }
    return bytes;
  }

  private static void writeFile(Path file, ByteBuffer bytes) throws IOException {
    try (FileChannel out = FileChannel.open(file, CREATE_NEW, WRITE)) {
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
      out.force(true);
    }
  }

  private static void sync(Path dir) {
    try (FileChannel d = FileChannel.open(dir, READ)) {
      d.force(true);
    } catch (IOException e) {
      // Windows cannot open a directory; its renames are durable as made
    }
  }

  /** The backups under {@code root}, oldest first; a directory without a readable manifest is skipped. */
  public static List<Backup> list(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Backup> all = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        if (Files.isRegularFile(d.resolve(MANIFEST))) {
          try {
            all.add(manifest(d));
          } catch (StorageException e) {
            // not one of ours, or from another version: list() is for what can be restored
          }
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot list the backups in " + root + ": " + e, e);
    }
    all.sort(Comparator.comparing(Backup::time).thenComparing(b -> b.directory().getFileName().toString()));
    return List.copyOf(all);
  }

  /** Reads a backup's manifest, refusing another format or version with a message that says which. */
  public static Backup manifest(Path dir) {
    Path file = dir.resolve(MANIFEST);
    JsonNode m;
    try {
      m = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new StorageException(dir + " is not a backup: cannot read " + file + ": " + e.getMessage(), e);
    }
    if (m == null || !m.isObject() || !FORMAT.equals(m.path("format").asText())) {
      throw new StorageException(dir + " is not a backup: " + file + " does not say \"format\": \"" + FORMAT + "\"");
    }
    int version = m.path("version").asInt(-1);
    if (version > VERSION) {
      throw new StorageException("backup " + dir + " is in backup format version " + version + ", newer than the"
          + " version " + VERSION + " this release reads: it was written by a later release of aurora-core; restore it"
          + " with that release");
    }
    if (version < VERSION) {
      throw new StorageException("backup " + dir + " is in backup format version " + version + ", older than the"
          + " version " + VERSION + " this release reads; restore it with the release that wrote it");
    }
    try {
      return new Backup(dir, Instant.parse(m.path("time").asText()), m.path("generation").asLong(),
          m.path("snapshotBytes").asLong(), m.path("logBytes").asLong());
    } catch (RuntimeException e) {
      throw new StorageException("backup " + dir + ": " + file + " is damaged: " + e.getMessage(), e);
    }
  }

  /**
   * Reads everything a backup holds, checking every file whole: a backup is a complete copy, so any bad
   * byte, a missing file or a size other than the manifest's is refused.
   */
  public static Stored read(Path dir) {
    Backup b = manifest(dir);
    Path snapshot = dir.resolve("snapshot");
    Path log = dir.resolve("log");
    Path mark = dir.resolve("log.mark");
    List<String> problems = new ArrayList<>();
    checkSize(snapshot, b.snapshotBytes(), problems);
    checkSize(log, b.logBytes(), problems);
    if (!Files.exists(mark)) {
      problems.add("log.mark is missing");
    }
    if (!problems.isEmpty()) {
      throw new StorageException("backup " + dir + " is incomplete: " + String.join("; ", problems));
    }
    RecoveryReader reader = new RecoveryReader(dir, snapshot, log, mark, false);
    List<Op> snapshotOps = new ArrayList<>();
    long generation = Files.exists(snapshot) ? reader.readSnapshot(snapshotOps) : 0;
    Header header = reader.readMark();
    reader.checkMark(header, Files.exists(snapshot), generation);
    List<Op> ops = new ArrayList<>();
    try (FileChannel channel = FileChannel.open(log, READ)) {
      RecordReader records = new RecordReader(channel);
      long logGeneration = reader.logGeneration(records);
      if (logGeneration != generation) {
        throw new StorageException("backup " + dir + ": its log is of generation " + logGeneration
            + " but its snapshot of generation " + generation + ": not a consistent backup");
      }
      RecoveryReader.Tail tail = reader.readRecords(records, ops, header.opCount() > 0, generation);
      if (tail != null) {
        throw new StorageException("backup " + dir + ": its log is damaged at offset " + tail.offset() + " ("
            + tail.problem() + "); a backup is copied whole, so this is damage to the copy");
      }
    } catch (IOException e) {
      throw new StorageException("cannot read the backup " + dir + ": " + e, e);
    }
    return new Stored(snapshotOps, ops);
  }

  private static void checkSize(Path file, long expected, List<String> problems) {
    try {
      if (expected == 0 && !Files.exists(file)) {
        return;
      }
      if (!Files.exists(file)) {
        problems.add(file.getFileName() + " is missing");
      } else if (Files.size(file) != expected) {
        problems.add(file.getFileName() + " has " + Files.size(file) + " bytes, the manifest says " + expected);
      }
    } catch (IOException e) {
      problems.add(file.getFileName() + ": " + e.getMessage());
    }
  }

  /**
   * Restores {@code backup} into the storage directory {@code directory}, which no scheduler may have open:
   * checks the backup whole first, moves the directory's current files into {@code replaced-<time>} under
   * it (nothing is deleted), then copies the backup's files in. Returns the directory the old files went to,
   * or null if there were none.
   */
  public static Path restore(Path backup, Path directory, Clock clock) {
    read(backup); // refuses a damaged or foreign backup before anything changes
    FileLog target = new FileLog(directory, true, "snapshot", false);
    target.lockForRestore();
    try {
      Path dir = target.directory();
      Path aside = null;
      for (String name : List.of("snapshot", "log", "log.mark", "snapshot.tmp", "log.tmp", "log.mark.tmp")) {
        Path f = dir.resolve(name);
        if (Files.exists(f)) {
          if (aside == null) {
            aside = dir.resolve("replaced-" + NAME.format(clock.instant()).substring("backup-".length()));
            Files.createDirectory(aside);
          }
          Files.move(f, aside.resolve(name));
        }
      }
      for (String name : List.of("snapshot", "log", "log.mark")) {
        Path from = backup.resolve(name);
        if (Files.exists(from)) {
          Path temp = dir.resolve(name + ".restoring");
          Files.deleteIfExists(temp);
          try (FileChannel in = FileChannel.open(from, READ)) {
            copy(in, in.size(), temp);
          }
          Files.move(temp, dir.resolve(name), ATOMIC_MOVE);
        }
      }
      sync(dir);
      return aside;
    } catch (IOException e) {
      throw new StorageException("cannot restore " + backup + " into " + directory + ": " + e
          + ". The directory's previous files are in its replaced-* directory", e);
    } finally {
      target.close();
    }
  }

  /** Deletes a backup directory (for retention). */
  public static void delete(Path dir) {
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort: a leftover directory has no manifest, or an old one, and is listed or skipped as such
    }
  }
}
