package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.immutables.value.Value;

/**
 * What happens to a task whose agent the scheduler cannot reach (a network partition, Mesos'
 * {@code TASK_UNREACHABLE}), as Aurora's {@code PartitionPolicy}: the task goes {@code PARTITIONED}
 * and, if {@link #reschedule()}, is replaced once it has been unreachable for {@link #delay()} (it
 * becomes {@code LOST}). A task that comes back within the wait runs on as before; one that comes back
 * after it was replaced is killed.
 *
 * <pre>{@code
 * Job.service("www-data/prod/hello").task(t -> t.process("server", "./hello")
 *     .partitionPolicy(PartitionPolicy.of(true, Duration.ofMinutes(5))))   // wait 5 minutes, then replace
 * }</pre>
 *
 * <p>The {@link #DEFAULT} replaces at once, as a lost agent's tasks are.
 */
@Value.Immutable
@JsonSerialize(as = ImmutablePartitionPolicy.class)
@JsonDeserialize(as = ImmutablePartitionPolicy.class)
public abstract class PartitionPolicy {
  /** Replace a partitioned task at once. */
  public static final PartitionPolicy DEFAULT = ImmutablePartitionPolicy.builder().build();

  /** Whether a partitioned task is replaced once {@link #delay()} has passed; if not, it is waited for. */
  @Value.Default
  public boolean reschedule() {
    return true;
  }

  /** How long a task may be unreachable before it is replaced (when {@link #reschedule()}). */
  @Value.Default
  public Duration delay() {
    return Duration.ZERO;
  }

  /** A policy: replace after {@code delay} if {@code reschedule}, else wait for the task forever. */
  public static PartitionPolicy of(boolean reschedule, Duration delay) {
    return ImmutablePartitionPolicy.builder().reschedule(reschedule).delay(delay).build();
  }

  /** A builder. */
  public static ImmutablePartitionPolicy.Builder builder() {
    return ImmutablePartitionPolicy.builder();
  }

  @Value.Check
  protected void check() {
    List<String> problems = new ArrayList<>();
    if (delay().isNegative()) {
      problems.add("task.partitionPolicy.delay: must not be negative, was " + delay());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}
