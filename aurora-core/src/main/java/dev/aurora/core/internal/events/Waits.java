package dev.aurora.core.internal.events;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.EventStream;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.NoSuchUpdateException;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateFailedException;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The waits behind {@code Scheduler.when*}, built on the public event stream and reads only: each
 * subscribes first, then checks the current state, then checks again on every event that concerns
 * it, so no change is missed between the read and the subscription. Events are taken on the state
 * loop; a check there reads the scheduler directly (reads from the loop run in place). The
 * subscription ends when the future completes, however it completes (cancelled or timed out
 * included).
 */
public final class Waits {
  private Waits() {}

  /**
   * A future completed by {@code check}: called once at once with no event, then with each event
   * {@code relevant} accepts, until the future is done. A check that throws fails the future.
   */
  static <T> CompletableFuture<T> until(Scheduler scheduler, String what, Predicate<SchedulerEvent> relevant,
      BiConsumer<@Nullable SchedulerEvent, CompletableFuture<T>> check) {
    CompletableFuture<T> future = new CompletableFuture<>();
    EventStream events = scheduler.events();
    EventStream.Subscription subscription = events.subscribe(e -> {
      if (!future.isDone() && relevant.test(e)) {
        run(check, e, future);
      }
    });
    List<EventStream.Subscription> handles = new ArrayList<>(List.of(subscription));
    if (events instanceof EventBus bus) {
      handles.add(bus.whenClosed(() -> future.completeExceptionally(
          new IllegalStateException("the scheduler stopped before " + what))));
    }
    future.whenComplete((r, x) -> handles.forEach(EventStream.Subscription::close));
    run(check, null, future);
    return future;
  }

  private static <T> void run(BiConsumer<@Nullable SchedulerEvent, CompletableFuture<T>> check,
      @Nullable SchedulerEvent e, CompletableFuture<T> future) {
    try {
      check.accept(e, future);
    } catch (RuntimeException x) {
      future.completeExceptionally(x);
    }
  }

  /** See {@link Scheduler#whenUpdateEnds}. */
  public static CompletableFuture<UpdateDetails> updateEnds(Scheduler scheduler, UpdateId id, boolean mustRollForward) {
    Objects.requireNonNull(id, "update");
    return until(scheduler, "update " + id + " ended",
        e -> e instanceof SchedulerEvent.UpdateStateChanged u && u.update().id().equals(id),
        (e, future) -> {
          UpdateDetails d = e == null
              ? scheduler.update(id).orElseThrow(() -> new NoSuchUpdateException(id))
              : ((SchedulerEvent.UpdateStateChanged) e).update();
          if (!d.status().isTerminal()) {
            return;
          }
          if (mustRollForward && d.status() != UpdateStatus.ROLLED_FORWARD) {
            future.completeExceptionally(new UpdateFailedException(d));
          } else {
            future.complete(d);
          }
        });
  }

  /** See {@link Scheduler#whenHealthy(JobKey, int)}; {@code count} -1: the job's instance count. */
  public static CompletableFuture<List<ScheduledTask>> healthy(Scheduler scheduler, JobKey job, int count) {
    Objects.requireNonNull(job, "job");
    if (count < -1) {
      throw new IllegalArgumentException("instance count must be >= 0, was " + count);
    }
    String goal = count < 0 ? "every instance was" : count + (count == 1 ? " instance was" : " instances were");
    String what = (count < 0 ? "every instance of " + job + " was"
        : count + (count == 1 ? " instance" : " instances") + " of " + job + (count == 1 ? " was" : " were"))
        + " RUNNING and healthy";
    return until(scheduler, what, e -> concerns(e, job), (e, future) -> {
      // the job's tasks end, and their events come, before the JobKilled event does
      JobConfig config = scheduler.job(job).orElseThrow(() -> e == null ? new NoSuchJobException(job)
          : new NoSuchJobException(job, "job " + job + " was killed before " + goal + " RUNNING and healthy"));
      int wanted = count < 0 ? config.instances() : count;
      List<ScheduledTask> healthy = new ArrayList<>();
      Set<Integer> instances = new HashSet<>();
      for (ScheduledTask t : scheduler.tasks(TaskQuery.job(job).states(ScheduleStatus.RUNNING))) {
        if (t.isRunningAndHealthy() && instances.add(t.instance())) {
          healthy.add(t);
        }
      }
      if (instances.size() >= wanted) {
        future.complete(List.copyOf(healthy));
      }
    });
  }

  private static boolean concerns(SchedulerEvent e, JobKey job) {
    if (e instanceof SchedulerEvent.TaskStateChanged c) {
      return c.task().job().equals(job);
    } else if (e instanceof SchedulerEvent.TaskHealthChanged h) {
      return h.task().job().equals(job);
    } else if (e instanceof SchedulerEvent.JobChanged c) {
      return c.job().equals(job);
    } else if (e instanceof SchedulerEvent.JobKilled k) {
      return k.job().equals(job);
    }
    return false;
  }

  /** See {@link Scheduler#whenFinished}. */
  public static CompletableFuture<SchedulerEvent.JobFinished> finished(Scheduler scheduler, JobKey job) {
    Objects.requireNonNull(job, "job");
    return until(scheduler, "one-off job " + job + " finished",
        e -> e instanceof SchedulerEvent.JobFinished f && f.job().equals(job)
            || e instanceof SchedulerEvent.JobKilled k && k.job().equals(job),
        (e, future) -> {
          if (e instanceof SchedulerEvent.JobFinished f) {
            future.complete(f);
          } else if (e instanceof SchedulerEvent.JobKilled) {
            throw new NoSuchJobException(job, "job " + job + " was killed before it finished");
          } else {
            JobConfig config = scheduler.job(job).orElseThrow(() -> new NoSuchJobException(job,
                "no such job: " + job + " (a one-off job that has finished is gone: await it before it ends)"));
            if (config.isService() || config.isCron()) {
              throw new IllegalArgumentException("job " + job + " is a " + (config.isCron() ? "cron job" : "service")
                  + "; only a one-off job finishes");
            }
          }
        });
  }

  /** See {@link Scheduler#whenTaskEnds}. */
  public static CompletableFuture<ScheduledTask> taskEnds(Scheduler scheduler, TaskId id) {
    Objects.requireNonNull(id, "task");
    return until(scheduler, "task " + id + " ended",
        e -> e instanceof SchedulerEvent.TaskStateChanged c && c.task().id().equals(id),
        (e, future) -> {
          ScheduledTask t = e == null
              ? scheduler.task(id).orElseThrow(() -> new NoSuchElementException("no task " + id + " is known"))
              : ((SchedulerEvent.TaskStateChanged) e).task();
          if (t.status().isTerminal()) {
            future.complete(t);
          }
        });
  }
}
