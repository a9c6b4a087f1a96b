package dev.aurora.runner.internal;

import dev.aurora.api.ProcessLogger;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the output of a task's processes goes, as each one's {@link ProcessLogger} says. A file in
 * standard mode is given to the process itself (appended to); {@code NONE} is {@code /dev/null}. The
 * rest (rotating files, the console, both) goes through the runner: the process writes to a named pipe
 * ({@code mkfifo}) in {@code <sandbox>/.logs}, and a thread of the runner copies what it reads to the
 * rotating file and/or the runner's own standard output or error.
 */
final class ProcessOutput {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessOutput.class);

  private final Path sandbox;
  private final Map<Path, FileSink> files = new HashMap<>(); // one per output file, shared by the runs

  ProcessOutput(Path sandbox) {
    this.sandbox = sandbox;
  }

  /** One stream of one run: the path the process writes to, and when all it wrote has been copied. */
  static final class Stream {
    final Path target;
    final CompletableFuture<Void> drained;
    private final @Nullable Path fifo;
    private @Nullable FileOutputStream keeper;

    Stream(Path target, CompletableFuture<Void> drained, @Nullable Path fifo, @Nullable FileOutputStream keeper) {
      this.target = target;
      this.drained = drained;
      this.fifo = fifo;
      this.keeper = keeper;
    }

    /**
     * The process has opened its end (or could not start): the pipe's name is no longer needed, and
     * the runner's own write end, which kept the copying thread from seeing an end too early, is closed.
     */
    void started() {
      if (fifo == null) {
        return;
      }
      try {
        Files.deleteIfExists(fifo);
      } catch (IOException e) {
        LOG.debug("cannot delete {}", fifo, e);
      }
      if (keeper != null) {
        try {
          keeper.close();
        } catch (IOException e) {
          LOG.debug("cannot close {}", fifo, e);
        }
        keeper = null;
      }
    }
  }

  /** Prepares one stream of run {@code run} of a process whose file (if it writes one) is {@code file}. */
  synchronized Stream open(String process, int run, boolean stderr, ProcessLogger logger, Path file) {
    boolean files = logger.writesFiles();
    boolean console = logger.destination() == ProcessLogger.Destination.CONSOLE
        || logger.destination() == ProcessLogger.Destination.BOTH;
    if (!files && !console) {
      return new Stream(Path.of("/dev/null"), CompletableFuture.completedFuture(null), null, null);
    }
    if (!console && logger.mode() == ProcessLogger.Mode.STANDARD) {
      return new Stream(file, CompletableFuture.completedFuture(null), null, null);
    }
    List<Sink> sinks = new ArrayList<>();
    if (files) {
      sinks.add(files(file, logger));
    }
    if (console) {
      sinks.add(new ConsoleSink(stderr));
    }
    Path fifo = sandbox.resolve(".logs").resolve(process + "." + run + (stderr ? ".stderr" : ".stdout"));
    try {
      Files.createDirectories(fifo.getParent());
      Files.deleteIfExists(fifo);
      Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
        throw new IOException("mkfifo " + fifo + " failed");
      }
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("process '{}': cannot make a pipe for its {} ({}); it goes straight to {}", process,
          stderr ? "stderr" : "stdout", e.toString(), files ? file : "/dev/null");
      return new Stream(files ? file : Path.of("/dev/null"), CompletableFuture.completedFuture(null), null, null);
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    Thread copier = new Thread(() -> copy(fifo, sinks, drained), "aurora-runner-output-" + process);
    copier.setDaemon(true);
    copier.start();
    FileOutputStream keeper;
    try {
      keeper = new FileOutputStream(fifo.toFile()); // opens once the copier has opened its end
    } catch (IOException e) {
      LOG.warn("process '{}': cannot open the pipe {}", process, fifo, e);
      keeper = null;
    }
    return new Stream(fifo, drained, fifo, keeper);
  }

  private static void copy(Path fifo, List<Sink> sinks, CompletableFuture<Void> drained) {
    try (FileInputStream in = new FileInputStream(fifo.toFile())) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (Sink sink : sinks) {
          try {
            sink.write(buffer, n);
          } catch (IOException e) {
            LOG.debug("cannot write process output to {}", sink, e);
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot read {}", fifo, e);
    } finally {
      drained.complete(null);
    }
  }

  private FileSink files(Path file, ProcessLogger logger) {
    return this.files.computeIfAbsent(file, f -> new FileSink(f,
        logger.mode() == ProcessLogger.Mode.ROTATE ? logger.maxSizeBytes() : Long.MAX_VALUE, logger.backups()));
  }

  /** Closes the files; a late write opens its file again. */
  synchronized void close() {
    files.values().forEach(FileSink::close);
  }

  private interface Sink {
    void write(byte[] bytes, int length) throws IOException;
  }

  /** The runner's standard output or error, as it is when the bytes come (so it may be replaced). */
  private record ConsoleSink(boolean stderr) implements Sink {
    @Override
    public void write(byte[] bytes, int length) {
      PrintStream out = stderr ? System.err : System.out;
      out.write(bytes, 0, length);
      out.flush();
    }
  }

  /**
   * A file of at most {@code maxSize} bytes: a write that would pass it fills the file to the limit,
   * then the file becomes {@code <file>.1} (older ones move up, the one past {@code backups} is
   * deleted) and the rest goes to a new file.
   */
  private static final class FileSink implements Sink {
    private final Path file;
    private final long maxSize;
    private final int backups;
    private @Nullable OutputStream out;
    private long size;

    FileSink(Path file, long maxSize, int backups) {
      this.file = file;
      this.maxSize = maxSize;
      this.backups = backups;
    }

    @Override
    public synchronized void write(byte[] bytes, int length) throws IOException {
      int offset = 0;
      while (offset < length) {
        if (out == null) {
          size = Files.exists(file) ? Files.size(file) : 0;
          out = new FileOutputStream(file.toFile(), true);
        }
        if (size >= maxSize) {
          rotate();
        }
        int n = (int) Math.min(length - offset, maxSize - size);
        out.write(bytes, offset, n);
        size += n;
        offset += n;
      }
    }

    private void rotate() throws IOException {
      out.close();
      out = null;
      Files.deleteIfExists(backup(backups));
      for (int i = backups - 1; i >= 1; i--) {
        if (Files.exists(backup(i))) {
          Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, backup(1), StandardCopyOption.REPLACE_EXISTING);
      out = new FileOutputStream(file.toFile(), true);
      size = 0;
    }

    private Path backup(int n) {
      return file.resolveSibling(file.getFileName() + "." + n);
    }

    synchronized void close() {
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          LOG.debug("cannot close {}", file, e);
        }
        out = null;
      }
    }

    @Override
    public String toString() {
      return file.toString();
    }
  }
}
