package dev.aurora.runner;

import dev.aurora.api.ProcessConfig;
import dev.aurora.runner.internal.ShellStarter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the runner starts and ends one run of a process: the one place that knows about OS processes.
 * {@link #shell()} is the default; the local backend plugs in its own (process groups it records
 * for adoption and orphan reaping).
 */
public interface ProcessStarter {

  /**
   * What to start.
   *
   * @param process the process (its command already resolved)
   * @param run which run of it, from 1
   * @param directory its working directory, which exists
   * @param environment the variables to add to the JVM's environment
   * @param stdout the file its standard output is appended to: the sandbox file, {@code /dev/null}, or a
   *     named pipe the runner copies from, as the process's logger says
   * @param stderr the file its standard error is appended to, likewise
   */
  record Launch(ProcessConfig process, int run, Path directory, Map<String, String> environment, Path stdout,
      Path stderr) {}

  /** One started run. */
  interface RunningProcess {
    /** Its pid. */
    long pid();

    /** Completes with its exit code (128 + n if it died of signal n) when it exits. */
    CompletableFuture<Integer> onExit();

    /**
     * Ends it and everything it spawned: SIGTERM, up to {@code grace} for them to go, then SIGKILL
     * (at once when {@code grace} is zero). Completes, true if SIGKILL was needed, once all are gone.
     */
    CompletableFuture<Boolean> stop(Duration grace);
  }

  /** Starts a run; an {@link IOException} is a run that could not start (it counts as a failure). */
  RunningProcess start(Launch launch) throws IOException;

  /**
   * The default: {@code sh -c <command>}, through {@code setsid} where it exists so the run leads a
   * process group of its own, which {@link RunningProcess#stop} signals whole; stdin is {@code
   * /dev/null}.
   */
  static ProcessStarter shell() {
    return ShellStarter.detect();
  }
}
