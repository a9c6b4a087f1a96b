package dev.aurora.local.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends process groups the Unix way: SIGTERM to every group and every member, up to a grace period
 * for them to go, then SIGKILL until none is left. It blocks the calling thread meanwhile, polling the
 * {@link ProcessTable} (a scan shared with every other kill under way: see {@link
 * ProcessTable#snapshotSince}).
 */
final class ProcessKiller {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessKiller.class);
  private static final long POLL_MILLIS = 20;
  /** How long SIGKILL may take before we give up and say so. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  /** Group signals of kills under way at once share one shell. */
  private static final GroupSignals SIGNALS = new GroupSignals(ProcessKiller::runShell);

  private ProcessKiller() {}

  /**
   * Ends {@code groups}, giving them {@code grace} after SIGTERM (none: SIGKILL at once).
   *
   * @return whether SIGKILL was needed
   */
  static boolean terminate(Collection<ProcessGroup> groups, Duration grace) {
    return terminate(groups, grace, null);
  }

  /**
   * Ends {@code groups} as {@link #terminate(Collection, Duration)} does; {@code leadersExited}, if given,
   * completes once the leader of every group has exited.
   *
   * @return whether SIGKILL was needed
   */
  static boolean terminate(Collection<ProcessGroup> groups, Duration grace, CompletableFuture<?> leadersExited) {
    List<ProcessGroup> signalled = List.copyOf(groups);
    Set<Long> alive = ProcessTable.snapshotSince(System.nanoTime()).members(signalled);
    if (alive.isEmpty()) {
      return false;
    }
    if (grace.compareTo(Duration.ZERO) > 0) {
      signal(signalled, alive, false);
      Set<Long> termed = new HashSet<>(alive);
      long deadline = System.nanoTime() + grace.toNanos();
      while (!alive.isEmpty() && System.nanoTime() < deadline) {
        long asked = System.nanoTime(); // a table read after the signal and after the last poll
        // the leaders' exits are what usually ends a kill: wait for them, not for table reads (each reads
        // every process's /proc entry); once they are gone, poll for what is left of their groups
        if (!awaitUntil(leadersExited, deadline)) {
          pause();
        }
        alive = ProcessTable.snapshotSince(asked).stillAlive(signalled, alive);
        // a member started since the last signal (a child forked meanwhile, one a TERM handler starts) is
        // asked to end too, not left running until SIGKILL
        List<Long> fresh = new ArrayList<>();
        for (long pid : alive) {
          if (termed.add(pid)) {
            fresh.add(pid);
          }
        }
        if (!fresh.isEmpty()) {
          signalEach(fresh, false);
        }
      }
      if (alive.isEmpty()) {
        return false;
      }
    }
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      signal(signalled, alive, true);
      long asked = System.nanoTime();
      pause();
      alive = ProcessTable.snapshotSince(asked).stillAlive(signalled, alive);
    }
    if (!alive.isEmpty()) {
      LOG.error("processes {} survived SIGKILL for {}", alive, KILL_WAIT);
    }
    return true;
  }

  /** Signals each own process group as a whole, then each member on its own (some may have left it). */
  private static void signal(List<ProcessGroup> groups, Set<Long> members, boolean kill) {
    long self = ProcessHandle.current().pid();
    StringBuilder script = new StringBuilder();
    for (ProcessGroup group : groups) {
      if (group.ownGroup() && group.pgid() > 1 && group.pgid() != self && !group.leaderPidReused()) {
        script.append("kill -s ").append(kill ? "KILL" : "TERM").append(" -- -").append(group.pgid()).append('\n');
      }
    }
    if (script.length() > 0) {
      SIGNALS.run(script.toString());
    }
    signalEach(members, kill);
  }

  /** Signals each process on its own. */
  private static void signalEach(Collection<Long> pids, boolean kill) {
    long self = ProcessHandle.current().pid();
    for (long pid : pids) {
      if (pid > 1 && pid != self) {
        ProcessHandle.of(pid).ifPresent(h -> {
          if (kill) {
            h.destroyForcibly();
          } else {
            h.destroy();
          }
        });
      }
    }
  }

  /**
   * Waits for {@code exited} until {@code deadline} ({@link System#nanoTime}) if it is given and not done
   * yet; whether it waited.
   */
  private static boolean awaitUntil(CompletableFuture<?> exited, long deadline) {
    if (exited == null || exited.isDone()) {
      return false;
    }
    try {
      exited.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // the deadline came first, or the leader cannot be watched: the table says what is left
    }
    return true;
  }

  /** Runs {@code script} in {@code sh}, given on its standard input (no limit on its length). */
  private static void runShell(String script) {
    try {
      Process sh = new ProcessBuilder("sh", "-s")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      try (java.io.OutputStream in = sh.getOutputStream()) {
        in.write((script + "true\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      } catch (IOException e) {
        LOG.warn("cannot hand the kill script to sh", e);
      }
      sh.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      LOG.warn("cannot run kill; signalling processes one by one", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
