package dev.aurora.core.internal.update;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.NoSuchUpdateException;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateDetails.InstanceAction;
import dev.aurora.core.UpdateDetails.InstanceProgress;
import dev.aurora.core.UpdateDetails.InstanceState;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateInProgressException;
import dev.aurora.core.UpdateStatus;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.state.JobState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Runs rolling updates, one per job at most. Each update moves its changing instances batch by batch
 * (fixed or growing batches, waiting for a whole batch or sliding), watches each new task until it
 * has been RUNNING and healthy for the watch time, counts failures per instance and failed instances,
 * and rolls back on its own when too many fail. Its whole state is stored as an op on every change,
 * so a restarted scheduler resumes it.
 */
public final class UpdateController implements CoreListener {
  private static final java.time.format.DateTimeFormatter ID_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(java.time.ZoneOffset.UTC);

  private final Core core;
  // insertion order: recovery resumes active updates in a stated order
  private final Map<JobKey, Update> active = new LinkedHashMap<>();
  private final UpdateHistory history = new UpdateHistory();
  private BiConsumer<JobConfig, JobConfig> admission = (from, to) -> { };
  private long seq;

  public UpdateController(Core core) {
    this.core = core;
  }

  /** Sets a check every new update must pass before it starts (e.g. quota on the peak of old and new). */
  public void admission(BiConsumer<JobConfig, JobConfig> check) {
    this.admission = check;
  }

  // ------------------------------------------------------------------------------ operations

  public UpdateId start(JobKey key, JobConfig to, UpdateSettings settings, Principal by, String message) {
    JobState job = core.job(key);
    if (job == null) {
      throw new NoSuchJobException(key);
    }
    if (!to.key().equals(key)) {
      throw new JobConflictException(key, "the new config is for job " + to.key());
    }
    if (job.config().isCron() || to.isCron()) {
      throw new JobConflictException(key, "a cron job is changed with replaceCronTemplate, not a rolling update");
    }
    Update current = active.get(key);
    if (current != null) {
      throw new UpdateInProgressException(key, current.id);
    }
    JobConfig from = job.config();
    admission.accept(from, to);

    TreeMap<Integer, InstanceProgress> plan = onlyListed(JobInstances.plan(core, job, to), settings,
        Math.max(from.instances(), to.instances()));

    UpdateId id = new UpdateId(key.role() + "-" + key.environment() + "-" + key.name() + "-"
        + ID_TIME.format(core.instant()) + "-" + (++seq));
    UpdateStatus initial = settings.pulseInterval().isPresent() ? UpdateStatus.ROLL_FORWARD_AWAITING_PULSE
        : UpdateStatus.ROLLING_FORWARD;
    Update u = new Update(new UpdateDetails(id, key, initial, from, to,
        settings, by, message == null ? "" : message, plan,
        List.of(new UpdateDetails.Event(core.instant(), initial, "started by " + by + (message == null || message.isEmpty() ? "" : ": " + message))),
        List.of(), Instant.EPOCH));
    active.put(key, u);
    history.remember(u.details());
    save(u);
    core.emit(new SchedulerEvent.UpdateStateChanged(core.instant(), u.details()));
    if (plan.isEmpty()) {
      finish(u, UpdateStatus.ROLLED_FORWARD, "nothing to change");
    } else {
      evaluate(u);
    }
    return id;
  }

  /**
   * The plan kept to {@code settings.updateOnlyTheseInstances()} (all of it when that is empty); refuses
   * an update that would add or remove an instance not listed.
   */
  private static TreeMap<Integer, InstanceProgress> onlyListed(TreeMap<Integer, InstanceProgress> plan,
      UpdateSettings settings, int instances) {
    List<Integer> only = settings.updateOnlyTheseInstances();
    if (only.isEmpty()) {
      return plan;
    }
    List<String> problems = new ArrayList<>();
    TreeMap<Integer, InstanceProgress> kept = new TreeMap<>();
    plan.forEach((i, p) -> {
      if (only.contains(i)) {
        kept.put(i, p);
      } else if (p.existedBefore() != p.existsAfter()) {
        problems.add("update.updateOnlyTheseInstances: instance " + i + " is " + (p.existsAfter() ? "added" : "removed")
            + " by the update but not listed");
      }
    });
    for (int i : new java.util.TreeSet<>(only)) {
      if (i >= instances && !plan.containsKey(i)) {
        problems.add("update.updateOnlyTheseInstances: instance " + i + " is not an instance of the job before or after the update");
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return kept;
  }

  public void pause(JobKey key, Principal by) {
    Update u = requireActive(key);
    UpdateStatus next = switch (u.status) {
      case ROLLING_FORWARD, ROLL_FORWARD_AWAITING_PULSE -> UpdateStatus.ROLL_FORWARD_PAUSED;
      case ROLLING_BACK, ROLL_BACK_AWAITING_PULSE -> UpdateStatus.ROLL_BACK_PAUSED;
      default -> throw new JobConflictException(key, "update " + u.id + " is " + u.status + "; it cannot be paused");
    };
    setStatus(u, next, "paused by " + by);
  }

  public void resume(JobKey key, Principal by) {
    Update u = requireActive(key);
    if (!u.status.isPaused()) {
      throw new JobConflictException(key, "update " + u.id + " is " + u.status + ", not paused");
    }
    boolean back = u.status == UpdateStatus.ROLL_BACK_PAUSED;
    setStatus(u, running(u, back), "resumed by " + by);
    evaluate(u);
  }

  public void abort(JobKey key, Principal by) {
    Update u = requireActive(key);
    finish(u, UpdateStatus.ABORTED, "aborted by " + by);
  }

  public void rollback(JobKey key, Principal by) {
    Update u = requireActive(key);
    if (u.backward()) {
      throw new JobConflictException(key, "update " + u.id + " is rolling back already");
    }
    startRollback(u, "rolled back by " + by);
  }

  /**
   * The job of the update {@code id} while it is active, for an operation that names the update.
   *
   * @throws NoSuchUpdateException if no update has this id
   * @throws JobConflictException if it has ended
   */
  public JobKey activeJob(UpdateId id) {
    return requireActive(id).job;
  }

  private Update requireActive(UpdateId id) {
    UpdateDetails d = history.details(id);
    if (d == null) {
      throw new NoSuchUpdateException(id);
    }
    Update u = active.get(d.job());
    if (u == null || !u.id.equals(id)) {
      throw new JobConflictException(d.job(), "update " + id + " has ended (" + d.status() + ")");
    }
    return u;
  }

  public void pulse(UpdateId id, Principal by) {
    Update u = requireActive(id);
    UpdateDetails d = history.details(id);
    if (u.settings.pulseInterval().isEmpty()) {
      throw new JobConflictException(d.job(), "update " + id + " has no pulse interval");
    }
    u.lastPulse = core.instant();
    if (u.status.isAwaitingPulse()) {
      setStatus(u, u.status == UpdateStatus.ROLL_BACK_AWAITING_PULSE ? UpdateStatus.ROLLING_BACK
          : UpdateStatus.ROLLING_FORWARD, "pulsed by " + by);
    } else {
      save(u);
    }
    schedulePulseCheck(u);
    evaluate(u);
  }

  /** The job's active update (rolling, paused or awaiting a pulse), if it has one. */
  public Optional<UpdateId> active(JobKey key) {
    Update u = active.get(key);
    return u == null ? Optional.empty() : Optional.of(u.id);
  }

  public Optional<UpdateDetails> get(UpdateId id) {
    return history.get(id);
  }

  public List<UpdateDetails> list(JobKey job) {
    return history.list(job);
  }

  private Update requireActive(JobKey key) {
    if (core.job(key) == null) {
      throw new NoSuchJobException(key);
    }
    Update u = active.get(key);
    if (u == null) {
      throw new JobConflictException(key, "no active update");
    }
    return u;
  }

  // ------------------------------------------------------------------------------ the engine

  private UpdateStatus running(Update u, boolean back) {
    if (u.settings.pulseInterval().isPresent()
        && Duration.between(u.lastPulse, core.instant()).compareTo(u.settings.pulseInterval().get()) >= 0) {
      return back ? UpdateStatus.ROLL_BACK_AWAITING_PULSE : UpdateStatus.ROLL_FORWARD_AWAITING_PULSE;
    }
    return back ? UpdateStatus.ROLLING_BACK : UpdateStatus.ROLLING_FORWARD;
  }

  /** Moves the update on: judges in-flight instances, starts new ones, finishes when all are done. */
  private void evaluate(Update u) {
    if (u.evaluating) {
      u.dirty = true;
      return;
    }
    u.evaluating = true;
    try {
      do {
        u.dirty = false;
        step(u);
      } while (u.dirty && active.get(u.job) == u);
    } finally {
      u.evaluating = false;
    }
  }

  private void step(Update u) {
    if (u.status.isTerminal()) {
      return;
    }
    JobState job = core.job(u.job);
    if (job == null) {
      return;
    }
    boolean changed = false;
    for (Map.Entry<Integer, InstanceProgress> e : new ArrayList<>(u.instances.entrySet())) {
      if (e.getValue().state() == InstanceState.IN_FLIGHT && judge(u, job, e.getKey())) {
        changed = true;
      }
    }
    if (active.get(u.job) != u) {
      return; // judging failed the update
    }
    if (u.status == UpdateStatus.ROLLING_FORWARD && autopauses(u)) {
      setStatus(u, UpdateStatus.ROLL_FORWARD_PAUSED, "paused after batch " + u.batchIndex
          + " (autopauseAfterBatch): resume to go on");
      return;
    }
    if (u.status == UpdateStatus.ROLLING_FORWARD || u.status == UpdateStatus.ROLLING_BACK) {
      changed |= startMore(u, job);
    }
    boolean open = u.instances.values().stream()
        .anyMatch(p -> p.state() == InstanceState.WAITING || p.state() == InstanceState.IN_FLIGHT);
    if (!open) {
      finish(u, u.backward() ? UpdateStatus.ROLLED_BACK : UpdateStatus.ROLLED_FORWARD,
          u.backward() ? "every changed instance is back on the old config" : "every instance is updated");
    } else if (changed) {
      save(u);
    }
  }

  /**
   * Whether a forward update with autopause has just finished a batch (nothing in flight, something
   * waiting) after which it has not paused yet.
   */
  private static boolean autopauses(Update u) {
    if (!u.settings.autopauseAfterBatch() || u.batchIndex == 0 || u.autopausedAt == u.batchIndex) {
      return false;
    }
    boolean inFlight = false;
    boolean waiting = false;
    for (InstanceProgress p : u.instances.values()) {
      inFlight |= p.state() == InstanceState.IN_FLIGHT;
      waiting |= p.state() == InstanceState.WAITING;
    }
    if (inFlight || !waiting) {
      return false;
    }
    u.autopausedAt = u.batchIndex;
    return true;
  }

  /** Judges an in-flight instance; returns whether its progress changed. */
  private boolean judge(Update u, JobState job, int i) {
    TaskConfig target = u.target(i);
    ScheduledTask task = JobInstances.activeTask(core, job, i);
    if (target == null) {
      if (task == null) {
        succeed(u, i, "removed");
        return true;
      }
      return false;
    }
    if (task == null || !task.config().equals(target)) {
      return false;
    }
    if (!task.isRunningAndHealthy()) {
      u.watchStart.remove(i);
      return false;
    }
    long now = core.now();
    Long since = u.watchStart.get(i);
    if (since == null) {
      since = now;
      u.watchStart.put(i, since);
    }
    long watch = u.settings.watch().toMillis();
    if (now - since >= watch) {
      succeed(u, i, "healthy for " + u.settings.watch().toSeconds() + "s");
      return true;
    }
    if (!u.watchTimers.containsKey(i)) {
      u.watchTimers.put(i, core.schedule(Duration.ofMillis(since + watch - now), () -> {
        u.watchTimers.remove(i);
        if (active.get(u.job) == u) {
          evaluate(u);
        }
      }));
    }
    return false;
  }

  private boolean startMore(Update u, JobState job) {
    long inFlight = u.instances.values().stream().filter(p -> p.state() == InstanceState.IN_FLIGHT).count();
    List<Integer> waiting = new ArrayList<>();
    u.instances.forEach((i, p) -> {
      if (p.state() == InstanceState.WAITING) {
        waiting.add(i);
      }
    });
    if (waiting.isEmpty()) {
      return false;
    }
    int toStart;
    if (u.settings.waitForBatchCompletion() || u.settings.autopauseAfterBatch()) {
      if (inFlight > 0) {
        return false;
      }
      toStart = u.settings.batchSize(u.batchIndex++);
    } else {
      int window = u.settings.batchSize(u.batchIndex);
      toStart = (int) Math.max(0, window - inFlight);
    }
    int started = 0;
    for (int i : waiting) {
      if (started >= toStart) {
        break;
      }
      startInstance(u, job, i);
      started++;
      if (!u.settings.waitForBatchCompletion() && !u.settings.autopauseAfterBatch() && ++u.startedInBatch >= u.settings.batchSize(u.batchIndex)) {
        u.startedInBatch = 0;
        u.batchIndex++;
      }
    }
    return started > 0;
  }

  private void startInstance(Update u, JobState job, int i) {
    InstanceProgress p = u.instances.get(i);
    u.instances.put(i, new InstanceProgress(InstanceState.IN_FLIGHT, p.failures(), true, p.existedBefore(), p.existsAfter()));
    u.instanceEvents.add(new UpdateDetails.InstanceEvent(core.instant(), i,
        u.backward() ? InstanceAction.ROLLING_BACK : InstanceAction.UPDATING, ""));
    TaskConfig target = u.target(i);
    ScheduledTask task = JobInstances.activeTask(core, job, i);
    String why = (u.backward() ? "rolling back " : "updating ") + u.id;
    if (target == null) {
      if (task != null) {
        core.kill(task, ScheduleStatus.KILLING, why + ": instance removed");
      }
    } else if (task == null) {
      core.createTask(job, i, target);
    } else if (!task.config().equals(target)) {
      core.kill(task, ScheduleStatus.RESTARTING, why);
    }
  }

  private void succeed(Update u, int i, String message) {
    InstanceProgress p = u.instances.get(i);
    u.instances.put(i, new InstanceProgress(InstanceState.SUCCEEDED, p.failures(), true, p.existedBefore(), p.existsAfter()));
    u.watchStart.remove(i);
    u.cancelWatch(i);
    u.instanceEvents.add(new UpdateDetails.InstanceEvent(core.instant(), i,
        u.backward() ? InstanceAction.ROLLED_BACK : InstanceAction.UPDATED, message));
  }

  private void fail(Update u, int i, String reason) {
    InstanceProgress p = u.instances.get(i);
    int failures = p.failures() + 1;
    u.watchStart.remove(i);
    u.cancelWatch(i);
    if (failures > u.settings.maxPerInstanceFailures()) {
      u.instances.put(i, new InstanceProgress(InstanceState.FAILED, failures, true, p.existedBefore(), p.existsAfter()));
      u.instanceEvents.add(new UpdateDetails.InstanceEvent(core.instant(), i,
          u.backward() ? InstanceAction.ROLLBACK_FAILED : InstanceAction.UPDATE_FAILED, reason));
      List<Integer> failed = u.details().failedInstances();
      if (u.backward()) {
        finish(u, UpdateStatus.FAILED, "rollback failed: instance " + i + " " + reason);
      } else if (failed.size() > u.settings.maxFailedInstances()) {
        String why = failed.size() + " instances failed " + failed + " (at most " + u.settings.maxFailedInstances()
            + " allowed); last: instance " + i + " " + reason;
        if (u.settings.rollbackOnFailure()) {
          startRollback(u, why);
        } else {
          finish(u, UpdateStatus.FAILED, why);
        }
      } else {
        save(u);
      }
    } else {
      u.instances.put(i, new InstanceProgress(InstanceState.IN_FLIGHT, failures, true, p.existedBefore(), p.existsAfter()));
      save(u);
    }
  }

  private void startRollback(Update u, String reason) {
    for (Map.Entry<Integer, InstanceProgress> e : new ArrayList<>(u.instances.entrySet())) {
      InstanceProgress p = e.getValue();
      u.cancelWatch(e.getKey());
      u.instances.put(e.getKey(), p.touched()
          ? new InstanceProgress(InstanceState.WAITING, 0, true, p.existedBefore(), p.existsAfter())
          : new InstanceProgress(InstanceState.SUCCEEDED, 0, false, p.existedBefore(), p.existsAfter()));
    }
    u.watchStart.clear();
    u.batchIndex = 0;
    u.startedInBatch = 0;
    setStatus(u, running(u, true), reason);
    evaluate(u);
  }

  private void finish(Update u, UpdateStatus end, String message) {
    u.cancelTimers();
    active.remove(u.job);
    JobState job = core.job(u.job);
    if (job != null) {
      // Rolled forward, the job is the new config; otherwise it stays the old one. Aborted or failed,
      // instances stay as they are (each replaced later with the config its task runs), so the job
      // counts the instances that are left.
      if (end != UpdateStatus.ROLLED_FORWARD && end != UpdateStatus.ROLLED_BACK) {
        keepWithinPeak(u, job);
      }
      JobConfig config = switch (end) {
        case ROLLED_FORWARD -> u.to;
        case ROLLED_BACK -> u.from;
        default -> u.from.withInstances(JobInstances.liveInstances(core, job));
      };
      if (!job.config().equals(config)) {
        core.saveJob(config);
      }
    }
    setStatus(u, end, message);
  }

  /**
   * An update that ends partway (failed or aborted) leaves no more live instances than the larger of
   * its old and new counts, the peak its quota was checked against: having added an instance before
   * removing another (instance ids with a gap), it kills the instances it was to remove, then those it
   * added, highest first, until the job is within that count.
   */
  private void keepWithinPeak(Update u, JobState job) {
    int cap = Math.max(u.from.instances(), u.to.instances());
    int excess = JobInstances.liveInstances(core, job) - cap;
    if (excess <= 0) {
      return;
    }
    java.util.List<Integer> victims = new java.util.ArrayList<>();
    for (int i : u.instances.descendingKeySet()) {
      InstanceProgress p = u.instances.get(i);
      if (p.existedBefore() && !p.existsAfter()) {
        victims.add(i);
      }
    }
    for (int i : u.instances.descendingKeySet()) {
      InstanceProgress p = u.instances.get(i);
      if (!p.existedBefore() && p.existsAfter()) {
        victims.add(i);
      }
    }
    for (int i : victims) {
      if (excess <= 0) {
        break;
      }
      ScheduledTask task = JobInstances.activeTask(core, job, i);
      if (task != null && task.status() != ScheduleStatus.KILLING) {
        core.kill(task, ScheduleStatus.KILLING, u.id + " ended " + "partway: instance beyond the update's peak");
        excess--;
      }
    }
  }

  private void setStatus(Update u, UpdateStatus status, String message) {
    u.status = status;
    u.events.add(new UpdateDetails.Event(core.instant(), status, message));
    save(u);
    core.emit(new SchedulerEvent.UpdateStateChanged(core.instant(), u.details()));
  }

  private void save(Update u) {
    UpdateDetails d = u.details();
    history.remember(d);
    core.store(new Op.SaveUpdate(d));
  }

  private void schedulePulseCheck(Update u) {
    if (u.pulseTimer != null) {
      u.pulseTimer.cancel();
    }
    Duration interval = u.settings.pulseInterval().orElseThrow();
    u.pulseTimer = core.schedule(interval, () -> {
      if (active.get(u.job) != u) {
        return;
      }
      if (Duration.between(u.lastPulse, core.instant()).compareTo(interval) >= 0) {
        if (u.status == UpdateStatus.ROLLING_FORWARD) {
          setStatus(u, UpdateStatus.ROLL_FORWARD_AWAITING_PULSE, "no pulse within " + interval);
        } else if (u.status == UpdateStatus.ROLLING_BACK) {
          setStatus(u, UpdateStatus.ROLL_BACK_AWAITING_PULSE, "no pulse within " + interval);
        }
      }
    });
  }

  // ------------------------------------------------------------------------------ hooks

  @Override
  public void onTransition(ScheduledTask before, ScheduledTask after) {
    Update u = active.get(after.job());
    if (u == null) {
      return;
    }
    InstanceProgress p = u.instances.get(after.instance());
    if (p != null && p.state() == InstanceState.IN_FLIGHT && before != null && before.status() == ScheduleStatus.KILLING
        && after.status().isTerminal()) {
      // the update reached this instance while a kill of it was still in flight: a killed task is not
      // replaced, so the update starts the instance's new task itself once the kill has ended
      TaskConfig target = u.target(after.instance());
      JobState job = core.job(u.job);
      if (target != null && job != null && JobInstances.activeTask(core, job, after.instance()) == null) {
        core.createTask(job, after.instance(), target);
      }
    }
    if (p != null && p.state() == InstanceState.IN_FLIGHT) {
      TaskConfig target = u.target(after.instance());
      if (target != null && after.config().equals(target)) {
        TransitionVerdict verdict = TransitionVerdict.of(before, after);
        if (verdict == TransitionVerdict.ENDED) {
          fail(u, after.instance(), "task " + after.id() + " ended " + after.status()
              + (after.lastMessage().isEmpty() ? "" : ": " + after.lastMessage()));
        } else if (verdict == TransitionVerdict.TURNED_UNHEALTHY) {
          fail(u, after.instance(), "task " + after.id() + " failed its health check");
          // failing may have started a rollback that is replacing the task already: kill what it is now
          ScheduledTask now = core.task(after.id());
          if (active.get(after.job()) == u && now != null) {
            core.kill(now, ScheduleStatus.RESTARTING,
                "unhealthy during " + (u.backward() ? "rollback " : "update ") + u.id);
          }
        }
      }
    }
    if (active.get(after.job()) == u) {
      evaluate(u);
    }
  }

  @Override
  public TaskConfig replacementConfig(JobState job, int instance) {
    Update u = active.get(job.config().key());
    if (u == null) {
      return null;
    }
    InstanceProgress p = u.instances.get(instance);
    if (p == null) {
      return null;
    }
    boolean onNew = u.backward() ? p.state() == InstanceState.WAITING && p.touched() : p.state() != InstanceState.WAITING;
    TaskConfig config = onNew ? u.to.task() : u.from.task();
    boolean exists = onNew ? p.existsAfter() : p.existedBefore();
    return exists ? config : null;
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveUpdate s) {
      UpdateDetails d = s.update();
      history.remember(d);
      history.put(d);
      if (d.status().isTerminal()) {
        Update u = active.get(d.job());
        if (u != null && u.id.equals(d.id())) {
          active.remove(d.job());
        }
      } else {
        active.put(d.job(), new Update(d));
      }
      return true;
    }
    return false;
  }

  @Override
  public void recovered() {
    for (Update u : new ArrayList<>(active.values())) {
      if (u.settings.pulseInterval().isPresent() && !u.status.isAwaitingPulse()) {
        schedulePulseCheck(u);
      }
      evaluate(u);
    }
  }

  @Override
  public void snapshot(List<Op> out) {
    history.snapshot(out);
  }

  @Override
  public void jobRemoved(JobKey job) {
    Update u = active.get(job);
    if (u != null) {
      finish(u, UpdateStatus.ABORTED, "the job was removed");
    }
  }
}
