package dev.aurora.runner;

/**
 * Hears what a {@link TaskRun} does. Calls come one at a time, in order, on the run's own thread;
 * they must not block.
 */
public interface RunnerListener {

  /** A process changed state (started, ended, waits to run again, was stopped). */
  void processChanged(ProcessReport report);

  /** The task's graph ended: every process has exited and the finalizers are done. Called once. */
  void taskEnded(TaskOutcome outcome);
}
