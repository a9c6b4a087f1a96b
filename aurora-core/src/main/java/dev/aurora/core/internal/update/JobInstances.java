package dev.aurora.core.internal.update;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.UpdateDetails.InstanceProgress;
import dev.aurora.core.UpdateDetails.InstanceState;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.state.JobState;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** What an update reads of a job's instances: their tasks, how many are live, and the plan of an update. */
final class JobInstances {
  private JobInstances() {}

  /**
   * The instances an update from the job's current tasks to {@code to} changes, each WAITING: those
   * added, removed, or running another config. Unchanged instances are left alone.
   */
  static TreeMap<Integer, InstanceProgress> plan(Core core, JobState job, JobConfig to) {
    TreeMap<Integer, InstanceProgress> plan = new TreeMap<>();
    TreeSet<Integer> before = new TreeSet<>();
    for (Map.Entry<Integer, TaskId> e : job.activeByInstance().entrySet()) {
      if (core.task(e.getValue()).status() != ScheduleStatus.KILLING) {
        before.add(e.getKey());
      }
    }
    TreeSet<Integer> union = new TreeSet<>(before);
    for (int i = 0; i < to.instances(); i++) {
      union.add(i);
    }
    for (int i : union) {
      boolean existed = before.contains(i);
      boolean exists = i < to.instances();
      if (existed && exists && configOf(core, job, i).equals(to.task())) {
        continue; // unchanged: left alone
      }
      plan.put(i, new InstanceProgress(InstanceState.WAITING, 0, false, existed, exists));
    }
    return plan;
  }

  /** The task of instance i that has not ended, or null. */
  static ScheduledTask activeTask(Core core, JobState job, int i) {
    TaskId id = job.activeByInstance().get(i);
    ScheduledTask t = id == null ? null : core.task(id);
    return t == null || t.status().isTerminal() ? null : t;
  }

  /** How many instances have a task that has neither ended nor is being killed. */
  static int liveInstances(Core core, JobState job) {
    int live = 0;
    for (TaskId id : job.activeByInstance().values()) {
      ScheduledTask t = core.task(id);
      if (t != null && !t.status().isTerminal() && t.status() != ScheduleStatus.KILLING) {
        live++;
      }
    }
    return live;
  }

  private static TaskConfig configOf(Core core, JobState job, int i) {
    ScheduledTask t = activeTask(core, job, i);
    return t == null ? job.config().task() : t.config();
  }
}
