package dev.aurora.core;

import dev.aurora.api.TaskId;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads what a task's processes wrote to their standard output and error, where the backend keeps it
 * (the local backend: the files {@code <process>.stdout} and {@code <process>.stderr} of the task's
 * sandbox). A backend that keeps output returns one from {@link ClusterBackend#taskOutput()}; the
 * scheduler exposes it as {@link Scheduler#taskOutput()}.
 *
 * <p>Output is read while the task runs and after it ended, for as long as the backend keeps it.
 * Implementations are thread-safe and never block on the task.
 */
public interface TaskOutput {

  /** Which of a process's output streams. */
  enum Stream {
    /** Standard output. */
    STDOUT,
    /** Standard error. */
    STDERR;

    /** The stream named {@code stdout} or {@code stderr} (any case). */
    public static Stream parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "stdout" -> STDOUT;
        case "stderr" -> STDERR;
        default -> throw new IllegalArgumentException("unknown stream '" + name + "'; known: stdout, stderr");
      };
    }
  }

  /**
   * A piece of one stream: {@code bytes} read at {@code offset}, and the stream's {@code size} when it
   * was read. The next piece starts at {@link #next()}.
   *
   * @param offset where {@code bytes} start in the stream
   * @param bytes what was read (possibly nothing)
   * @param size the stream's whole length when read
   */
  record Chunk(long offset, byte[] bytes, long size) {
    /** Checks the values. */
    public Chunk {
      Objects.requireNonNull(bytes, "bytes");
      if (offset < 0 || size < 0) {
        throw new IllegalArgumentException("offset and size must be >= 0, were " + offset + ", " + size);
      }
    }

    /** The offset just past {@code bytes}. */
    public long next() {
      return offset + bytes.length;
    }
  }

  /**
   * The processes of {@code task} that have output here, in the task's order. Empty when the backend
   * keeps nothing of that task (unknown, not started yet, or its output already deleted).
   */
  List<String> processes(TaskId task);

  /**
   * Reads up to {@code limit} bytes of one process's stream starting at {@code offset}; a negative
   * {@code offset} reads the stream's last {@code -offset} bytes (its tail; all of it when shorter).
   * An offset past the end reads nothing. Empty when the backend has no such stream.
   *
   * @throws IOException if the output cannot be read
   * @throws IllegalArgumentException if {@code limit} is negative
   */
  Optional<Chunk> read(TaskId task, String process, Stream stream, long offset, int limit) throws IOException;
}
