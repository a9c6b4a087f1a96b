package dev.aurora.runner;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A task's process graph being run by {@link TaskRunner}. */
public interface TaskRun {

  /**
   * Kills the task: with an HTTP lifecycle, {@code POST /quitquitquit} and {@code POST
   * /abortabortabort} first (each followed by its wait, cut short when every process has exited);
   * then SIGTERM to what still runs, the kill grace period, SIGKILL; then the finalizers, within the
   * finalization wait. The outcome is {@link TaskOutcome.State#KILLED} unless the task had ended by
   * itself already. Returns at once; {@link #outcome()} completes at the end.
   */
  void kill();

  /**
   * Kills the task as {@link #kill()} does, with {@code gracePeriod} between SIGTERM and SIGKILL in
   * place of the task's kill grace period (a Mesos KILL's {@code kill_policy}, say). The HTTP
   * lifecycle's waits and the finalization wait are the task's. The default ignores {@code
   * gracePeriod} and calls {@link #kill()}; the runs of {@link TaskRunner} honour it.
   *
   * @param gracePeriod how long what still runs after SIGTERM has before SIGKILL; zero for at once
   * @throws IllegalArgumentException if {@code gracePeriod} is negative
   */
  default void kill(java.time.Duration gracePeriod) {
    kill();
  }

  /**
   * Stops running the graph at once, without stopping any process or running finalizers: nothing
   * more is started or reported, and {@link RunnerListener#taskEnded} is not called. For a caller
   * that ends the processes itself (a memory limit, a closing backend).
   */
  void detach();

  /** Completes with the outcome once the task's graph has ended (never after {@link #detach()}). */
  CompletableFuture<TaskOutcome> outcome();

  /**
   * The latest report of every process, in the order the task lists them. Waits for the run's thread:
   * do not call it from a {@link RunnerListener} callback (keep the reports it is given instead).
   */
  List<ProcessReport> processes();
}
