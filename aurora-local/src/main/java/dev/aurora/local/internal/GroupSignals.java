package dev.aurora.local.internal;

import java.util.function.Consumer;

/**
 * Signals process groups through one shell for many kills: the JVM cannot signal a process group
 * ({@code kill(-pgid, sig)}) itself, so a shell's {@code kill} does it, and a shell started per group per
 * kill round cost two program starts per task killed. Requests made while a shell runs wait for it and
 * then share the next one; each request returns once the shell that carried it has run.
 */
final class GroupSignals {
  /** What one batch of requests asked for, as lines of a shell script. */
  private static final class Batch {
    final StringBuilder script = new StringBuilder();
    boolean done;
  }

  private final Consumer<String> shell;
  // guarded by this
  private Batch open = new Batch();
  private boolean busy;
  private int waiting;

  /** Signals with {@code shell}, which runs a script of {@code kill} lines and returns once it ran. */
  GroupSignals(Consumer<String> shell) {
    this.shell = shell;
  }

  /**
   * Runs {@code script} (lines of {@code kill} commands, each ending in a newline) in a shell, with the
   * scripts of every other request made meanwhile; returns once it ran.
   */
  void run(String script) {
    Batch batch;
    synchronized (this) {
      batch = open;
      batch.script.append(script);
      waiting++;
      try {
        while (busy && !batch.done) {
          wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return; // as a shell's wait would have been cut short
      } finally {
        waiting--;
      }
      if (batch.done) {
        return;
      }
      busy = true; // this request's batch runs next, on this thread; later requests make a new one
      open = new Batch();
    }
    try {
      shell.accept(batch.script.toString());
    } finally {
      synchronized (this) {
        batch.done = true;
        busy = false;
        notifyAll();
      }
    }
  }

  /** How many requests wait for a shell now (for tests). */
  synchronized int waiting() {
    return waiting;
  }
}
