package dev.aurora.local.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a command line with {@code sh -c}, in a session and process group of its own through
 * {@code setsid} when the machine has it, so that the command and everything it spawns can be
 * signalled at once; stdin is {@code /dev/null}. A command that is one program with its arguments is
 * {@code exec}ed by the shell (see {@link ShellCommand}), so the started process is the program itself;
 * with {@code setsid}, a command of plain words (nothing the shell would expand) is {@code exec}ed by
 * {@code setsid} without a shell, which is the same process for a program start less.
 */
final class ProcessLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessLauncher.class);

  /** A started command: the JVM's handle on its leader, and the group it stands for. */
  record Started(Process process, ProcessGroup group) {}

  private final boolean setsid;

  ProcessLauncher(boolean setsid) {
    this.setsid = setsid;
  }

  /** A launcher that uses {@code setsid} if it is on the PATH. */
  static ProcessLauncher detect() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "setsid"))) {
        return new ProcessLauncher(true);
      }
    }
    LOG.warn("setsid is not on the PATH: tasks share the JVM's process group, and a kill reaches only"
        + " the processes still below the task's shell");
    return new ProcessLauncher(false);
  }

  /**
   * Starts {@code command} in {@code directory} with the JVM's environment plus {@code environment},
   * writing its output to {@code stdout} and {@code stderr}; the shell {@code exec}s a command that is
   * one program.
   */
  Started start(String command, Path directory, Map<String, String> environment,
      ProcessBuilder.Redirect stdout, ProcessBuilder.Redirect stderr) throws IOException {
    ProcessBuilder builder = new ProcessBuilder()
        .directory(directory.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout)
        .redirectError(stderr);
    builder.environment().putAll(environment);
    builder.command(argv(command, directory, builder.environment()));
    Process process = builder.start();
    // setsid does not fork here (the JVM's child leads no group), so the shell's pid (the program's,
    // once the shell execs it) is the group id
    return new Started(process, ProcessGroup.of(process.toHandle(), setsid));
  }

  /**
   * The program and arguments that start {@code command} in {@code directory} with {@code environment}
   * (the process's whole environment; {@code PWD} is set in it when no shell does so). A command of
   * plain words naming one program is {@code setsid}'s to {@code exec} itself, as the shell would: a
   * program start less per process. Anything else runs under {@code sh -c}.
   */
  List<String> argv(String command, Path directory, Map<String, String> environment) {
    List<String> argv = new ArrayList<>();
    if (setsid) {
      argv.add("setsid");
      // setsid finds the program on the process's own PATH, as the shell would
      Optional<List<String>> words = ShellCommand.plainWords(command, directory, environment);
      if (words.isPresent()) {
        argv.addAll(words.get());
        environment.put("PWD", workingDirectory(environment.get("PWD"), directory));
        return argv;
      }
    }
    argv.addAll(List.of("sh", "-c", ShellCommand.wrap(command, directory, environment)));
    return argv;
  }

  /** What {@code sh} would set {@code PWD} to: the one it was given if that names the directory, else its path. */
  private static String workingDirectory(String given, Path directory) {
    try {
      if (given != null && given.startsWith("/") && Files.isSameFile(Path.of(given), directory)) {
        return given;
      }
      return directory.toRealPath().toString();
    } catch (IOException | RuntimeException e) {
      return directory.toAbsolutePath().toString();
    }
  }
}
