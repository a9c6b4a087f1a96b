package dev.aurora.core.internal.placement;

import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.api.Tier;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.ScheduledTask;
import java.util.LinkedHashMap;

/**
 * The pending tasks of one job that share one config: identical, so they are placed together in one
 * pass, and judged once per agent.
 */
public final class TaskGroup implements PlacementTask {
  final JobKey job;
  final TaskConfig config;
  final LimitCounts counts;
  final boolean revocable;
  final long cpuMillis;
  private final boolean confined;
  private final boolean spreads;
  /** When the group came to be, among the groups of one scheduler: the last tie-break of the placement order. */
  final long seq;
  /**
   * The group's tasks in the order they joined, each with the PENDING task as it joined (what the task
   * map holds for it while it stays PENDING), so that placing it needs no look-up in the task map; null
   * for a task added by id alone.
   */
  final LinkedHashMap<TaskId, ScheduledTask> tasks = new LinkedHashMap<>();
  long pendingSinceMillis;
  /**
   * How much of an agent a task of the group takes: the larger of its cpu and ram shares (its dominant
   * share), set once by {@link PlacementEngine#size} so that a group's place in the order never moves.
   */
  double size;
  /** The group's value and limit constraints as rules, for the constraint filters and narrowing; built on first use. */
  GroupRules rules;
  /** The filters that may veto an agent for the group, and the engine that chose them (see PlacementEngine#judge). */
  dev.aurora.core.PlacementFilter[] judgeFilters;
  Object judgeFiltersOf;
  // --- set by the engine when a pass left tasks of this group unplaced: see PlacementEngine#stillStuck ---
  boolean stuck;
  boolean stuckTrusted;
  long stuckEpoch;
  int stuckLogPosition;
  long stuckReleases;
  long[] stuckReleaseCounter;
  /** The launch of the group's tasks, made on the group's first launch (see {@link #launchTemplate()}). */
  private dev.aurora.core.internal.launch.LaunchTemplate launchTemplate;

  /** A group that orders after every group of its scheduler created before it ({@code seq} grows). */
  public TaskGroup(JobKey job, TaskConfig config, LimitCounts counts, long seq) {
    this.job = job;
    this.seq = seq;
    this.config = config;
    this.counts = counts;
    this.revocable = config.tier() == Tier.REVOCABLE;
    this.cpuMillis = Math.round(config.resources().cpus() * 1000);
    this.confined = isConfined(config);
    this.spreads = hasHostLimit(config);
  }

  @Override
  public JobKey job() {
    return job;
  }

  @Override
  public TaskConfig config() {
    return config;
  }

  @Override
  public int countOn(String attribute, String value) {
    return counts.countOn(attribute, value);
  }

  /** The launch every task of the group shares, made once (on first use) for the group's job and config. */
  public dev.aurora.core.internal.launch.LaunchTemplate launchTemplate() {
    if (launchTemplate == null) {
      launchTemplate = dev.aurora.core.internal.launch.LaunchTemplate.of(job, config);
    }
    return launchTemplate;
  }

  /** Adds a task by id alone (its task is looked up when it is placed). */
  public boolean add(TaskId id, long nowMillis) {
    return join(id, null, nowMillis);
  }

  /**
   * Adds a PENDING task, kept with the group so that placing it needs no look-up; {@link #replace}
   * must be told if the scheduler's copy of it changes while it stays PENDING.
   */
  public boolean add(ScheduledTask pending, long nowMillis) {
    return join(pending.id(), pending, nowMillis);
  }

  private boolean join(TaskId id, ScheduledTask pending, long nowMillis) {
    if (tasks.isEmpty()) {
      pendingSinceMillis = nowMillis;
    }
    int before = tasks.size();
    tasks.put(id, pending); // a task already in keeps its place (insertion order)
    return tasks.size() != before;
  }

  /** Keeps {@code pending} as the group's copy of its task, if the task is in the group. */
  public void replace(ScheduledTask pending) {
    tasks.replace(pending.id(), pending);
  }

  /** The PENDING task the group holds for {@code id}: null if it was added by id alone or is not in the group. */
  public ScheduledTask pendingTask(TaskId id) {
    return tasks.get(id);
  }

  public boolean remove(TaskId id) {
    int before = tasks.size();
    tasks.remove(id); // its value may be null (added by id)
    return tasks.size() != before;
  }

  public boolean isEmpty() {
    return tasks.isEmpty();
  }

  public int size() {
    return tasks.size();
  }

  /**
   * The group's pending-since time in the placement order: groups that joined before one pass share
   * one, so it may be earlier than its tasks became PENDING (what a user is told is their own).
   */
  public long pendingSinceMillis() {
    return pendingSinceMillis;
  }

  /** The task that joined the group first of those in it (the next one placed); the group is not empty. */
  public TaskId first() {
    return tasks.keySet().iterator().next();
  }

  /** Whether the group is {@linkplain #isConfined confined}; the placement order asks often. */
  boolean confined() {
    return confined;
  }

  /**
   * Whether a constraint other than dedicated confines tasks of {@code config}: a value list, or a limit
   * per value of an attribute other than {@code host} (a rack or zone that fills up is closed to it).
   */
  private static boolean isConfined(TaskConfig config) {
    for (dev.aurora.api.Constraint c : config.constraints()) {
      if (c.isLimit() ? !"host".equals(c.attribute()) : !c.isDedicated() && !c.negated()) {
        return true;
      }
    }
    return false;
  }

  /** Whether the group must spread: a limit per {@code host} caps how many of its tasks one agent takes. */
  boolean spreads() {
    return spreads;
  }

  private static boolean hasHostLimit(TaskConfig config) {
    for (dev.aurora.api.Constraint c : config.constraints()) {
      if (c.isLimit() && "host".equals(c.attribute())) {
        return true;
      }
    }
    return false;
  }

  public int priority() {
    return config.priority();
  }

  /** The group's {@linkplain #size dominant share} of an agent: larger groups go first among those that came together. */
  public double dominantShare() {
    return size;
  }

  /** The group's creation sequence: groups that tie on everything else are placed in this order. */
  public long seq() {
    return seq;
  }

  /** The group's tasks in the order they became pending (a live, unmodifiable view). */
  public java.util.Set<TaskId> tasks() {
    return java.util.Collections.unmodifiableSet(tasks.keySet());
  }

  /** The group's tasks in the order they became pending (a copy). */
  public java.util.List<TaskId> taskIds() {
    return java.util.List.copyOf(tasks.keySet());
  }

  @Override
  public String toString() {
    return job + " x" + tasks.size();
  }
}
