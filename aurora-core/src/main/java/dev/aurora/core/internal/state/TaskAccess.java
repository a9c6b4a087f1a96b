package dev.aurora.core.internal.state;

import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;

/**
 * The scheduler's access to the non-public constructors and fields of {@link ScheduledTask}, which
 * users must not call (the JDK's "shared secrets" pattern). Not for users.
 */
public abstract class TaskAccess {
  private static volatile TaskAccess instance;

  /** Called once by {@link ScheduledTask}'s class initializer. */
  public static void install(TaskAccess access) {
    if (instance != null) {
      throw new IllegalStateException("TaskAccess is installed already");
    }
    instance = access;
  }

  /** The installed access. */
  public static TaskAccess get() {
    TaskAccess a = instance;
    if (a == null) {
      try {
        Class.forName(ScheduledTask.class.getName(), true, ScheduledTask.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new AssertionError(e);
      }
      a = instance;
    }
    return a;
  }

  public abstract ScheduledTask create(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
      int failureCount, int flapCount);

  public abstract ScheduledTask withStatus(ScheduledTask t, ScheduleStatus next, long nowMillis, String message);

  /**
   * A new task created at {@code nowMillis} and moved at once, with no message, to {@code first}: the
   * same task as {@code withStatus(create(...), first, nowMillis, "")}, without making the INIT one.
   */
  public abstract ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
      int failureCount, int flapCount, ScheduleStatus first);

  /**
   * The events of a task created at {@code nowMillis} and moved at once to {@code first}: an array the
   * tasks created with it may share ({@link #createMoved(TaskId, JobKey, int, TaskConfig, long[])}).
   */
  public abstract long[] createdEvents(long nowMillis, ScheduleStatus first);

  /**
   * A new task with no failures or flaps whose events are {@code events} (from {@link #createdEvents},
   * shared with the tasks created with it, never changed): the same task as {@code createMoved(id, job,
   * instance, config, now, 0, 0, first)}.
   */
  public abstract ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long[] events);

  public abstract ScheduledTask assigned(ScheduledTask t, String agentId, String host, int[] ports, long nowMillis);

  public abstract ScheduledTask withHealth(ScheduledTask t, boolean healthy);

  /** The task with the process records merged in (the same task when nothing changes). */
  public abstract ScheduledTask withProcesses(ScheduledTask t, java.util.List<dev.aurora.core.ProcessRecord> reports);

  public abstract String agentIdOrNull(ScheduledTask t);

  public abstract int[] ports(ScheduledTask t);

  public abstract long statusTimeMillis(ScheduledTask t);

  public abstract long timeOfMillis(ScheduledTask t, ScheduleStatus status);
}
