package dev.aurora.benchmarks;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.Veto;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
 * W5 stuck groups behind a user filter: 10,000 agents (W1's cluster), 100 jobs of W1's mix of which 5%
 * can never be placed (a constraint {@code zone} not in any existing value, which cannot narrow the agents
 * to judge), and a user {@link PlacementFilter} that never vetoes. Each invocation restarts 200 running
 * tasks one after the other (each ends and is replaced); the figures are the mean placement pass time
 * (the scheduler's {@code aurora.placement.pass} timer) and the wall time of the 200 restarts. A pass
 * that trusts its record of stuck groups skips them; one that does not judges every agent for each.
 *
 * <p>{@code filter}: {@code lambda} is a plain lambda, undeclared, so {@link PlacementFilter.Kind#EXTERNAL}:
 * every pass judges the stuck groups again; {@code static} is the same lambda declared with {@link
 * PlacementFilter#ofStatic}, which lets passes skip them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W5StuckGroups {
  @Param({"lambda", "static"})
  public String filter;

  @Param({"10000"})
  public int agents;

  @Param({"100"})
  public int jobs;

  @Param({"0.05"})
  public double stuckShare;

  @Param({"200"})
  public int restarts;

  private AuroraHarness aurora;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Random random = new Random(45);
  private boolean measuring;
  private long[] latencies;
  private long roundNanos;
  private long passCount;
  private double passNanos;

  @Setup(Level.Trial)
  public void fill() {
    Workload w1 = Workload.w1(agents, jobs, 20, 46);
    int stuck = (int) Math.round(jobs * stuckShare);
    List<JobConfig> all = new ArrayList<>(w1.jobs.subList(0, jobs - stuck));
    String[] zones = new String[w1.zones];
    for (int z = 0; z < zones.length; z++) {
      zones[z] = "z" + z;
    }
    for (int i = 0; i < stuck; i++) {
      all.add(Job.service(String.format("bench/prod/stuck-%03d", i)).instances(20)
          .task(t -> t.process("server", "./server").cpus(1).ramMb(1024).diskMb(1024))
          .constraint(Constraint.notValue("zone", zones)).build());
    }
    PlacementFilter never = neverVetoes(filter);
    aurora = new AuroraHarness(w1, null, b -> b.meterRegistry(registry).placement(p -> p.addFilter(never)));
    aurora.createJobs(all);
    aurora.runUntilIdle();
    aurora.loop.advance(Duration.ofMinutes(6)); // past the flapping threshold: ends are not flaps
  }

  /** The user filter: never vetoes; declared static for {@code static}, undeclared for {@code lambda}. */
  static PlacementFilter neverVetoes(String kind) {
    PlacementFilter f = (task, agent) -> Veto.none();
    return kind.equals("static") ? PlacementFilter.ofStatic(f) : f;
  }

  @Setup(Level.Iteration)
  public void round(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @Benchmark
  public long restartTasks() {
    List<TaskId> running = new ArrayList<>();
    for (ScheduledTask t : aurora.scheduler().tasks(TaskQuery.all().states(ScheduleStatus.RUNNING))) {
      running.add(t.id());
    }
    Timer pass = registry.timer("aurora.placement.pass");
    long count0 = pass.count();
    double total0 = pass.totalTime(TimeUnit.NANOSECONDS);
    latencies = new long[restarts];
    long start = System.nanoTime();
    for (int i = 0; i < restarts; i++) {
      TaskId id = running.remove(random.nextInt(running.size()));
      long t0 = System.nanoTime();
      aurora.cluster.killTask(id);
      aurora.runUntilPlaced();
      latencies[i] = aurora.lastPlacedAt() - t0;
    }
    roundNanos = System.nanoTime() - start;
    passCount = pass.count() - count0;
    passNanos = pass.totalTime(TimeUnit.NANOSECONDS) - total0;
    return roundNanos;
  }

  @TearDown(Level.Iteration)
  public void record() {
    aurora.runUntilIdle();
    if (!measuring) {
      return;
    }
    long[] l = latencies.clone();
    Arrays.sort(l);
    Results.record("W5", filter, "restartsMillis", roundNanos / 1e6);
    Results.record("W5", filter, "p50Millis", l[l.length / 2] / 1e6);
    Results.record("W5", filter, "passes", passCount);
    Results.record("W5", filter, "passMicros", passCount == 0 ? Double.NaN : passNanos / passCount / 1e3);
  }

  @TearDown(Level.Trial)
  public void close() {
    aurora.close();
  }
}
