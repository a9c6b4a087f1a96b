package dev.aurora.benchmarks;

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
 * W1 place-all: an empty cluster, then every job at once; one invocation places everything. For our
 * engine the timed part runs the state loop until every task is ASSIGNED or found unplaceable (every
 * pass, launch and re-offer done); for Fenzo it is the scheduling calls (by default each with every
 * pending task, as Fenzo's docs advise: {@link FenzoHarness#placeAllPending}) with the task-assigner
 * calls and re-offers, stopped after {@code fenzoBudgetSeconds} if not done.
 *
 * <p>With {@code warmAgents} above 0 the warm-up iterations run a smaller W1 ({@code warmAgents},
 * {@code warmJobs}, {@code warmRacks}) and only the measured ones the full workload: the same warm-up
 * for every engine, affordable for Fenzo, whose one W1 at 10,000 agents takes minutes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W1PlaceAll {
  @Param({"aurora", "fenzo", "fenzo-full-search"})
  public String engine;

  @Param({"10000"})
  public int agents;

  @Param({"100"})
  public int racks;

  @Param({"1000"})
  public int jobs;

  @Param({"20"})
  public double fenzoBudgetSeconds;

  /**
   * Tasks per Fenzo scheduling call (the time budget is checked between calls); 0, the default: every
   * pending task in each call, as Fenzo's docs advise.
   */
  @Param({"0"})
  public int fenzoBatch;

  /** Agents of the warm-up iterations' workload; 0: warm up on the measured workload itself. */
  @Param({"0"})
  public int warmAgents;

  @Param({"0"})
  public int warmJobs;

  @Param({"0"})
  public int warmRacks;

  /** The name results are recorded under (W1, or W1-small for the run both engines finish). */
  @Param({"W1"})
  public String label;

  private Workload workload;
  private Workload warmWorkload;
  private AuroraHarness aurora;
  private FenzoHarness fenzo;
  private Outcome outcome;
  private long placeNanos;
  private boolean measuring;

  @Setup(Level.Trial)
  public void workload() {
    workload = Workload.w1InRacks(agents, racks, jobs, 100, 42);
    warmWorkload = warmAgents > 0 ? Workload.w1InRacks(warmAgents, warmRacks, warmJobs, 100, 42) : workload;
  }

  @Setup(Level.Iteration)
  public void cluster(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
    Workload w = measuring ? workload : warmWorkload;
    if (engine.equals("aurora")) {
      aurora = new AuroraHarness(w);
      aurora.createJobs();
    } else {
      fenzo = new FenzoHarness(w, engine.equals("fenzo"));
    }
    System.gc();
  }

  private long allocated;

  @Benchmark
  public long place() {
    long before = Alloc.current();
    try {
      return placeTimed();
    } finally {
      allocated = Alloc.current() - before;
    }
  }

  private long placeTimed() {
    if (aurora != null) {
      placeNanos = aurora.runUntilPlaced();
    } else {
      long budget = (long) (fenzoBudgetSeconds * 1e9);
      outcome = fenzoBatch > 0 ? fenzo.placeAll(budget, fenzoBatch) : fenzo.placeAllPending(budget);
      placeNanos = outcome.nanos;
    }
    return placeNanos;
  }

  @TearDown(Level.Iteration)
  public void record() {
    if (aurora != null) {
      outcome = aurora.outcome(placeNanos);
      aurora.close();
      aurora = null;
    } else {
      if (measuring) {
        Results.record(label, engine, "fenzoCalls", fenzo.calls());
      }
      fenzo.close();
      fenzo = null;
    }
    if (measuring) {
      PlacementAudit.Report audit = PlacementAudit.check(outcome);
      Results.record(label, engine, "tasksPerSecond", outcome.tasksPerSecond());
      Results.record(label, engine, "placed", outcome.placed());
      Results.record(label, engine, "tried", outcome.triedCount());
      Results.record(label, engine, "tasks", outcome.agentOf.length);
      Results.record(label, engine, "seconds", outcome.seconds());
      Results.record(label, engine, "cpuAllocation", outcome.cpuAllocation());
      Results.record(label, engine, "ramAllocation", outcome.ramAllocation());
      Results.record(label, engine, "violations", audit.violations().size());
      Results.record(label, engine, "placeableLeftPending", audit.placeableLeftPending());
      Results.record(label, engine, "agents", agents);
      Results.record(label, engine, "hostsUsed", outcome.hostsUsed());
      // the manual loop runs everything on this thread; Fenzo's calls too (it may use more threads)
      Results.record(label, engine, "allocatedBytesPerTask", allocated / (double) Math.max(1, outcome.placed()));
      Results.record(label, engine, "placeable", workload.placeableTaskCount());
      for (String v : audit.violations().subList(0, Math.min(5, audit.violations().size()))) {
        System.err.println("PLACEMENT AUDIT VIOLATION (" + label + ", " + engine + "): " + v);
      }
    }
    outcome = null;
  }
}
