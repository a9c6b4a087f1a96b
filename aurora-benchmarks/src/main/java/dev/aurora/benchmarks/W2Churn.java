package dev.aurora.benchmarks;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskQuery;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
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
 * W2 churn: W1's cluster filled with W1's mix to 80% of its cpus; each invocation is a round in which
 * 1% of the placed tasks end, one after the other, and each must be replaced. A task's latency is the
 * wall time from its end being reported to its replacement being ASSIGNED (for our engine: the state
 * loop runs KILLED, the replacement, the placement pass and the launch; for Fenzo: the task unassigner,
 * the re-offer and one scheduling call for the replacement). Both engines start from the same cluster:
 * Fenzo takes on the placements our engine made while filling it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W2Churn {
  @Param({"aurora", "fenzo", "fenzo-full-search"})
  public String engine;

  @Param({"10000"})
  public int agents;

  /** Share of the placed tasks that end each round. */
  @Param({"0.01"})
  public double churn;

  /** A round of Fenzo stops after this much wall time (it is slow per task). */
  @Param({"20"})
  public double fenzoBudgetSeconds;

  private AuroraHarness aurora;
  private FenzoHarness fenzo;
  private Outcome state;
  private final Random random = new Random(44);
  private long[] latencies;
  private int samples;
  private long roundNanos;
  private boolean measuring;

  @Setup(Level.Trial)
  public void fill() {
    Workload w = Workload.filled(agents, 0.8, 100, 43);
    aurora = new AuroraHarness(w);
    aurora.createJobs();
    aurora.runUntilIdle();
    aurora.loop.advance(Duration.ofMinutes(6)); // past the flapping threshold: ends are not flaps
    state = aurora.outcome(0);
    if (!engine.equals("aurora")) {
      fenzo = new FenzoHarness(w, engine.equals("fenzo"));
      state = fenzo.adopt(state);
      aurora.close();
      aurora = null;
    }
    Results.record("W2", engine, "cpuAllocationAtStart", state.cpuAllocation());
  }

  @Setup(Level.Iteration)
  public void round(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @Benchmark
  public long replaceOnePercent() {
    int[] placed = placedSlots();
    int n = (int) Math.round(placed.length * churn);
    latencies = new long[n];
    samples = 0;
    long budget = (long) (fenzoBudgetSeconds * 1e9);
    long start = System.nanoTime();
    if (aurora != null) {
      Map<Integer, TaskId> running = runningBySlot();
      for (int i = 0; i < n; i++) {
        int slot = placed[random.nextInt(placed.length)];
        TaskId id = running.remove(slot);
        if (id == null) {
          continue;
        }
        long t0 = System.nanoTime();
        aurora.cluster.killTask(id);
        aurora.runUntilPlaced();
        latencies[samples++] = aurora.lastPlacedAt() - t0;
      }
    } else {
      for (int i = 0; i < n && System.nanoTime() - start < budget; i++) {
        int slot = placed[random.nextInt(placed.length)];
        if (state.agentOf[slot] < 0) {
          continue;
        }
        long t0 = System.nanoTime();
        fenzo.replace(slot, state);
        latencies[samples++] = System.nanoTime() - t0;
      }
    }
    roundNanos = System.nanoTime() - start;
    return roundNanos;
  }

  @TearDown(Level.Iteration)
  public void record() {
    if (aurora != null) {
      state = aurora.outcome(0);
    }
    if (!measuring || samples == 0) {
      return;
    }
    long[] l = Arrays.copyOf(latencies, samples);
    Arrays.sort(l);
    Results.record("W2", engine, "p50Millis", l[(int) Math.floor(0.50 * (l.length - 1))] / 1e6);
    Results.record("W2", engine, "p99Millis", l[(int) Math.floor(0.99 * (l.length - 1))] / 1e6);
    Results.record("W2", engine, "maxMillis", l[l.length - 1] / 1e6);
    Results.record("W2", engine, "tasksPerSecond", samples / (roundNanos / 1e9));
    Results.record("W2", engine, "replaced", samples);
    Results.record("W2", engine, "cpuAllocation", state.cpuAllocation());
    Results.record("W2", engine, "violations", PlacementAudit.check(state).violations().size());
  }

  @TearDown(Level.Trial)
  public void close() {
    if (aurora != null) {
      aurora.close();
    }
    if (fenzo != null) {
      fenzo.close();
    }
  }

  private int[] placedSlots() {
    int[] slots = new int[state.agentOf.length];
    int n = 0;
    for (int t = 0; t < state.agentOf.length; t++) {
      if (state.agentOf[t] >= 0) {
        slots[n++] = t;
      }
    }
    return Arrays.copyOf(slots, n);
  }

  private Map<Integer, TaskId> runningBySlot() {
    Map<String, Integer> jobIndex = new HashMap<>();
    for (int j = 0; j < state.workload.jobs.size(); j++) {
      JobConfig job = state.workload.jobs.get(j);
      jobIndex.put(job.key().toString(), j);
    }
    Map<Integer, TaskId> bySlot = new HashMap<>();
    int inst = state.instances();
    for (ScheduledTask t : aurora.scheduler().tasks(TaskQuery.all().states(ScheduleStatus.RUNNING))) {
      bySlot.put(jobIndex.get(t.job().toString()) * inst + t.instance(), t.id());
    }
    return bySlot;
  }
}
