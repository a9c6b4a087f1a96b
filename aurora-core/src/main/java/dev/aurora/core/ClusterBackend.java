package dev.aurora.core;

import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where tasks really run: the local machine, a Mesos cluster, or a simulated cluster. The scheduler
 * never knows which. A backend offers resources, launches and kills tasks, reports their status and
 * the loss of agents, and answers reconciliation.
 *
 * <p>Every implementation should pass the testkit's {@code ClusterBackendContract}.
 */
public interface ClusterBackend extends AutoCloseable {

  /** Starts the backend; from now on it reports through {@code listener}, on any thread. */
  void start(BackendListener listener);

  /**
   * Launches {@code tasks} on one agent with resources from {@code offerIds} (all offers of that
   * agent). Resources of the offers that the tasks do not use return to the backend, which offers them
   * again. If an offer is no longer valid the backend reports each task {@link ScheduleStatus#LOST}.
   */
  void launch(List<String> offerIds, List<TaskLaunch> tasks);

  /** Declines an offer; the backend should not offer the same resources again for {@code refuseFor}. */
  void decline(String offerId, Duration refuseFor);

  /**
   * Kills a task. The backend reports a terminal status when it is gone; killing a task it does not
   * know reports it {@link ScheduleStatus#LOST}.
   */
  void kill(TaskId taskId);

  /**
   * Asks the backend what it runs: it reports the current status of every task it runs (known to the
   * scheduler or not) and {@link ScheduleStatus#LOST} for each of {@code known} that it does not run.
   */
  void reconcile(Set<TaskId> known);

  /**
   * Why this backend cannot run tasks of {@code config} at all, or empty if it can (the default). A
   * backend that cannot honour part of a config (a {@link TaskConfig#container() container} without a
   * container runtime, say) says so here instead of ignoring it: the scheduler then never places such
   * a task, which stays PENDING with this reason in {@link Scheduler#whyPending}. Called on the
   * scheduler's state loop, often: keep it fast and the answer the same for the same config.
   */
  default Optional<String> cannotRun(TaskConfig config) {
    return Optional.empty();
  }

  /**
   * Where the output of this backend's tasks can be read, if it keeps any (the local backend does, in
   * each task's sandbox); empty by default.
   */
  default Optional<TaskOutput> taskOutput() {
    return Optional.empty();
  }

  /**
   * Whether the scheduler has work waiting for resources: {@code true} when some task is PENDING,
   * {@code false} when none is. Called after the change is stored, on the transitions only (never once
   * per placement pass), the first time after {@link #start} if nothing is pending then; a backend
   * starts as if told {@code true}. A backend that can stop and resume its offers (Mesos's SUPPRESS and
   * REVIVE) does so here; the default ignores it, which is always safe.
   */
  default void demand(boolean anythingPending) {}

  /**
   * Stops reporting and releases what the backend holds. Whether launched tasks go on is the
   * backend's to say: the local backend stops every process it started; a Mesos backend leaves tasks
   * running for the next scheduler to reconcile. After {@code close} returns the backend reports
   * nothing more.
   */
  @Override
  void close();
}
