package dev.aurora.core.internal;

import dev.aurora.api.TaskVariables;

/**
 * The launch building's name for the public {@link TaskVariables} (the core uses no internal class of
 * aurora-api). Kept so that {@code SchedulerImpl}'s launch building reads as before while that class is
 * being split; the launch factory that comes out of the split calls {@link TaskVariables} directly and
 * this class goes.
 */
final class Templates {
  private Templates() {}

  /** {@link TaskVariables#resolve}. */
  static String resolveTaskVariables(String text, int instance, String taskId, PortLookup ports) {
    return TaskVariables.resolve(text, instance, taskId, ports);
  }

  /** {@link TaskVariables.PortLookup}. */
  @FunctionalInterface
  interface PortLookup extends TaskVariables.PortLookup {}
}
