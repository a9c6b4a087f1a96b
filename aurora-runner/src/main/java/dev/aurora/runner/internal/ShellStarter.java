package dev.aurora.runner.internal;

import dev.aurora.runner.ProcessStarter;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ProcessStarter}: {@code [setsid] sh -c <command>}. With {@code setsid} the run
 * leads a process group of its own and a stop signals the whole group ({@code kill -TERM -<pgid>});
 * without, it signals the run and its descendants.
 */
public final class ShellStarter implements ProcessStarter {
  private static final Logger LOG = LoggerFactory.getLogger(ShellStarter.class);

  private final boolean setsid;

  ShellStarter(boolean setsid) {
    this.setsid = setsid;
  }

  /** A starter that uses {@code setsid} if it is on the PATH. */
  public static ShellStarter detect() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "setsid"))) {
        return new ShellStarter(true);
      }
    }
    LOG.warn("setsid is not on the PATH: a stop reaches only the processes still below a process's shell");
    return new ShellStarter(false);
  }

  @Override
  public RunningProcess start(Launch launch) throws IOException {
    List<String> argv = new ArrayList<>();
    if (setsid) {
      argv.add("setsid");
    }
    argv.addAll(List.of("sh", "-c", launch.process().command()));
    ProcessBuilder builder = new ProcessBuilder(argv)
        .directory(launch.directory().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(launch.stdout().toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(launch.stderr().toFile()));
    builder.environment().putAll(launch.environment());
    Process process = builder.start();
    return new Running(process, setsid);
  }

  private static final class Running implements RunningProcess {
    private final Process process;
    private final boolean group;
    private final CompletableFuture<Integer> exit;

    Running(Process process, boolean group) {
      this.process = process;
      this.group = group;
      this.exit = process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return exit;
    }

    @Override
    public CompletableFuture<Boolean> stop(Duration grace) {
      return CompletableFuture.supplyAsync(() -> {
        List<ProcessHandle> members = members();
        if (!grace.isZero()) {
          signal("TERM", members);
          if (allGone(members, grace)) {
            return false;
          }
        }
        members = members();
        if (members.isEmpty()) {
          return false;
        }
        signal("KILL", members);
        allGone(members, Duration.ofSeconds(10));
        return true;
      });
    }

    /** The run and its descendants still alive. */
    private List<ProcessHandle> members() {
      List<ProcessHandle> all = new ArrayList<>();
      ProcessHandle leader = process.toHandle();
      if (leader.isAlive()) {
        all.add(leader);
      }
      leader.descendants().filter(ProcessHandle::isAlive).forEach(all::add);
      return all;
    }

    private void signal(String signal, List<ProcessHandle> members) {
      if (group) {
        try {
          new ProcessBuilder("kill", "-" + signal, "--", "-" + process.pid())
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
              .waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
          LOG.debug("kill -{} -{} failed", signal, process.pid(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      for (ProcessHandle h : members) {
        if ("KILL".equals(signal)) {
          h.destroyForcibly();
        } else {
          h.destroy();
        }
      }
    }

    private static boolean allGone(List<ProcessHandle> members, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      for (ProcessHandle h : members) {
        long left = deadline - System.nanoTime();
        if (left <= 0 && h.isAlive()) {
          return false;
        }
        try {
          h.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          return false;
        } catch (java.util.concurrent.ExecutionException e) {
          // gone
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }
}
