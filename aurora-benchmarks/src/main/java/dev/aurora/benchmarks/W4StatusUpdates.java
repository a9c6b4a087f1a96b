package dev.aurora.benchmarks;

import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskQuery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * W4 status updates: the RUNNING service tasks of {@code jobs} jobs of 100 on W1's cluster (in-memory
 * storage), on a {@link LeanCluster} so that the time is the scheduler's, not a simulator's. Each
 * invocation finishes every one of them; the reports reach the scheduler through its {@code
 * BackendListener}: FINISHED, then for the replacement (created, placed, launched) STARTING and
 * RUNNING. The figure is status updates the scheduler took in per second of the whole cycle,
 * replacement and placement included; each measured iteration is recorded, and the table gives the
 * sustained rate: all measured updates over all measured time, garbage collection included.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W4StatusUpdates {
  @Param({"10000"})
  public int agents;

  @Param({"200"})
  public int jobs;

  /** {@code memory}, or {@code file}: the file log with fsync on (its figures under W4-file). */
  @Param({"memory"})
  public String storage;

  /**
   * Ops between snapshots; 0 keeps the scheduler's default (100,000, about one snapshot per iteration
   * here). A larger value shows what the snapshots cost (their share of the durable figure).
   */
  @Param({"0"})
  public int snapshotEveryOps;

  private java.nio.file.Path dir;
  private Counting.Store store;

  private AuroraHarness aurora;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private LeanCluster lean;
  private List<ScheduledTask> running;
  private double updatesBefore;
  private long nanos;
  private boolean measuring;

  @Setup(Level.Trial)
  public void cluster() {
    Workload w = Workload.w1(agents, jobs, 100, 46);
    java.util.function.Consumer<dev.aurora.core.SchedulerBuilder> storageOf = b -> { };
    if (storage.startsWith("file")) {
      try {
        dir = java.nio.file.Files.createTempDirectory("aurora-w4");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      store = new Counting.Store(dev.aurora.core.FileLogStorage.builder(dir).fsync(storage.equals("file")).build());
      Counting.Store s = store;
      storageOf = b -> b.storage(s);
    }
    java.util.function.Consumer<dev.aurora.core.SchedulerBuilder> withStorage = storageOf;
    aurora = new AuroraHarness(w, loop -> lean = new LeanCluster(w, loop), b -> {
      withStorage.accept(b.meterRegistry(registry));
      if (snapshotEveryOps > 0) {
        b.snapshotEvery(snapshotEveryOps);
      }
    });
    aurora.createJobs();
    aurora.runUntilIdle();
  }

  @Setup(Level.Iteration)
  public void running(IterationParams params) {
    measuring = params != null && params.getType() == IterationType.MEASUREMENT;
    aurora.loop.advance(Duration.ofMinutes(6)); // the tasks ran long enough: ending is not flapping
    running = aurora.scheduler().tasks(TaskQuery.all().states(ScheduleStatus.RUNNING));
    updatesBefore = updates();
    if (store != null) {
      store.reset();
    }
  }

  @Benchmark
  public long finishAll() {
    long t0 = System.nanoTime();
    for (ScheduledTask t : running) {
      lean.finish(t);
    }
    aurora.loop.runUntilIdle();
    nanos = System.nanoTime() - t0;
    return nanos;
  }

  @TearDown(Level.Iteration)
  public void record() {
    double n = updates() - updatesBefore;
    String label = storage.equals("memory") ? "W4" : "W4-" + storage;
    if (measuring) {
      Results.record(label, "aurora", "statusUpdatesPerSecond", n / (nanos / 1e9));
      Results.record(label, "aurora", "statusUpdates", n);
      Results.record(label, "aurora", "nanos", nanos);
      Results.record(label, "aurora", "tasks", running.size());
      if (store != null) {
        Results.record(label, "aurora", "opsPerAppend", store.ops.get() / (double) Math.max(1, store.appends.get()));
        Results.record(label, "aurora", "appendsPerSecond", store.appends.get() / (nanos / 1e9));
        // load-independent: what one status update costs the disk (each append is one fsync)
        Results.record(label, "aurora", "opsPerUpdate", store.ops.get() / n);
        Results.record(label, "aurora", "logBytesPerUpdate", store.logBytes.get() / n);
        Results.record(label, "aurora", "appendsPerUpdate", store.appends.get() / n);
        Results.record(label, "aurora", "snapshots", store.snapshots.get());
        Results.record(label, "aurora", "snapshotBytesPerUpdate", store.snapshotBytes.get() / n);
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() throws java.io.IOException {
    aurora.close();
    if (dir != null) {
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private double updates() {
    return registry.get("aurora.status.updates").counter().count();
  }
}
