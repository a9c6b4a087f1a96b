package dev.aurora.benchmarks;

import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerBuilder;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import dev.aurora.core.StateLoop;

/**
 * Our engine on a workload, measured through the public {@link Scheduler}: a {@link SimulatedCluster}
 * (zero start and run delays) on a {@link ManualStateLoop} and {@link FakeClock}, with in-memory
 * storage. Every timed step runs the whole path: state machine, storage ops, placement, launch, and the
 * cluster's STARTING and RUNNING reports.
 */
public final class AuroraHarness implements AutoCloseable {
  public static final Principal BENCH = Principal.of("bench");

  public final Workload workload;
  public final FakeClock clock = FakeClock.startingAtEpoch2026();
  public final ManualStateLoop loop = new ManualStateLoop(clock);
  public final ClusterBackend backend;
  public final SimulatedCluster cluster;
  public final Storage storage = Storage.inMemory();
  private final Consumer<SchedulerBuilder> customizer;
  private Scheduler scheduler;

  /** A harness on a simulated cluster of the workload's agents, with the scheduler started. */
  public AuroraHarness(Workload w) {
    this(w, null, b -> { });
  }

  /**
   * A harness on the backend {@code backend} makes for the loop (a {@link SimulatedCluster} of the
   * workload's agents if null), with the scheduler started and the first offers taken in.
   */
  public AuroraHarness(Workload w, Function<StateLoop, ClusterBackend> backend,
      Consumer<SchedulerBuilder> customizer) {
    this.workload = w;
    this.customizer = customizer;
    if (backend == null) {
      this.cluster = SimulatedCluster.builder(new TimerProbe(loop, this)).agents(w.agents)
          .attributes(i -> Map.of("host", w.hostname(i), "rack", w.rack(i), "zone", w.zone(i)))
          .resources(w.agentCpus, w.agentRamMb, w.agentDiskMb, 0).ports(w.portBase, w.portCount)
          .delays(Duration.ZERO, Duration.ZERO).build();
      this.backend = cluster;
    } else {
      this.cluster = null;
      this.backend = backend.apply(loop);
    }
    this.scheduler = newScheduler();
    scheduler.start();
    loop.runUntilIdle();
  }

  private Scheduler newScheduler() {
    SchedulerBuilder b = Scheduler.builder().backend(dev.aurora.testkit.Failover.keepRunning(backend)).storage(dev.aurora.testkit.Failover.keepOpen(storage))
        .clock(clock).loop(loop).randomSeed(7)
        // offers stay held while the fake clock moves (a churn benchmark advances it past flapping)
        .offerHold(Duration.ofDays(1));
    customizer.accept(b);
    return b.build();
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  /** Creates every job of the workload (the tasks become PENDING; nothing is placed yet). */
  public void createJobs() {
    createJobs(workload.jobs);
  }

  public void createJobs(List<JobConfig> jobs) {
    for (JobConfig j : jobs) {
      scheduler.createJob(j, BENCH);
    }
  }

  private long firstTimerAt;

  /** Runs the loop until idle; returns the wall time it took in nanoseconds. */
  public long runUntilIdle() {
    long t0 = System.nanoTime();
    loop.runUntilIdle();
    return System.nanoTime() - t0;
  }

  /**
   * Runs the loop until idle and returns the wall time until every task was ASSIGNED or found
   * unplaceable: until the loop first ran a cluster timer. The manual loop runs timers only once no work
   * is queued, so by then every placement pass, launch and re-offer has run; what follows (the cluster's
   * zero-delay STARTING and RUNNING reports) is not counted. {@link #lastIdleNanos()} has the whole run.
   */
  public long runUntilPlaced() {
    firstTimerAt = 0;
    long t0 = System.nanoTime();
    loop.runUntilIdle();
    lastIdleNanos = System.nanoTime() - t0;
    lastPlacedAt = firstTimerAt == 0 ? t0 + lastIdleNanos : firstTimerAt;
    return (firstTimerAt == 0 ? t0 + lastIdleNanos : firstTimerAt) - t0;
  }

  private long lastIdleNanos;
  private long lastPlacedAt;

  /** The {@link System#nanoTime()} at which the last {@link #runUntilPlaced()} had everything placed. */
  public long lastPlacedAt() {
    return lastPlacedAt;
  }

  /** The wall time of the last {@link #runUntilPlaced()} until the loop was idle (tasks RUNNING). */
  public long lastIdleNanos() {
    return lastIdleNanos;
  }

  /** The cluster's view of the loop: its timers note when the first of them runs. */
  private static final class TimerProbe implements dev.aurora.core.StateLoop {
    private final ManualStateLoop loop;
    private final AuroraHarness harness;

    TimerProbe(ManualStateLoop loop, AuroraHarness harness) {
      this.loop = loop;
      this.harness = harness;
    }

    @Override
    public java.time.Clock clock() {
      return loop.clock();
    }

    @Override
    public void execute(Runnable work) {
      loop.execute(work);
    }

    @Override
    public Timer schedule(Duration delay, Runnable work) {
      return loop.schedule(delay, () -> {
        if (harness.firstTimerAt == 0) {
          harness.firstTimerAt = System.nanoTime();
        }
        work.run();
      });
    }

    @Override
    public boolean inLoop() {
      return true;
    }

    @Override
    public void start() {}

    @Override
    public void stop() {}

    @Override
    public int queueDepth() {
      return loop.queueDepth();
    }
  }

  /**
   * Stops the scheduler and starts a new one on the same storage and backend (a failover); returns the
   * wall time of {@code start()} and of the loop running until idle after it, in nanoseconds.
   */
  public long restart() {
    scheduler.close();
    scheduler = null;
    Scheduler next = newScheduler();
    long t0 = System.nanoTime();
    next.start();
    loop.runUntilIdle();
    long took = System.nanoTime() - t0;
    scheduler = next;
    return took;
  }

  /** Where the scheduler put each task of the workload's jobs (placed = ASSIGNED, STARTING or RUNNING). */
  public Outcome outcome(long nanos) {
    return outcomeOf(scheduler, workload, nanos);
  }

  /** Where {@code scheduler} put each task of the workload's jobs, as {@link #outcome(long)}. */
  public static Outcome outcomeOf(Scheduler scheduler, Workload workload, long nanos) {
    Outcome o = new Outcome("aurora", workload);
    o.nanos = nanos;
    Map<String, Integer> jobIndex = new HashMap<>();
    for (int j = 0; j < workload.jobs.size(); j++) {
      jobIndex.put(workload.jobs.get(j).key().toString(), j);
    }
    int inst = o.instances();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all())) {
      Integer j = jobIndex.get(t.job().toString());
      if (j == null || t.status().isTerminal()) {
        continue;
      }
      int idx = j * inst + t.instance();
      o.tried[idx] = true;
      ScheduleStatus s = t.status();
      if (s == ScheduleStatus.ASSIGNED || s == ScheduleStatus.STARTING || s == ScheduleStatus.RUNNING) {
        o.agentOf[idx] = workload.agentOfHost(t.host().orElseThrow());
        o.portOf[idx] = t.ports().getOrDefault("http", -1);
      }
    }
    return o;
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.close();
    }
  }
}
