package dev.aurora.local.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A task's directory under the sandbox root, named by its task id: the processes' working directory
 * by default, each process's {@code <name>.stdout} and {@code <name>.stderr}, and the backend's own
 * records in {@code .aurora/}: the task id, a pid file with one line per started process group, and,
 * once the task has ended, its final status. A sandbox without that status whose task no backend
 * runs is an orphan's.
 */
final class Sandbox {
  private static final String META = ".aurora";

  private final Path dir;

  private Sandbox(Path dir) {
    this.dir = dir;
  }

  /** Makes a new sandbox for {@code taskId} under {@code root}. */
  static Sandbox create(Path root, TaskId taskId) throws IOException {
    String name = directoryName(taskId);
    for (int n = 1; ; n++) {
      Path dir = root.resolve(n == 1 ? name : name + "." + n);
      try {
        Files.createDirectory(dir);
      } catch (FileAlreadyExistsException e) {
        continue; // an older sandbox of a task with the same (sanitized) id
      }
      Files.createDirectory(dir.resolve(META));
      Files.writeString(dir.resolve(META).resolve("task-id"), taskId.value());
      return new Sandbox(dir);
    }
  }

  /** The sandbox in {@code dir}, if it is one (it records a task id). */
  static Optional<Sandbox> open(Path dir) {
    return Files.isRegularFile(dir.resolve(META).resolve("task-id"))
        ? Optional.of(new Sandbox(dir))
        : Optional.empty();
  }

  /** A file or directory name for the task id: its characters outside {@code [A-Za-z0-9_.-]} as '_'. */
  static String directoryName(TaskId taskId) {
    return fileName(taskId.value());
  }

  private static String fileName(String text) {
    String name = text.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (name.startsWith(".")) {
      name = "_" + name;
    }
    return name.length() > 200 ? name.substring(0, 200) : name;
  }

  Path dir() {
    return dir;
  }

  TaskId taskId() throws IOException {
    return TaskId.of(Files.readString(dir.resolve(META).resolve("task-id")).trim());
  }

  Path stdout(String process) {
    return dir.resolve(fileName(process) + ".stdout");
  }

  Path stderr(String process) {
    return dir.resolve(fileName(process) + ".stderr");
  }

  /** Where the backend keeps a health check command's output. */
  Path healthOutput(String stream) {
    return dir.resolve(META).resolve("health-check." + stream);
  }

  /**
   * Notes a started process group in the pid file, so a later backend can find it. Not synced to disk:
   * a later backend on this machine reads it from the page cache even after this JVM was killed, and
   * after the machine went down its processes are gone too (a stale line is told apart by the leader's
   * start time).
   */
  void recordGroup(ProcessGroup group) throws IOException {
    Files.writeString(pidFile(), group.line() + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Appends one change of a process's state to {@code .aurora/processes}, the task's process history. */
  void recordProcess(String line) throws IOException {
    Files.writeString(dir.resolve(META).resolve("processes"), line + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** The process groups the pid file lists. */
  List<ProcessGroup> groups() throws IOException {
    List<ProcessGroup> groups = new ArrayList<>();
    if (Files.exists(pidFile())) {
      for (String line : Files.readAllLines(pidFile())) {
        if (!line.isBlank()) {
          groups.add(ProcessGroup.parse(line));
        }
      }
    }
    return groups;
  }

  /** Records what a later backend needs to adopt the task. */
  void recordLaunch(LaunchRecord record) throws IOException {
    record.write(dir.resolve(META));
  }

  /** The launch record, if the backend that ran the task wrote one. */
  Optional<LaunchRecord> launch() throws IOException {
    return LaunchRecord.read(dir.resolve(META));
  }

  /** Records the task's final status; from now on the sandbox is a finished task's. */
  void recordEnd(TaskStatus status) throws IOException {
    Files.writeString(endFile(), status.state() + "\n" + status.message().replace('\n', ' ') + "\n");
  }

  /** The final status, if the task has ended. */
  Optional<TaskStatus> end() throws IOException {
    if (!Files.exists(endFile())) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(endFile());
    ScheduleStatus state = ScheduleStatus.valueOf(lines.get(0).trim());
    return Optional.of(TaskStatus.of(taskId(), state, lines.size() > 1 ? lines.get(1) : ""));
  }

  /** When the task ended, by the final status's file time. */
  FileTime endedAt() throws IOException {
    return Files.getLastModifiedTime(endFile());
  }

  private Path pidFile() {
    return dir.resolve(META).resolve("pids");
  }

  private Path endFile() {
    return dir.resolve(META).resolve("end");
  }
}
