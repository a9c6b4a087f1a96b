package dev.aurora.core.internal.recovery;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Storage;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.lifecycle.TaskLifecycle;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.state.TaskAccess;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the scheduler's state at start from what storage holds: replays the last snapshot and the
 * log after it (ops the core does not interpret go to the feature controllers), then derives what is
 * not stored: active sets, history, pending groups, agent usage, throttle timers and metrics. Storage
 * itself only appends and reads back; replay lives here.
 */
public final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private static final TaskAccess ACCESS = TaskAccess.get();

  private final Storage storage;
  private final SchedulerState state;
  private final AgentPool pool;
  private final SchedulerMetrics metrics;
  private final TaskLifecycle lifecycle;
  private final PlacementCoordinator placement;

  public Recovery(Storage storage, SchedulerState state, SchedulerMetrics metrics, TaskLifecycle lifecycle,
      PlacementCoordinator placement) {
    this.storage = storage;
    this.state = state;
    this.pool = state.pool();
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.placement = placement;
  }

  /** Recovers the stored state; returns the tasks it found on an agent, for the backend to reconcile. */
  public Set<TaskId> recover() {
    Storage.Stored stored = storage.recover();
    // most recovered ops save a task: a map of the right size at once spares a million tasks its rehashes
    int expected = stored.snapshot().size();
    for (Op op : stored.log()) {
      expected += op instanceof Op.CreateTasks c ? c.size() : 1;
    }
    state.presizeTasks(expected);
    Map<JobKey, JobConfig> configs = new TreeMap<>();
    for (List<Op> ops : List.of(stored.snapshot(), stored.log())) {
      for (Op op : ops) {
        replay(op, configs);
      }
    }
    configs.values().forEach(c -> state.jobs().put(c.key(), new JobState(c, pool, state::task)));
    Set<TaskId> onAgent = derive();
    state.listeners().forEach(CoreListener::recovered);
    return onAgent;
  }

  private void replay(Op op, Map<JobKey, JobConfig> configs) {
    Map<TaskId, ScheduledTask> tasks = state.tasks();
    if (op instanceof Op.SaveJob s) {
      configs.put(s.job().key(), s.job());
    } else if (op instanceof Op.RemoveJob r) {
      configs.remove(r.key());
    } else if (op instanceof Op.SaveTask s) {
      tasks.put(s.task().id(), s.task());
    } else if (op instanceof Op.CreateTasks c) {
      // the job's config stored with it is an equal but other object: its tasks share the job's where they can
      JobConfig job = configs.get(c.job());
      TaskConfig config = job != null && job.task().equals(c.config()) ? job.task() : c.config();
      int[] instances = c.instances();
      List<TaskId> ids = c.ids();
      long time = c.timeMillis();
      for (int i = 0; i < instances.length; i++) {
        ScheduledTask t = ACCESS.create(ids.get(i), c.job(), instances[i], config, time, 0, 0);
        tasks.put(t.id(), ACCESS.withStatus(t, c.status(), time, ""));
      }
    } else if (op instanceof Op.SaveTaskStatus s) {
      ScheduledTask t = tasks.get(s.id());
      if (t == null) {
        LOG.warn("a stored state change of task {} to {} follows no stored task: ignored", s.id(), s.status());
      } else {
        tasks.put(s.id(), ACCESS.withStatus(t, s.status(), s.timeMillis(), s.message()));
      }
    } else if (op instanceof Op.AssignTask a) {
      ScheduledTask t = tasks.get(a.id());
      if (t == null) {
        LOG.warn("a stored placement of task {} on {} follows no stored task: ignored", a.id(), a.host());
      } else {
        tasks.put(a.id(), ACCESS.assigned(t, a.agentId(), a.host(), toArray(a.ports()), a.timeMillis()));
      }
    } else if (op instanceof Op.RemoveTasks r) {
      r.ids().forEach(tasks::remove);
    } else if (op instanceof Op.SaveHostMaintenance m) {
      pool.setMaintenance(m.host(), m.mode());
    } else if (op instanceof Op.SaveAgent a) {
      pool.restoreAgent(a.agentId(), a.hostname(), a.attributes());
    } else {
      boolean taken = false;
      for (CoreListener l : state.listeners()) {
        taken |= l.replay(op);
      }
      if (!taken) {
        LOG.warn("no one recovers op {}", op.getClass().getSimpleName());
      }
    }
  }

  private static int[] toArray(List<Integer> ports) {
    int[] p = new int[ports.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = ports.get(i);
    }
    return p;
  }

  /**
   * Derived state: active sets, history, groups, agent usage, throttle timers, metrics. Returns the
   * tasks on an agent.
   */
  private Set<TaskId> derive() {
    metrics.resetStates();
    // ties keep the task map's order: a function of the task ids alone (String hashes), so the same in
    // every JVM; a second key here would cost recovery of a million tasks dearly
    ScheduledTask[] ordered = state.tasks().values().toArray(new ScheduledTask[0]);
    Arrays.sort(ordered, Comparator.comparingLong(t -> ACCESS.statusTimeMillis(t)));
    // Each active task's job, found once. The active sets are filled first and job by job (each job's
    // tasks in the order above): filled in the order above, a million tasks would visit ten thousand
    // jobs' sets at random, a cache miss or more each; job by job, each job's set stays in cache.
    JobState[] jobOf = new JobState[ordered.length];
    IdentityHashMap<JobState, int[]> counts = new IdentityHashMap<>();
    JobKey lastKey = null;
    JobState lastJob = null;
    int onAgentCount = 0;
    for (int i = 0; i < ordered.length; i++) {
      ScheduledTask t = ordered[i];
      ScheduleStatus s = t.status();
      if (s.isOnAgent()) {
        onAgentCount++;
      }
      if (s.isTerminal()) {
        continue;
      }
      // tasks of a job tend to follow one another in time, and share their key: look the job up once
      JobState job = t.job() == lastKey ? lastJob : state.job(t.job());
      lastKey = t.job();
      lastJob = job;
      if (job != null) {
        jobOf[i] = job;
        counts.computeIfAbsent(job, j -> new int[1])[0]++;
      }
    }
    addActiveByJob(ordered, jobOf, counts);
    Set<TaskId> onAgent = new HashSet<>((int) (onAgentCount / 0.75f) + 1);
    for (int i = 0; i < ordered.length; i++) {
      ScheduledTask t = ordered[i];
      ScheduleStatus s = t.status();
      metrics.moved(null, s);
      if (s.isOnAgent()) {
        onAgent.add(t.id());
      }
      if (s.isTerminal()) {
        state.addToHistory(t);
        continue;
      }
      if (jobOf[i] == null) {
        // An active task of a job that is gone: it was being killed.
        continue;
      }
      if (s.isOnAgent()) {
        AgentState a = pool.agent(ACCESS.agentIdOrNull(t));
        if (a != null) {
          Resources r = t.config().resources();
          pool.hold(a, Math.round(r.cpus() * 1000), r.ramMb());
        }
        if (s == ScheduleStatus.PARTITIONED) {
          lifecycle.resumePartitionWait(t);
        }
      } else if (s == ScheduleStatus.PENDING) {
        placement.addToGroup(t);
      } else if (s == ScheduleStatus.THROTTLED) {
        lifecycle.resumeThrottle(t);
      } else if (s == ScheduleStatus.INIT) {
        lifecycle.transition(t, ScheduleStatus.PENDING, "recovered");
      }
    }
    return onAgent;
  }

  /**
   * Adds each active task to its job's active set, job by job, each job's tasks in their order in
   * {@code ordered}: a counting sort of the task indexes by job, then one run per job.
   */
  private static void addActiveByJob(ScheduledTask[] ordered, JobState[] jobOf, IdentityHashMap<JobState, int[]> counts) {
    // counts become each job's start in byJob, then its next free slot
    int total = 0;
    for (int[] c : counts.values()) {
      int n = c[0];
      c[0] = total;
      total += n;
    }
    int[] byJob = new int[total];
    JobState lastJob = null;
    int[] lastSlot = null;
    for (int i = 0; i < jobOf.length; i++) {
      JobState job = jobOf[i];
      if (job == null) {
        continue;
      }
      int[] slot = job == lastJob ? lastSlot : counts.get(job);
      lastJob = job;
      lastSlot = slot;
      byJob[slot[0]++] = i;
    }
    for (int i : byJob) {
      jobOf[i].addActive(ordered[i]);
    }
  }
}
