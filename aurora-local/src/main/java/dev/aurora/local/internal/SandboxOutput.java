package dev.aurora.local.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.TaskOutput;
import dev.aurora.runner.ProcessReport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;


/**
 * A task's output from its sandbox: the runner's {@code <process>.stdout} and {@code <process>.stderr}
 * files. Only plain process names are read (no path separators, no leading dot), so a name can never
 * reach outside the sandbox or into the backend's {@code .aurora/} records.
 */
public final class SandboxOutput implements TaskOutput {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]*");

  private final Function<TaskId, Optional<Path>> sandboxes;
  private final Function<TaskId, List<ProcessReport>> reports;

  public SandboxOutput(Function<TaskId, Optional<Path>> sandboxes, Function<TaskId, List<ProcessReport>> reports) {
    this.sandboxes = sandboxes;
    this.reports = reports;
  }

  @Override
  public List<String> processes(TaskId task) {
    Optional<Path> dir = sandboxes.apply(task);
    if (dir.isEmpty()) {
      return List.of();
    }
    Set<String> found = new TreeSet<>();
    try (java.util.stream.Stream<Path> files = Files.list(dir.get())) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".stdout") || n.endsWith(".stderr"))
          .map(n -> n.substring(0, n.length() - 7))
          .filter(n -> NAME.matcher(n).matches())
          .forEach(found::add);
    } catch (IOException e) {
      return List.of();
    }
    // the task's order where the runner still knows it, then the rest by name
    Set<String> ordered = new LinkedHashSet<>();
    for (ProcessReport r : reports.apply(task)) {
      if (found.contains(r.process())) {
        ordered.add(r.process());
      }
    }
    ordered.addAll(found);
    return new ArrayList<>(ordered);
  }

  @Override
  public Optional<Chunk> read(TaskId task, String process, TaskOutput.Stream stream, long offset, int limit)
      throws IOException {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, was " + limit);
    }
    if (!NAME.matcher(process).matches()) {
      return Optional.empty();
    }
    Optional<Path> dir = sandboxes.apply(task);
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    Path file = dir.get().resolve(process + (stream == TaskOutput.Stream.STDOUT ? ".stdout" : ".stderr"));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long from = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
      int n = (int) Math.min(limit, size - from);
      ByteBuffer buf = ByteBuffer.allocate(n);
      while (buf.hasRemaining()) {
        if (ch.read(buf, from + buf.position()) < 0) {
          break;
        }
      }
      byte[] bytes = new byte[buf.position()];
      buf.flip();
      buf.get(bytes);
      return Optional.of(new Chunk(from, bytes, Math.max(size, from + bytes.length)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }
}
