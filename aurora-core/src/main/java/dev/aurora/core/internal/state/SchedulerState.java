package dev.aurora.core.internal.state;

import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state the state loop owns: jobs, tasks (active and ended), each job's ended tasks in the order
 * they ended, the agents, and the feature controllers that hook into changes. Only the loop reads or
 * changes it.
 *
 * <p>A seeded run must act in the same order in every JVM, and some hash codes differ from JVM to JVM
 * (those of enum constants, so of every TaskConfig). Maps iterated for what the scheduler does keep
 * insertion order; {@code tasks} (a million entries: no LinkedHashMap) is keyed by TaskId, whose hash
 * is that of its text, and where the order of its tasks matters they are sorted.
 */
public final class SchedulerState {
  private final Map<JobKey, JobState> jobs = new LinkedHashMap<>();
  /** Replaced once, by a presized map, when recovery finds it empty. */
  private Map<TaskId, ScheduledTask> tasks = new HashMap<>();
  private final Map<JobKey, EndedTasks> history = new LinkedHashMap<>();
  private final AgentPool pool;
  private final List<CoreListener> listeners = new ArrayList<>();

  public SchedulerState(AgentPool pool) {
    this.pool = pool;
  }

  /** Jobs by key, in creation (or recovery) order. */
  public Map<JobKey, JobState> jobs() {
    return jobs;
  }

  /** The job, or null. */
  public JobState job(JobKey key) {
    return jobs.get(key);
  }

  /** Every task held, active or ended, by id. */
  public Map<TaskId, ScheduledTask> tasks() {
    return tasks;
  }

  /** The task, or null. */
  public ScheduledTask task(TaskId id) {
    return tasks.get(id);
  }

  /** Presizes the (empty) task map for {@code expected} tasks, sparing recovery its rehashes. */
  public void presizeTasks(int expected) {
    if (tasks.isEmpty()) {
      tasks = new HashMap<>((int) (expected / 0.75f) + 1);
      taskMapRoom = Math.max(taskMapRoom, expected);
    }
  }

  /** How many entries the task map holds before it rehashes. */
  private int taskMapRoom = 12;

  /**
   * Makes room in the task map for {@code more} tasks about to be created, so creating a large job (or
   * a batch of jobs) rehashes the map once rather than at every doubling on the way. A few tasks (under
   * 1,024) are left to the map's own growth: the room known here may be less than the map has grown to
   * by itself, and copying a large map for a few tasks would cost more than it saves.
   */
  public void reserveTasks(int more) {
    long wanted = (long) tasks.size() + more;
    if (more >= 1024 && wanted > taskMapRoom && wanted < Integer.MAX_VALUE / 2) {
      int capacity = Integer.highestOneBit((int) (wanted / 0.75f) + 1) << 1;
      HashMap<TaskId, ScheduledTask> bigger = new HashMap<>(capacity);
      bigger.putAll(tasks);
      tasks = bigger;
      taskMapRoom = (int) (capacity * 0.75f);
    }
  }

  /** Each job's ended tasks, oldest first, with the time each ended. */
  public Map<JobKey, EndedTasks> history() {
    return history;
  }

  /** The job's ended tasks, oldest first (empty if none): to read, not to change. */
  public EndedTasks history(JobKey job) {
    return history.getOrDefault(job, EndedTasks.NONE);
  }

  /** Records that {@code task} ended (its status time is when). */
  public void addToHistory(ScheduledTask task) {
    history.computeIfAbsent(task.job(), k -> new EndedTasks()).add(task.id(), TaskAccess.get().statusTimeMillis(task));
  }

  /** The agents and their offers. */
  public AgentPool pool() {
    return pool;
  }

  /** The feature controllers, in the order they were added. */
  public List<CoreListener> listeners() {
    return listeners;
  }

  /** Tells every listener that a task moved from {@code before} to {@code after}. */
  public void notifyTransition(ScheduledTask before, ScheduledTask after) {
    CoreListener[] hearing = transitionListeners;
    if (hearing == null || transitionListenersOf != listeners.size()) {
      hearing = transitionListeners();
    }
    for (CoreListener l : hearing) {
      l.onTransition(before, after);
    }
  }

  /**
   * The listeners that override {@link CoreListener#onTransition} (most do not: a task's every move would
   * call each of them for nothing), in the order of {@link #listeners}; made again when listeners were
   * added since (they are added as the scheduler is built, never removed).
   */
  private CoreListener[] transitionListeners;
  private int transitionListenersOf = -1;

  private CoreListener[] transitionListeners() {
    List<CoreListener> hearing = new ArrayList<>();
    for (CoreListener l : listeners) {
      if (overridesOnTransition(l.getClass())) {
        hearing.add(l);
      }
    }
    transitionListeners = hearing.toArray(new CoreListener[0]);
    transitionListenersOf = listeners.size();
    return transitionListeners;
  }

  private static boolean overridesOnTransition(Class<?> c) {
    try {
      return c.getMethod("onTransition", ScheduledTask.class, ScheduledTask.class).getDeclaringClass()
          != CoreListener.class;
    } catch (NoSuchMethodException e) {
      return true; // cannot tell: told of every move
    }
  }

  /**
   * The ops that rebuild this state: agents, maintenance, jobs, tasks, and each listener's own. The
   * tasks' ops are made as the list is read ({@link SnapshotOps}): what is taken on the loop is the
   * array of the tasks as they are now.
   */
  public List<Op> snapshot() {
    List<Op> head = new ArrayList<>(jobs.size() + 16);
    for (AgentState a : pool.agents()) {
      if (a.hostname() != null) {
        head.add(new Op.SaveAgent(a.id(), a.hostname(), a.attributes()));
      }
    }
    pool.maintenance().forEach((host, mode) -> head.add(new Op.SaveHostMaintenance(host, mode)));
    for (JobState j : jobs.values()) {
      head.add(new Op.SaveJob(j.config()));
    }
    ScheduledTask[] all = tasks.values().toArray(new ScheduledTask[0]);
    List<Op> tail = new ArrayList<>();
    listeners.forEach(l -> l.snapshot(tail));
    return new SnapshotOps(head.toArray(new Op[0]), all, tail.toArray(new Op[0]));
  }
}
