package dev.aurora.core;

import dev.aurora.api.JobKey;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which tasks to list: by job, state, host, instances, and any predicate. Each method returns a new
 * query.
 *
 * <pre>{@code
 * scheduler.tasks(TaskQuery.job(key).states(ScheduleStatus.RUNNING));
 * scheduler.tasks(TaskQuery.all().host("agent-7").active());
 * }</pre>
 */
public final class TaskQuery {
  private static final TaskQuery ALL = new TaskQuery(null, null, null, null, null);

  private final @Nullable JobKey job;
  private final @Nullable EnumSet<ScheduleStatus> states;
  private final @Nullable String host;
  private final @Nullable Set<Integer> instances;
  private final @Nullable Predicate<? super ScheduledTask> filter;

  private TaskQuery(@Nullable JobKey job, @Nullable EnumSet<ScheduleStatus> states, @Nullable String host,
      @Nullable Set<Integer> instances, @Nullable Predicate<? super ScheduledTask> filter) {
    this.job = job;
    this.states = states;
    this.host = host;
    this.instances = instances;
    this.filter = filter;
  }

  /** Every task the scheduler holds, active or in history. */
  public static TaskQuery all() {
    return ALL;
  }

  /** The tasks of one job. */
  public static TaskQuery job(JobKey job) {
    return ALL.withJob(job);
  }

  /** Only tasks of {@code job}. */
  public TaskQuery withJob(JobKey job) {
    return new TaskQuery(Objects.requireNonNull(job, "job"), states, host, instances, filter);
  }

  /** Only tasks in one of {@code states}. */
  public TaskQuery states(ScheduleStatus first, ScheduleStatus... rest) {
    return new TaskQuery(job, EnumSet.of(first, rest), host, instances, filter);
  }

  /** Only tasks that have not ended. */
  public TaskQuery active() {
    EnumSet<ScheduleStatus> s = EnumSet.noneOf(ScheduleStatus.class);
    for (ScheduleStatus st : ScheduleStatus.values()) {
      if (st.isActive()) {
        s.add(st);
      }
    }
    return new TaskQuery(job, s, host, instances, filter);
  }

  /** Only tasks placed on {@code host}. */
  public TaskQuery host(String host) {
    return new TaskQuery(job, states, Objects.requireNonNull(host, "host"), instances, filter);
  }

  /** Only tasks of these instances. */
  public TaskQuery instances(Set<Integer> instances) {
    return new TaskQuery(job, states, host, Set.copyOf(instances), filter);
  }

  /** Only tasks {@code predicate} accepts (combined with any earlier predicate). */
  public TaskQuery matching(Predicate<? super ScheduledTask> predicate) {
    Predicate<? super ScheduledTask> combined = filter == null ? predicate : t -> filter.test(t) && predicate.test(t);
    return new TaskQuery(job, states, host, instances, combined);
  }

  /** The job this query is limited to, if any. */
  public Optional<JobKey> jobKey() {
    return Optional.ofNullable(job);
  }

  /** Whether {@code task} matches every part of this query. */
  public boolean test(ScheduledTask task) {
    return (job == null || job.equals(task.job()))
        && (states == null || states.contains(task.status()))
        && (host == null || host.equals(task.host().orElse(null)))
        && (instances == null || instances.contains(task.instance()))
        && (filter == null || filter.test(task));
  }
}
