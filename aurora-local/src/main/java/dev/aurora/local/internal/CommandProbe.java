package dev.aurora.local.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A health probe that runs a command line in the task's sandbox with the task's environment; exit 0
 * passes. A command that outlives the timeout is killed with its whole group and fails.
 */
final class CommandProbe implements HealthMonitor.Probe {
  private final ProcessLauncher launcher;
  private final String command;
  private final Sandbox sandbox;
  private final Map<String, String> environment;
  private final Duration timeout;

  CommandProbe(ProcessLauncher launcher, String command, Sandbox sandbox, Map<String, String> environment,
      Duration timeout) {
    this.launcher = launcher;
    this.command = command;
    this.sandbox = sandbox;
    this.environment = Map.copyOf(environment);
    this.timeout = timeout;
  }

  @Override
  public HealthMonitor.Result probe() {
    ProcessLauncher.Started started;
    try {
      started = launcher.start(command, sandbox.dir(), environment,
          ProcessBuilder.Redirect.to(sandbox.healthOutput("stdout").toFile()),
          ProcessBuilder.Redirect.to(sandbox.healthOutput("stderr").toFile()));
    } catch (IOException e) {
      return new HealthMonitor.Result(false, "health command could not start: " + e.getMessage());
    }
    try {
      if (!started.process().waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        ProcessKiller.terminate(List.of(started.group()), Duration.ZERO);
        return new HealthMonitor.Result(false, "health command timed out after " + timeout.toMillis() + " ms");
      }
      int code = started.process().exitValue();
      // a command's children may linger; they are no longer wanted
      ProcessKiller.terminate(List.of(started.group()), Duration.ZERO);
      return new HealthMonitor.Result(code == 0, "health command exited " + code);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ProcessKiller.terminate(List.of(started.group()), Duration.ZERO);
      return new HealthMonitor.Result(false, "health command was interrupted");
    }
  }
}
