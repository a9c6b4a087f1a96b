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
    aurora = new AuroraHarness(w, loop -> lean = new LeanCluster(w, loop), b -> b.meterRegistry(registry));
    aurora.createJobs();
    aurora.runUntilIdle();
  }

  @Setup(Level.Iteration)
  public void running(IterationParams params) {
    measuring = params != null && params.getType() == IterationType.MEASUREMENT;
    aurora.loop.advance(Duration.ofMinutes(6)); // the tasks ran long enough: ending is not flapping
    running = aurora.scheduler().tasks(TaskQuery.all().states(ScheduleStatus.RUNNING));
    updatesBefore = updates();
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
    if (measuring) {
      Results.record("W4", "aurora", "statusUpdatesPerSecond", n / (nanos / 1e9));
      Results.record("W4", "aurora", "statusUpdates", n);
      Results.record("W4", "aurora", "nanos", nanos);
      Results.record("W4", "aurora", "tasks", running.size());
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    aurora.close();
  }

  private double updates() {
    return registry.get("aurora.status.updates").counter().count();
  }
}
