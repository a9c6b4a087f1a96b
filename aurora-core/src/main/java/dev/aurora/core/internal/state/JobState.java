package dev.aurora.core.internal.state;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.placement.LimitCounts;
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
  /** attribute -> value -> count; built on first use of an attribute, then kept current. */
  private final HashMap<String, HashMap<String, int[]>> counts = new HashMap<>(4);
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
    HashMap<String, int[]> byValue = counts.get(attribute);
    if (byValue == null) {
      byValue = build(attribute);
    }
    int[] c = byValue.get(value);
    return c == null ? 0 : c[0];
  }

  /** A task of the job now holds resources on {@code agent}. */
  public void onAgent(AgentState agent) {
    for (Map.Entry<String, HashMap<String, int[]>> e : counts.entrySet()) {
      String v = agent.attribute(e.getKey(), null);
      if (v != null) {
        e.getValue().computeIfAbsent(v, k -> new int[1])[0]++;
      }
    }
  }

  /** A task of the job left {@code agent} (which may be gone: then the counts are rebuilt). */
  public void offAgent(AgentState agent) {
    if (agent == null) {
      counts.clear();
      return;
    }
    for (Map.Entry<String, HashMap<String, int[]>> e : counts.entrySet()) {
      String v = agent.attribute(e.getKey(), null);
      if (v != null) {
        int[] c = e.getValue().get(v);
        if (c != null && --c[0] <= 0) {
          e.getValue().remove(v);
        }
      }
    }
  }

  private HashMap<String, int[]> build(String attribute) {
    HashMap<String, int[]> byValue = new HashMap<>();
    TaskAccess access = TaskAccess.get();
    for (TaskId id : active) {
      ScheduledTask t = tasks.apply(id);
      if (t == null || !t.status().isOnAgent()) {
        continue;
      }
      AgentState a = pool.agent(access.agentIdOrNull(t));
      String v = a != null ? a.attribute(attribute, null)
          : "host".equals(attribute) ? t.host().orElse(null) : null;
      if (v != null) {
        byValue.computeIfAbsent(v, k -> new int[1])[0]++;
      }
    }
    counts.put(attribute, byValue);
    return byValue;
  }
}
