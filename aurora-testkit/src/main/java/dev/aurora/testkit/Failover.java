package dev.aurora.testkit;

import dev.aurora.core.ClusterBackend;
import dev.aurora.core.ForwardingClusterBackend;
import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import java.util.List;

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

  private static final class KeepRunning extends ForwardingClusterBackend {
    private final ClusterBackend backend;

    KeepRunning(ClusterBackend backend) {
      this.backend = backend;
    }

    @Override
    protected ClusterBackend delegate() {
      return backend;
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
