package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One process of a task: a shell command line with its environment, working directory and the
 * rules of Aurora's task runner, Thermos, for running it.
 *
 * <h2>Thermos's model</h2>
 *
 * A task is a small graph of processes. Each process runs one or more times (a <em>run</em>); a run
 * that exits 0 succeeds, any other exit (a non-zero code, a signal) is a failure.
 *
 * <ul>
 *   <li><b>Ordering.</b> {@link TaskConfig#processOrders()} holds ordering constraints, as Thermos's
 *       {@code Constraint(order=[...])}: in {@code order("fetch", "build", "serve")} {@code build}
 *       starts only once {@code fetch} has succeeded, and {@code serve} once {@code build} has.
 *       Processes that no order binds run in parallel. A task that declares no order and is not
 *       {@link TaskConfig#sequential() parallel} runs its processes one after another in the order
 *       listed, as this library always did (Thermos's {@code SequentialTask}).
 *   <li><b>{@link #maxFailures()}</b> (Thermos {@code max_failures}, default 1): how many failed runs
 *       the process may have; after that it has <em>failed for good</em> and is not run again. 0
 *       means no limit: it is run again until it succeeds.
 *   <li><b>{@link #minDuration()}</b> (Thermos {@code min_duration}, default 15 s): the least time
 *       between the starts of two runs of the process, so a process that keeps failing (or a daemon
 *       that keeps exiting) is not restarted in a tight loop.
 *   <li><b>{@link #daemon()}</b> (Thermos {@code daemon}): a run that exits 0 does not end the
 *       process: it is started again (after {@code minDuration}), whatever its exit; failures still
 *       count against {@code maxFailures} ({@code daemon} with {@code maxFailures} 0 runs forever).
 *   <li><b>{@link #ephemeral()}</b> (Thermos {@code ephemeral}): the process's state is not used to
 *       decide whether the task has finished; it is stopped when the task's other processes are done.
 *   <li><b>{@link #finalizer()}</b> (Thermos {@code final}): the process runs only when the task
 *       ends, after every other process has finished or been stopped: whether the task succeeded,
 *       failed or was killed. Finalizers may be ordered among themselves but not with other
 *       processes, and all of them together must end within the task's {@link
 *       TaskConfig#finalizationWait()} (Thermos {@code finalization_wait}, default 30 s); what still
 *       runs then is killed.
 * </ul>
 *
 * <p>A task <b>succeeds</b> when every process that is neither ephemeral, daemon nor finalizer has
 * ended and fewer than its {@link TaskConfig#maxFailures()} processes have failed for good; it
 * <b>fails</b> as soon as that many have (Thermos's task {@code max_failures}: 1 by default, so the
 * first process that fails for good fails the task; 0: never). A process that an order puts after
 * one that failed for good never runs: it ends KILLED ("not run") and does not count as a failure.
 * Either way the task's remaining processes are stopped and its finalizers run; a finalizer's own
 * failure is recorded in its process state but does not change the task's outcome. At most {@link
 * TaskConfig#maxConcurrency()} processes run at once (Thermos's {@code max_concurrency}; 0, the
 * default: no limit); a process ready to start waits for a free place, in the order the task lists
 * its processes. Each process's output goes where its {@link #logger()} says.
 * One difference from Thermos: there a non-ephemeral daemon holds the task's end for ever (it never
 * succeeds); here daemons, like ephemeral processes, do not hold it. A task with only daemon and
 * ephemeral processes runs until it is killed or one of them fails for good.
 *
 * <p>The command may use {@code {{port.NAME}}}, {@code {{instance}}} and {@code {{task_id}}}, which
 * are resolved for each task at launch.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableProcessConfig.class)
@JsonDeserialize(as = ImmutableProcessConfig.class)
public abstract class ProcessConfig {

  /** The process's name, unique within its task ({@code [A-Za-z0-9_.-]+}). */
  public abstract String name();

  /** The command line, run by {@code sh -c}. */
  public abstract String command();

  /** Extra environment variables for this process. */
  public abstract Map<String, String> environment();

  /** The working directory, relative to the task's sandbox unless absolute; the sandbox if empty. */
  public abstract Optional<String> workingDirectory();

  /**
   * How many failed runs the process may have before it has failed for good (Thermos {@code
   * max_failures}); 1 (the default) means it is not retried, 0 means it is retried until it
   * succeeds.
   */
  @Value.Default
  public int maxFailures() {
    return 1;
  }

  /**
   * The least time between the starts of two runs of this process (Thermos {@code min_duration});
   * 15 seconds by default. It matters only to a process that is run again: one that failed with
   * failures left, or a daemon.
   */
  @Value.Default
  public Duration minDuration() {
    return Duration.ofSeconds(15);
  }

  /**
   * Whether the process is a daemon (Thermos {@code daemon}): started again whenever it exits, even
   * with 0; it does not hold the task's end.
   */
  @Value.Default
  public boolean daemon() {
    return false;
  }

  /**
   * Whether the process is ephemeral (Thermos {@code ephemeral}): its state does not decide whether
   * the task has finished; it is stopped when the others are done.
   */
  @Value.Default
  public boolean ephemeral() {
    return false;
  }

  /**
   * Whether the process is a finalizer (Thermos {@code final}): run when the task ends or is killed,
   * after its other processes, within the task's {@link TaskConfig#finalizationWait()}.
   */
  @Value.Default
  public boolean finalizer() {
    return false;
  }

  /**
   * Where this process's output goes and how its files are kept (Thermos's per-process {@code
   * logger}); the task's {@link TaskConfig#logger()} when empty.
   */
  @Value.Default
  public Optional<ProcessLogger> logger() {
    return Optional.empty();
  }

  /** A builder. */
  public static ImmutableProcessConfig.Builder builder() {
    return ImmutableProcessConfig.builder();
  }

  /** A process with a name and command line, no extra environment, run in the sandbox. */
  public static ProcessConfig of(String name, String command) {
    return builder().name(name).command(command).build();
  }

  /** A {@link #daemon()} process: restarted whenever it exits, at most every {@code minDuration}. */
  public static ProcessConfig daemon(String name, String command, Duration minDuration) {
    return builder().name(name).command(command).daemon(true).maxFailures(0).minDuration(minDuration).build();
  }

  /** A {@link #finalizer()}: runs when the task ends or is killed. */
  public static ProcessConfig finalizer(String name, String command) {
    return builder().name(name).command(command).finalizer(true).build();
  }

  /** An {@link #ephemeral()} process: does not hold the task's end. */
  public static ProcessConfig ephemeral(String name, String command) {
    return builder().name(name).command(command).ephemeral(true).build();
  }
}
