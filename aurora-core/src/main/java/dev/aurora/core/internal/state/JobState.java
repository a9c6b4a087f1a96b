package dev.aurora.core.internal.state;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.IntCounts;
import dev.aurora.core.internal.placement.LimitCounts;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Function;

/**
 * What the scheduler holds for one job: its config, its active tasks (and the newest active task of
 * each instance), and per-attribute counts of its tasks on agents for limit constraints, kept
 * incrementally. Owned by the state loop.
 */
public final class JobState implements LimitCounts {
  private JobConfig config;
  private final LinkedHashSet<TaskId> active;
  private final HashMap<Integer, TaskId> activeByInstance;
  /**
   * Per attribute slot of the pool ({@link AgentPool#attributeSlot}): value id -> count; built on first
   * use of an attribute, then kept current; dropped when the pool's value ids change generation.
   */
  private IntCounts[] counts = NO_COUNTS;
  private int countsGeneration;
  private static final IntCounts[] NO_COUNTS = new IntCounts[0];
  private final AgentPool pool;
  private final Function<TaskId, ScheduledTask> tasks;

  public JobState(JobConfig config, AgentPool pool, Function<TaskId, ScheduledTask> tasks) {
    this.config = config;
    this.pool = pool;
    this.tasks = tasks;
    // sized for the job's instances at once: creating or recovering them rehashes nothing
    int capacity = (int) (Math.max(1, config.instances()) / 0.75f) + 1;
    this.active = new LinkedHashSet<>(capacity);
    this.activeByInstance = new HashMap<>(capacity);
  }

  public JobConfig config() {
    return config;
  }

  private String taskIdPrefix;

  /** "role-environment-name-": how the ids of the job's tasks begin (made once). */
  public String taskIdPrefix() {
    String p = taskIdPrefix;
    if (p == null) {
      var key = config.key();
      p = taskIdPrefix = key.role() + "-" + key.environment() + "-" + key.name() + "-";
    }
    return p;
  }

  public void setConfig(JobConfig config) {
    this.config = config;
  }

  public LinkedHashSet<TaskId> active() {
    return active;
  }

  public Map<Integer, TaskId> activeByInstance() {
    return activeByInstance;
  }

  public void addActive(ScheduledTask t) {
    active.add(t.id());
    activeByInstance.put(t.instance(), t.id());
  }

  public void removeActive(ScheduledTask t) {
    active.remove(t.id());
    activeByInstance.remove(t.instance(), t.id());
  }

  @Override
  public int countOn(String attribute, String value) {
    if (value == null) {
      return 0;
    }
    int slot = pool.attributeSlot(attribute);
    int id = pool.valueId(slot, value, false);
    return id < 0 ? 0 : counts(slot).get(id);
  }

  @Override
  public int countOn(AgentState agent, int slot, int valueId) {
    return counts(slot).get(valueId);
  }

  /** The counts of the attribute at {@code slot}, built if not kept yet. */
  private IntCounts counts(int slot) {
    if (countsGeneration != pool.valueIdGeneration()) {
      counts = NO_COUNTS;
      countsGeneration = pool.valueIdGeneration();
    }
    IntCounts[] all = counts;
    IntCounts c = slot < all.length ? all[slot] : null;
    if (c == null) {
      c = build(slot);
      if (slot >= all.length) {
        all = counts = Arrays.copyOf(all, slot + 1);
      }
      all[slot] = c;
    }
    return c;
  }

  /** A task of the job now holds resources on {@code agent}. */
  public void onAgent(AgentState agent) {
    if (countsGeneration != pool.valueIdGeneration()) {
      counts = NO_COUNTS; // rebuilt on next use, this task included
      return;
    }
    IntCounts[] all = counts;
    for (int slot = 0; slot < all.length; slot++) {
      if (all[slot] != null) {
        all[slot].increment(agent.valueId(slot));
      }
    }
  }

  /** A task of the job left {@code agent} (which may be gone: then the counts are rebuilt). */
  public void offAgent(AgentState agent) {
    if (agent == null || countsGeneration != pool.valueIdGeneration()) {
      counts = NO_COUNTS;
      return;
    }
    IntCounts[] all = counts;
    for (int slot = 0; slot < all.length; slot++) {
      if (all[slot] != null) {
        all[slot].decrement(agent.valueId(slot));
      }
    }
  }

  private IntCounts build(int slot) {
    IntCounts byValue = new IntCounts();
    TaskAccess access = TaskAccess.get();
    for (TaskId id : active) {
      ScheduledTask t = tasks.apply(id);
      if (t == null || !t.status().isOnAgent()) {
        continue;
      }
      AgentState a = pool.agent(access.agentIdOrNull(t));
      int v = a != null ? a.valueId(slot)
          : slot == 0 && t.host().isPresent() ? pool.valueId(0, t.host().get(), true) : -1;
      byValue.increment(v);
    }
    return byValue;
  }
}
