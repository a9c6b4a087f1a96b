package dev.aurora.benchmarks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
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
 * W3 scale: 20,000 agents and 1,000,000 tasks (10,000 jobs of 100, W1's constraint mix, small sizes)
 * held by one scheduler on a {@link LeanCluster}. The timed part places every task and runs the loop
 * until idle (the tasks are RUNNING). Then: retained heap per task (heap used after several GCs, with
 * the scheduler and its in-memory storage, less heap used before either existed, over the task count),
 * and recovery: a new scheduler's {@code start()} on the same storage, with the loop run until idle
 * (recover, reconcile every task, take the offers, one placement pass).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W3Scale {
  @Param({"20000"})
  public int agents;

  @Param({"10000"})
  public int jobs;

  private Workload workload;
  private SimpleMeterRegistry registry;
  private AuroraHarness aurora;
  private long baseline;
  private boolean measuring;

  @Setup(Level.Iteration)
  public void jobs(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
    workload = Workload.w3(agents, jobs, 100, 45);
    baseline = usedHeapAfterGc();
    registry = new SimpleMeterRegistry();
    aurora = new AuroraHarness(workload, loop -> new LeanCluster(workload, loop), b -> b.meterRegistry(registry));
    aurora.createJobs();
  }

  private long placeNanos;

  @Benchmark
  public long placeMillion() {
    placeNanos = aurora.runUntilIdle();
    return placeNanos;
  }

  @TearDown(Level.Iteration)
  public void measure() {
    if (!measuring) {
      aurora.close();
      aurora = null;
      return;
    }
    double tasks = running();
    long after = usedHeapAfterGc();
    Results.record("W3", "aurora", "tasksRunning", tasks);
    Results.record("W3", "aurora", "seconds", placeNanos / 1e9);
    Results.record("W3", "aurora", "retainedBytesPerTask", (after - baseline) / (double) workload.taskCount());
    long recover = aurora.restart();
    Results.record("W3", "aurora", "recoverySeconds", recover / 1e9);
    double again = running();
    Results.record("W3", "aurora", "tasksRunningAfterRecovery", again);
    aurora.close();
    aurora = null;
  }

  /** RUNNING tasks, from the scheduler's gauge (a task query would sort a million tasks). */
  private double running() {
    return registry.get("aurora.tasks").tag("state", "RUNNING").gauge().value();
  }

  static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
