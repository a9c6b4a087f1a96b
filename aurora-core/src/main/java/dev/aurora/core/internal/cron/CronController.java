package dev.aurora.core.internal.cron;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.aurora.api.CronSchedule;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.state.JobState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Fires cron jobs on the scheduler's clock: at each firing every instance of the job is launched,
 * after the collision policy has dealt with a run still active. Expressions are parsed by cron-utils
 * (Unix 5-field) and evaluated in the schedule's time zone, so daylight-saving changes follow the
 * zone's rules.
 *
 * <p>Missed firings: the time of the last firing is stored. When the scheduler starts and a firing
 * was due while it was down, the job runs once at start (never more than once, however many were
 * missed); later firings follow the schedule.
 */
public final class CronController implements CoreListener {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final Core core;
  private final Map<JobKey, StateLoop.Timer> timers = new HashMap<>();
  private final Map<JobKey, Instant> lastFired = new TreeMap<>(); // snapshots list it by job
  private boolean recovering = true;

  public CronController(Core core) {
    this.core = core;
  }

  /** The next {@code count} firings of the job's schedule after now. */
  public List<Instant> next(JobKey key, int count) {
    JobState job = requireCron(key);
    List<Instant> out = new ArrayList<>();
    Instant t = core.instant();
    for (int i = 0; i < count; i++) {
      Optional<Instant> n = nextAfter(job.config().cron().orElseThrow(), t);
      if (n.isEmpty()) {
        break;
      }
      out.add(n.get());
      t = n.get();
    }
    return out;
  }

  /** Runs the job now, as a firing would. */
  public void startNow(JobKey key, Principal by) {
    fire(requireCron(key), "started by " + by);
  }

  /** Replaces the cron job's config and reschedules it. */
  public void replace(JobConfig config, Principal by) {
    JobState job = core.job(config.key());
    if (job == null) {
      throw new NoSuchJobException(config.key());
    }
    if (!job.config().isCron()) {
      throw new JobConflictException(config.key(), "not a cron job; change it with a rolling update");
    }
    if (!config.isCron()) {
      throw new JobConflictException(config.key(), "the new config has no cron schedule; kill the job to deschedule it");
    }
    core.saveJob(config);
  }

  private JobState requireCron(JobKey key) {
    JobState job = core.job(key);
    if (job == null) {
      throw new NoSuchJobException(key);
    }
    if (!job.config().isCron()) {
      throw new JobConflictException(key, "not a cron job");
    }
    return job;
  }

  static Optional<Instant> nextAfter(CronSchedule schedule, Instant after) {
    ExecutionTime et = ExecutionTime.forCron(PARSER.parse(schedule.expression()));
    return et.nextExecution(ZonedDateTime.ofInstant(after, schedule.timezone())).map(ZonedDateTime::toInstant);
  }

  private void schedule(JobState job) {
    JobKey key = job.config().key();
    cancel(key);
    Optional<Instant> next = nextAfter(job.config().cron().orElseThrow(), core.instant());
    next.ifPresent(at -> timers.put(key, core.schedule(Duration.between(core.instant(), at), () -> {
      timers.remove(key);
      JobState current = core.job(key);
      if (current != null && current.config().isCron()) {
        fire(current, "schedule " + current.config().cron().get().expression());
        schedule(current);
      }
    })));
  }

  private void cancel(JobKey key) {
    StateLoop.Timer t = timers.remove(key);
    if (t != null) {
      t.cancel();
    }
  }

  /** One firing: the collision policy, then all instances launched. */
  private void fire(JobState job, String why) {
    JobConfig config = job.config();
    JobKey key = config.key();
    Instant now = core.instant();
    lastFired.put(key, now);
    core.store(new Op.SaveCronState(key, now));
    List<ScheduledTask> running = new ArrayList<>();
    for (TaskId id : job.active()) {
      ScheduledTask t = core.task(id);
      if (t != null && t.status() != ScheduleStatus.KILLING) {
        running.add(t);
      }
    }
    if (!running.isEmpty()) {
      switch (config.cron().get().collisionPolicy()) {
        case CANCEL_NEW -> {
          core.emit(new SchedulerEvent.CronFired(now, key, false,
              "skipped (CANCEL_NEW): " + running.size() + " tasks of the previous run are active"));
          return;
        }
        case KILL_EXISTING -> {
          for (ScheduledTask t : running) {
            core.kill(t, ScheduleStatus.KILLING, "cron KILL_EXISTING: a new run starts");
          }
        }
        case RUN_OVERLAP -> { }
      }
    }
    for (int i = 0; i < config.instances(); i++) {
      core.createTask(job, i, config.task());
    }
    core.emit(new SchedulerEvent.CronFired(now, key, true, why));
  }

  @Override
  public void jobSaved(JobConfig config, boolean created) {
    if (created && config.isCron()) {
      // the baseline for missed firings: one due after creation and missed while down is caught up
      lastFired.put(config.key(), core.instant());
      core.store(new Op.SaveCronState(config.key(), core.instant()));
    }
    if (config.isCron() && !recovering) {
      schedule(core.job(config.key()));
    } else if (!config.isCron()) {
      cancel(config.key());
    }
  }

  @Override
  public void jobRemoved(JobKey job) {
    cancel(job);
    lastFired.remove(job);
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveCronState s) {
      lastFired.put(s.job(), s.lastFired());
      return true;
    }
    return false;
  }

  @Override
  public void recovered() {
    recovering = false;
    for (JobState job : new ArrayList<>(core.jobs())) {
      if (!job.config().isCron()) {
        continue;
      }
      JobKey key = job.config().key();
      Instant last = lastFired.get(key);
      if (last != null) {
        Optional<Instant> due = nextAfter(job.config().cron().get(), last);
        if (due.isPresent() && due.get().isBefore(core.instant())) {
          fire(job, "catch-up: the firing due at " + due.get() + " was missed while the scheduler was down");
        }
      }
      schedule(job);
    }
  }

  @Override
  public void snapshot(List<Op> out) {
    lastFired.forEach((job, at) -> out.add(new Op.SaveCronState(job, at)));
  }
}
