package dev.aurora.mesos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A place to keep the framework id apart from the scheduler's storage. By default the Mesos backend
 * keeps the id in the scheduler's storage (so the file log, ZooKeeper storage and backups hold it, and
 * a restarted, failed-over or restored scheduler subscribes as the same framework): a store is needed
 * only to keep it elsewhere on purpose ({@link MesosBackend.Builder#frameworkIds}), in tests ({@link
 * #inMemory()}), or to name where an earlier release kept it ({@link
 * MesosBackend.Builder#frameworkIdMigration}, by default the file {@code aurora-framework-id} in the
 * working directory).
 */
public interface FrameworkIdStore {
  /** The stored framework id, if one was stored. */
  Optional<String> load();

  /** Stores the framework id the master assigned (or confirmed). */
  void save(String frameworkId);

  /** A store in memory only: a new process registers a new framework. For tests. */
  static FrameworkIdStore inMemory() {
    AtomicReference<String> id = new AtomicReference<>();
    return new FrameworkIdStore() {
      @Override
      public Optional<String> load() {
        return Optional.ofNullable(id.get());
      }

      @Override
      public void save(String frameworkId) {
        id.set(frameworkId);
      }
    };
  }

  /** A store in one file, replaced atomically on each save. */
  static FrameworkIdStore file(Path file) {
    return new FrameworkIdStore() {
      @Override
      public Optional<String> load() {
        try {
          if (!Files.exists(file)) {
            return Optional.empty();
          }
          String id = Files.readString(file, StandardCharsets.UTF_8).trim();
          return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the framework id from " + file, e);
        }
      }

      @Override
      public void save(String frameworkId) {
        try {
          Path dir = file.toAbsolutePath().getParent();
          Files.createDirectories(dir);
          Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
          Files.writeString(tmp, frameworkId + "\n", StandardCharsets.UTF_8);
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the framework id to " + file, e);
        }
      }
    };
  }
}
