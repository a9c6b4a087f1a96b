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
 * Where the framework id is kept, so that a restarted or failed-over scheduler subscribes again as
 * the same framework and its tasks keep running. The core's storage has no place for a backend's own
 * data yet, so the id is kept here: in a file by default ({@link #file(Path)}), or wherever the
 * embedding application keeps its state (implement this interface, e.g. on ZooKeeper next to the
 * scheduler's storage when several schedulers share one framework).
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
