package dev.aurora.core;

import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;

/**
 * The task a placement filter or scorer judges: a job's config. Identical pending tasks of a job are
 * placed as a group, so one {@code PlacementTask} stands for all of them.
 */
public interface PlacementTask {
  /** The job. */
  JobKey job();

  /** The config of the tasks being placed. */
  TaskConfig config();

  /**
   * How many active tasks of the job are on agents whose {@code attribute} has {@code value},
   * counting those placed earlier in this pass (what limit constraints count).
   */
  int countOn(String attribute, String value);
}
