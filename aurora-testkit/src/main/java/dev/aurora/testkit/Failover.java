package dev.aurora.testkit;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Wrappers for simulating a scheduler failover in one JVM: closing a scheduler closes its backend and
 * storage, so a second scheduler that should find them as they were gets them through these, whose
 * {@code close()} does nothing.
 */
public final class Failover {
  private Failover() {}

  /** {@code backend}, except that closing it leaves it running (tasks keep running, as on Mesos). */
  public static ClusterBackend keepRunning(ClusterBackend backend) {
    return new KeepRunning(backend);
  }

  /** {@code storage}, except that closing it leaves it open. */
  public static Storage keepOpen(Storage storage) {
    return new KeepOpen(storage);
  }

  private record KeepRunning(ClusterBackend backend) implements ClusterBackend {
    @Override
    public void start(BackendListener listener) {
      backend.start(listener);
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      backend.launch(offerIds, tasks);
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      backend.decline(offerId, refuseFor);
    }

    @Override
    public void kill(TaskId taskId) {
      backend.kill(taskId);
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      backend.reconcile(known);
    }

    @Override
    public java.util.Optional<String> cannotRun(dev.aurora.api.TaskConfig config) {
      return backend.cannotRun(config);
    }

    @Override
    public void close() {}
  }

  private record KeepOpen(Storage storage) implements Storage {
    @Override
    public Stored recover() {
      return storage.recover();
    }

    @Override
    public void append(List<Op> ops) {
      storage.append(ops);
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      storage.snapshot(snapshot);
    }

    @Override
    public void close() {}
  }
}
