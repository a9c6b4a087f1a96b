package dev.aurora.core.internal.lifecycle;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.Settings;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.PlacementEngine;
import dev.aurora.core.internal.state.EndedTasks;
import dev.aurora.core.internal.state.JobState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.state.TaskAccess;
import dev.aurora.core.internal.state.TaskStateMachine;
import dev.aurora.core.internal.state.TaskStateMachine.SideEffect;
import dev.aurora.core.internal.tx.Transactions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a task's life is decided: its creation, every move through the transition table and all that
 * follows (storage, indexes, events, the kill sent to the backend, the release of its agent's
 * resources, its replacement or the end of its job), flapping penalties, and the pruning of ended tasks.
 */
public final class TaskLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(TaskLifecycle.class);
  private static final TaskAccess ACCESS = TaskAccess.get();

  /** Why a task moves, where it changes what follows its end. */
  public enum Cause {
    /** A backend report, a timer or a kill of a task on an agent: the state it leaves decides. */
    ORDINARY,
    /** A kill for good of a task not yet on an agent: it ends at once and is not replaced. */
    KILLED_BEFORE_LAUNCH,
    /** A restart, drain or preemption of a task not yet on an agent: replaced at once, with no penalty. */
    REPLACED_BEFORE_LAUNCH,
    /**
     * The first KILLED a backend reports for a task after a start, the task not being killed: it was
     * stopped while no scheduler ran (a stop, not a crash), so it is replaced at once, never as flapping.
     */
    STOPPED_WHILE_DOWN
  }

  private final SchedulerState state;
  private final AgentPool pool;
  private final Transactions tx;
  private final SchedulerMetrics metrics;
  private final Settings settings;
  private final Random random;
  private final ClusterBackend backend;
  private final PlacementEngine engine;
  private final PlacementCoordinator placement;
  private final Map<TaskId, StateLoop.Timer> throttleTimers = new HashMap<>();
  /** The partition policy's wait of each PARTITIONED task whose job replaces it. */
  private final Map<TaskId, StateLoop.Timer> partitionTimers = new HashMap<>();

  public TaskLifecycle(SchedulerState state, Transactions tx, SchedulerMetrics metrics, Settings settings,
      Random random, ClusterBackend backend, PlacementEngine engine, PlacementCoordinator placement) {
    this.state = state;
    this.pool = state.pool();
    this.tx = tx;
    this.metrics = metrics;
    this.settings = settings;
    this.random = random;
    this.backend = backend;
    this.engine = engine;
    this.placement = placement;
  }

  /** Whether a task in {@code s} is being killed on its agent. */
  public static boolean isKillInFlight(ScheduleStatus s) {
    return TaskStateMachine.isKillInFlight(s);
  }

  private TaskId newTaskId(JobState job, int instance) {
    // "role-environment-name-" is built once per job; the JDK's string concatenation sizes the id's bytes
    // exactly and makes the string from them, with no builder and no second copy (a task id is ~40% of
    // what creating a task allocated with a StringBuilder)
    return TaskId.of(job.taskIdPrefix() + instance + '-' + Long.toHexString(random.nextLong() & Long.MAX_VALUE));
  }

  /** Creates a new PENDING task for an instance of {@code job} running {@code config}. */
  public ScheduledTask createTask(JobState job, int instance, TaskConfig config) {
    return createTask(job, instance, config, 0, 0, 0);
  }

  /**
   * Creates the PENDING tasks of instances {@code from} to {@code from + count - 1} of {@code job}, running
   * {@code config}, one after another: the same tasks, stored ops, events, group joins and listener calls
   * as {@link #createTask(JobState, int, TaskConfig)} of each instance in turn, with what is the same for
   * all of them worked out once (the time, the job's key and id prefix, the tasks' events, which they
   * share, the move's effects, the counts, the pass request). A new job's tasks take this path in a fresh
   * JVM before the JIT has compiled it, so it is a plain loop doing only what differs per task.
   */
  public void createTasks(JobState job, int from, int count, TaskConfig config) {
    if (count <= 0) {
      return;
    }
    long now = tx.now();
    JobKey key = job.config().key();
    long[] events = ACCESS.createdEvents(now, ScheduleStatus.PENDING); // immutable: shared by the job's new tasks
    boolean heard = tx.eventsHeard();
    TaskIds ids = new TaskIds(job.taskIdPrefix());
    dev.aurora.core.internal.placement.TaskGroup group = null; // the group the job's new tasks join, looked up once
    for (int i = from, end = from + count; i < end; i++) {
      ScheduledTask t = ACCESS.createMoved(ids.next(i, random.nextLong() & Long.MAX_VALUE), key, i, config, events);
      // as createTask then moved(null, INIT, t, ...) for INIT -> PENDING, whose only effect is joining the group
      job.addActive(t);
      state.tasks().put(t.id(), t);
      tx.storeCreated(t, now);
      if (heard) {
        tx.emit(new SchedulerEvent.TaskStateChanged(tx.instant(), t, ScheduleStatus.INIT));
      }
      group = placement.addToGroup(t, group);
      state.notifyTransition(null, t);
    }
    metrics.created(ScheduleStatus.PENDING, count);
    placement.requestPass();
  }

  /**
   * The ids of one job's new tasks, {@code prefix + instance + '-' + hex}, the same text as {@link
   * #newTaskId}: written into one buffer and made a string with one copy, with no string for the hex
   * part nor a builder.
   */
  private static final class TaskIds {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    private final String prefix;
    private final byte[] buf;
    private final int prefixLength;

    TaskIds(String prefix) {
      this.prefix = prefix;
      boolean ascii = true;
      for (int i = 0; i < prefix.length(); i++) {
        ascii &= prefix.charAt(i) < 0x80;
      }
      // prefix, up to 10 digits of the instance, '-', up to 16 hex digits
      this.buf = ascii ? java.util.Arrays.copyOf(prefix.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
          prefix.length() + 27) : null;
      this.prefixLength = prefix.length();
    }

    TaskId next(int instance, long random) {
      byte[] b = buf;
      if (b == null || instance < 0) {
        return TaskId.of(prefix + instance + '-' + Long.toHexString(random));
      }
      int n = prefixLength;
      int digits = 1;
      for (int v = instance; v >= 10; v /= 10) {
        digits++;
      }
      for (int v = instance, at = n + digits - 1; at >= n; at--, v /= 10) {
        b[at] = (byte) ('0' + v % 10);
      }
      n += digits;
      b[n++] = '-';
      int hexDigits = Math.max(1, 16 - Long.numberOfLeadingZeros(random) / 4);
      for (int at = n + hexDigits - 1; at >= n; at--, random >>>= 4) {
        b[at] = HEX[(int) (random & 15)];
      }
      n += hexDigits;
      return TaskId.of(new String(b, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
  }

  /** Creates a task for an instance: PENDING, or THROTTLED for {@code penaltyMillis}. */
  private ScheduledTask createTask(JobState job, int instance, TaskConfig config, int failures, int flaps,
      long penaltyMillis) {
    if (penaltyMillis <= 0) {
      // the usual case: made PENDING at once, with no INIT copy of the task (INIT to PENDING is always legal)
      long now = tx.now();
      ScheduledTask next = ACCESS.createMoved(newTaskId(job, instance), job.config().key(), instance, config, now,
          failures, flaps, ScheduleStatus.PENDING);
      metrics.moved(null, ScheduleStatus.INIT);
      job.addActive(next);
      return moved(null, ScheduleStatus.INIT, next, now, "", Cause.ORDINARY);
    }
    ScheduledTask t = ACCESS.create(newTaskId(job, instance), job.config().key(), instance,
        config, tx.now(), failures, flaps);
    // not put in the task map in INIT: its first move (to PENDING or THROTTLED, always legal) puts it there
    metrics.moved(null, ScheduleStatus.INIT);
    job.addActive(t);
    if (penaltyMillis > 0 && isCrashLoop(config, flaps)) {
      transition(t, ScheduleStatus.THROTTLED, "crash loop: flapped " + flaps
          + " times in a row; held until an operator clears it (clearCrashLoop)");
      return state.task(t.id());
    } else if (penaltyMillis > 0) {
      t = transition(t, ScheduleStatus.THROTTLED, "flapping: held back " + Duration.ofMillis(penaltyMillis).toSeconds() + "s");
      scheduleThrottle(t.id(), penaltyMillis);
    } else {
      t = transition(t, ScheduleStatus.PENDING, "");
    }
    return t;
  }

  /** For a THROTTLED task found at recovery: PENDING again once what is left of its penalty has passed. */
  public void resumeThrottle(ScheduledTask t) {
    if (isCrashLoop(t.config(), t.flapCount())) {
      return; // held until an operator clears it
    }
    long due = ACCESS.statusTimeMillis(t) + penaltyMillis(t.config(), t.flapCount());
    scheduleThrottle(t.id(), Math.max(0, due - tx.now()));
  }

  private void scheduleThrottle(TaskId id, long delayMillis) {
    throttleTimers.put(id, tx.schedule(Duration.ofMillis(delayMillis), () -> {
      throttleTimers.remove(id);
      ScheduledTask t = state.task(id);
      if (t != null && t.status() == ScheduleStatus.THROTTLED) {
        transition(t, ScheduleStatus.PENDING, "flapping penalty served");
      }
    }));
  }

  /** For a PARTITIONED task found at recovery: its policy's wait goes on from when it was partitioned. */
  public void resumePartitionWait(ScheduledTask t) {
    startPartitionWait(t, Math.max(0, ACCESS.statusTimeMillis(t) + t.config().partitionPolicy().delay().toMillis()
        - tx.now()));
  }

  /**
   * Starts the wait of a partitioned task's policy: if its job replaces partitioned tasks, the task
   * becomes LOST (and is replaced) once it has been PARTITIONED for {@code delayMillis}.
   */
  private void startPartitionWait(ScheduledTask t, long delayMillis) {
    var policy = t.config().partitionPolicy();
    if (!policy.reschedule()) {
      return;
    }
    TaskId id = t.id();
    partitionTimers.put(id, tx.schedule(Duration.ofMillis(delayMillis), () -> {
      partitionTimers.remove(id);
      ScheduledTask now = state.task(id);
      if (now != null && now.status() == ScheduleStatus.PARTITIONED) {
        transition(now, ScheduleStatus.LOST, "unreachable for longer than the partition policy's "
            + policy.delay().toSeconds() + "s");
      }
    }));
  }

  /** Whether a task of {@code config} that flapped {@code flaps} times in a row is in a crash loop. */
  public static boolean isCrashLoop(TaskConfig config, int flaps) {
    return config.restartPolicy().map(p -> p.isCrashLoop(flaps)).orElse(false);
  }

  /** The hold after {@code flaps} flaps in a row: the job's own back-off, else the scheduler's penalty. */
  private long penaltyMillis(TaskConfig config, int flaps) {
    if (flaps <= 0) {
      return 0;
    }
    if (config.restartPolicy().isPresent()) {
      return Math.max(1, config.restartPolicy().get().delayAfter(flaps).toMillis());
    }
    long initial = settings.flappingInitialPenalty().toMillis();
    long max = settings.flappingMaxPenalty().toMillis();
    long p = initial;
    for (int i = 1; i < flaps && p < max; i++) {
      p *= 2;
    }
    return Math.min(p, max);
  }

  /** {@link #transition(ScheduledTask, ScheduleStatus, String, Cause)} for an ordinary move. */
  public ScheduledTask transition(ScheduledTask t, ScheduleStatus to, String message) {
    return transition(t, to, message, Cause.ORDINARY);
  }

  /**
   * Moves a task to {@code to} if the table allows, with every consequence: storage, indexes,
   * events, and the side effects the table returns for the move (group, kill, release, what follows
   * the end), carried out here; {@code cause} says what the end of a task killed before launch means. Returns the new snapshot, or the old
   * one if the move is illegal (counted, not applied).
   */
  public ScheduledTask transition(ScheduledTask t, ScheduleStatus to, String message, Cause cause) {
    ScheduleStatus from = t.status();
    if (!TaskStateMachine.isLegal(from, to)) {
      metrics.illegalTransition(from, to);
      LOG.debug("illegal transition {} {} -> {} ignored", t.id(), from, to);
      return t;
    }
    long now = tx.now();
    return moved(t, from, ACCESS.withStatus(t, to, now, message), now, message, cause);
  }

  /**
   * All that follows a move from {@code from} to {@code next}'s status; {@code before} is the task as it
   * was, or null for a task just created (from INIT, which no listener nor group has seen).
   */
  private ScheduledTask moved(ScheduledTask before, ScheduleStatus from, ScheduledTask next, long now, String message,
      Cause cause) {
    ScheduleStatus to = next.status();
    state.tasks().put(next.id(), next);
    if (from == ScheduleStatus.ASSIGNED) {
      placement.leftAssigned(); // a launch of this transaction may be for it: checked before it goes out
    }
    // a new task (INIT) is not stored yet: its first move stores it (fresh ones with the others of their job and
    // config created with them, naming the config once); later moves store the event alone
    if (from != ScheduleStatus.INIT) {
      tx.store(new Op.SaveTaskStatus(next.id(), to, now, message));
    } else if (message.isEmpty() && next.failureCount() == 0 && next.flapCount() == 0) {
      tx.storeCreated(next, now);
    } else {
      tx.store(new Op.SaveTask(next));
    }
    metrics.moved(from, to);
    if (tx.eventsHeard()) { // no event (nor Instant) made for no one
      tx.emit(new SchedulerEvent.TaskStateChanged(tx.instant(), next, from));
    }

    Set<SideEffect> effects = TaskStateMachine.sideEffects(from, to);
    if (effects.contains(SideEffect.LEAVE_GROUP)) {
      placement.removeFromGroup(before);
    }
    if (effects.contains(SideEffect.JOIN_GROUP)) {
      placement.addToGroup(next);
      placement.requestPass();
    }
    if (effects.contains(SideEffect.KILL)) {
      sendKill(next.id());
    }
    if (effects.contains(SideEffect.CANCEL_THROTTLE)) {
      StateLoop.Timer timer = throttleTimers.remove(next.id());
      if (timer != null) {
        timer.cancel();
      }
    }
    if (effects.contains(SideEffect.END_PARTITION_WAIT)) {
      StateLoop.Timer timer = partitionTimers.remove(next.id());
      if (timer != null) {
        timer.cancel();
      }
    }
    if (effects.contains(SideEffect.START_PARTITION_WAIT)) {
      startPartitionWait(next, next.config().partitionPolicy().delay().toMillis());
    }
    if (effects.contains(SideEffect.RELEASE)) {
      release(next);
    }
    if (effects.contains(SideEffect.END)) {
      ended(next, from, cause);
    }
    // listeners see the state after the move and all it caused (release, replacement)
    state.notifyTransition(before, next);
    return next;
  }

  /** Asks the backend to kill a task once the transaction is stored. */
  public void sendKill(TaskId id) {
    tx.afterCommit(() -> backend.kill(id));
  }

  /** Sends again the kills in flight before a restart: the backend may not have got them. */
  public void resendKills() {
    for (ScheduledTask t : state.tasks().values()) {
      if (isKillInFlight(t.status())) {
        sendKill(t.id());
      }
    }
  }

  /**
   * Kills a task: not yet on an agent, or placed by a pass of this transaction whose launch is not
   * handed to the backend yet (it never will be), it ends at once (and, unless {@code how} is KILLING,
   * is replaced at once, with no flapping penalty); on an agent it goes to {@code how}.
   */
  public void killTask(ScheduledTask t, ScheduleStatus how, String message) {
    if (t.status().isTerminal()) {
      return;
    }
    if (!t.status().isOnAgent()
        || t.status() == ScheduleStatus.ASSIGNED && placement.launchWaiting(t.id())) {
      transition(t, ScheduleStatus.KILLED, message,
          how == ScheduleStatus.KILLING ? Cause.KILLED_BEFORE_LAUNCH : Cause.REPLACED_BEFORE_LAUNCH);
    } else if (t.status() != how && (how == ScheduleStatus.KILLING || !isKillInFlight(t.status()))) {
      transition(t, how, message);
    }
  }

  /** Records a health check result of a RUNNING task (stored, published, seen by the controllers). */
  public ScheduledTask recordHealth(ScheduledTask t, boolean healthy) {
    ScheduledTask checked = ACCESS.withHealth(t, healthy);
    state.tasks().put(checked.id(), checked);
    if (checked.status() == ScheduleStatus.PENDING) {
      placement.replaceInGroup(checked); // its group places the copy it holds
    }
    tx.store(new Op.SaveTask(checked));
    tx.emit(new SchedulerEvent.TaskHealthChanged(tx.instant(), checked, healthy));
    state.notifyTransition(dev.aurora.core.internal.Mutations.on("health-change-unseen") ? checked : t, checked);
    return checked;
  }

  /**
   * Keeps the processes' latest records with the task (stored; the task's state and history are not
   * changed). Returns the task as it is now.
   */
  public ScheduledTask recordProcesses(ScheduledTask t, java.util.List<dev.aurora.core.ProcessRecord> reports) {
    ScheduledTask recorded = ACCESS.withProcesses(t, reports);
    if (recorded != t) {
      state.tasks().put(recorded.id(), recorded);
      if (recorded.status() == ScheduleStatus.PENDING) {
        placement.replaceInGroup(recorded); // its group places the copy it holds
      }
      tx.store(new Op.SaveTask(recorded));
      state.notifyTransition(t, recorded);
    }
    return recorded;
  }

  /** Takes a task's resources off the agent it ran on. */
  private void release(ScheduledTask t) {
    String agentId = ACCESS.agentIdOrNull(t);
    Resources r = t.config().resources();
    pool.release(agentId, Math.round(r.cpus() * 1000), r.ramMb());
    engine.released(t.job());
    JobState job = state.job(t.job());
    // a task of a job killed since and created again under its key is not the new job's: the new job's
    // limit counts never counted it, so they do not drop when it ends
    if (job != null && job.active().contains(t.id())) {
      job.offAgent(pool.agent(agentId));
    }
  }

  /** What follows the end of a task: replacement, or the end of its instance or job. */
  private void ended(ScheduledTask t, ScheduleStatus from, Cause cause) {
    state.addToHistory(t);
    JobState job = state.job(t.job());
    if (job == null) {
      return;
    }
    job.removeActive(t);
    Replacement replacement = replacementOf(t, from, cause);
    if (replacement != null && !job.activeByInstance().containsKey(t.instance())) {
      createTask(job, t.instance(), configFor(job, t), replacement.failures(), replacement.flaps(),
          replacement.penaltyMillis());
      return;
    }
    // (a task ended at once by a kill while its job is removed does not finish the job: killJob ends it)
    JobConfig config = job.config();
    boolean killedBeforeLaunch = cause == Cause.KILLED_BEFORE_LAUNCH || cause == Cause.REPLACED_BEFORE_LAUNCH;
    if (job.active().isEmpty() && !config.isService() && !config.isCron() && !killedBeforeLaunch) {
      finishJob(job);
    }
  }

  /** The replacement of an ended task: its failure and flap counts and its penalty. */
  private record Replacement(int failures, int flaps, long penaltyMillis) {}

  /** Whether an ended task is replaced, and how; null if it is not. */
  private Replacement replacementOf(ScheduledTask t, ScheduleStatus from, Cause cause) {
    ScheduleStatus end = t.status();
    int failures = t.failureCount();
    if (cause == Cause.KILLED_BEFORE_LAUNCH || cause == Cause.REPLACED_BEFORE_LAUNCH) {
      return cause == Cause.REPLACED_BEFORE_LAUNCH ? new Replacement(failures, 0, 0) : null;
    }
    if (from == ScheduleStatus.KILLING) {
      return null;
    }
    if (from == ScheduleStatus.RESTARTING || from == ScheduleStatus.DRAINING || from == ScheduleStatus.PREEMPTING
        || end == ScheduleStatus.LOST) {
      return new Replacement(failures, 0, 0);
    }
    if (t.config().service()) {
      int flaps = flapped(t) && cause != Cause.STOPPED_WHILE_DOWN ? t.flapCount() + 1 : 0;
      return new Replacement(end == ScheduleStatus.FAILED ? failures + 1 : failures, flaps,
          penaltyMillis(t.config(), flaps));
    }
    if (end != ScheduleStatus.FAILED) {
      return null; // FINISHED, or KILLED from outside, of a one-off task
    }
    failures++;
    int max = t.config().maxTaskFailures();
    if (max != -1 && failures >= max) {
      return null;
    }
    int flaps = flapped(t) ? t.flapCount() + 1 : 0;
    return new Replacement(failures, flaps, penaltyMillis(t.config(), flaps));
  }

  /** Whether an ended task ran (was RUNNING) for less than the flapping threshold, or never ran. */
  private boolean flapped(ScheduledTask t) {
    long ranSince = ACCESS.timeOfMillis(t, ScheduleStatus.RUNNING);
    long ran = ranSince < 0 ? 0 : tx.now() - ranSince;
    return ran < settings.flappingThreshold().toMillis();
  }

  /**
   * The config a replacement of {@code ended} runs: a controller's choice (an update moving the
   * instance), else the config the ended task ran: an instance keeps its config, as Aurora keeps
   * per-instance configs, so one left on another config than the job's by an aborted or failed update
   * does not drift.
   */
  private TaskConfig configFor(JobState job, ScheduledTask ended) {
    for (CoreListener l : state.listeners()) {
      TaskConfig c = l.replacementConfig(job, ended.instance());
      if (c != null) {
        return c;
      }
    }
    return ended.config();
  }

  /** A one-off job whose every instance ended for good: report which finished and which failed. */
  public void finishJob(JobState job) {
    JobKey key = job.config().key();
    Map<Integer, ScheduledTask> last = new TreeMap<>();
    for (TaskId id : state.history(key)) {
      ScheduledTask t = state.task(id);
      if (t != null) {
        keepLatest(last, t);
      }
    }
    List<Integer> finished = new ArrayList<>();
    List<Integer> failed = new ArrayList<>();
    last.forEach((i, t) -> (t.status() == ScheduleStatus.FINISHED ? finished : failed).add(i));
    state.jobs().remove(key);
    tx.store(new Op.RemoveJob(key));
    tx.emit(new SchedulerEvent.JobFinished(tx.instant(), key, finished, failed));
    state.listeners().forEach(l -> l.jobRemoved(key));
  }

  /** Keeps in {@code last} the task of each instance whose status changed last. */
  private static void keepLatest(Map<Integer, ScheduledTask> last, ScheduledTask t) {
    last.merge(t.instance(), t, (a, b) -> ACCESS.statusTimeMillis(b) >= ACCESS.statusTimeMillis(a) ? b : a);
  }

  // --- pruning of ended tasks ---

  /** Prunes ended tasks now and then, every {@code pruneInterval}. */
  public void schedulePruning() {
    tx.schedule(settings.pruneInterval(), () -> {
      prune();
      schedulePruning();
    });
  }

  private void prune() {
    long cutoff = tx.now() - settings.historyMaxAge().toMillis();
    int perJob = settings.historyPerJob();
    List<TaskId> removed = new ArrayList<>();
    for (var it = state.history().entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<JobKey, EndedTasks> entry = it.next();
      EndedTasks ended = entry.getValue();
      pruneJob(entry.getKey(), ended, perJob, cutoff, removed);
      if (ended.isEmpty()) {
        it.remove();
      }
    }
    if (!removed.isEmpty()) {
      tx.store(new Op.RemoveTasks(removed));
    }
  }

  /**
   * Prunes one job's ended tasks beyond {@code perJob} or older than {@code cutoff}, oldest first. What
   * to drop is decided from the job's list of ended tasks and their end times: only the tasks removed
   * are looked up (a job with nothing to prune costs no lookup at all).
   */
  private void pruneJob(JobKey key, EndedTasks ended, int perJob, long cutoff, List<TaskId> removed) {
    int n = ended.prunable(perJob, cutoff);
    if (n == 0) {
      return;
    }
    Set<TaskId> outcomes = outcomesOfRunningOneOffJob(key, ended);
    List<TaskId> keptIds = new ArrayList<>(0);
    List<Long> keptEnds = new ArrayList<>(0);
    for (int k = 0; k < n; k++) {
      long end = ended.firstEndMillis();
      TaskId id = ended.pollFirst();
      if (outcomes.contains(id)) {
        keptIds.add(id);
        keptEnds.add(end);
        continue;
      }
      ScheduledTask gone = state.tasks().remove(id);
      if (gone != null) {
        metrics.moved(gone.status(), null);
        removed.add(id);
      }
    }
    for (int k = keptIds.size() - 1; k >= 0; k--) {
      ended.addFirst(keptIds.get(k), keptEnds.get(k));
    }
  }

  /**
   * For a one-off job that still runs: the last ended task of each instance that has no active task,
   * which its {@code JobFinished} reports, so pruning keeps them whatever their number or age. Empty
   * for any other job (then no task is looked up).
   */
  private Set<TaskId> outcomesOfRunningOneOffJob(JobKey key, EndedTasks ended) {
    JobState job = state.job(key);
    if (job == null || job.config().isService() || job.config().isCron()) {
      return Set.of();
    }
    Map<Integer, ScheduledTask> last = new HashMap<>();
    for (TaskId id : ended) {
      ScheduledTask t = state.task(id);
      if (t != null && !job.activeByInstance().containsKey(t.instance())) {
        keepLatest(last, t);
      }
    }
    Set<TaskId> out = new HashSet<>();
    last.values().forEach(t -> out.add(t.id()));
    return out;
  }
}
