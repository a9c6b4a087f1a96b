package dev.aurora.benchmarks;

import dev.aurora.api.JobConfig;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.testkit.SimulatedCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W1 on the production loop ({@link StateLoop#singleThread} on the system clock), as an application
 * runs it: the benchmark thread creates the 1,000 jobs one after the other with {@code createJob}
 * while the loop thread already places what was created. The clock runs from the first {@code
 * createJob} call to the launch of the last placeable task (every task the workload's constraints let
 * be placed: {@link Workload#placeableTaskCount}), so it includes job creation (validation, storage
 * append, task creation), every placement pass and the launches into the backend; it does not include
 * starting the scheduler or the cluster's STARTING and RUNNING reports (the simulated cluster reports
 * them after a day, i.e. never during the measurement).
 *
 * <p>Every iteration is a new scheduler, loop and cluster in the same JVM. The iterations are all
 * measured (JMH warm-up 0) and recorded by number: the first is the cold figure (a fresh JVM, first
 * run: {@code coldTasksPerSecond}), those after {@link #warmups} the warm ones ({@code tasksPerSecond}).
 * {@code storage}: {@code memory}, {@code file} (file log, fsync on) or {@code file-nofsync}.
 *
 * <p>Run through JMH's own main, its fork gets the harness's JVM flags ({@link BenchmarkMain#JVM_FLAGS}:
 * a 6 GiB heap and the parallel collector) unless {@code -jvmArgs} says otherwise. With the JVM's default
 * collector (G1, and a heap of a quarter of the machine's memory) a young collection of ~130 ms falls
 * inside a warm run and G1's write barriers cost the loop more: see docs/performance.md.
 */
@State(Scope.Benchmark)
@Fork(jvmArgs = {BenchmarkMain.XMS, BenchmarkMain.XMX, BenchmarkMain.GC})
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class W1ProductionLoop {
  @Param({"10000"})
  public int agents;

  @Param({"100"})
  public int racks;

  @Param({"1000"})
  public int jobs;

  /** {@code simulated} (the testkit's cluster, offers kept in the core's OfferBook) or {@code lean}. */
  @Param({"simulated"})
  public String backend;

  @Param({"memory"})
  public String storage;

  /** Iterations after the first that count as warm-up (neither cold nor warm). */
  @Param({"6"})
  public int warmups;

  /** How long to wait for the last placeable task's launch. */
  @Param({"60"})
  public int awaitSeconds;

  /**
   * How the benchmark thread creates the jobs: {@code each} (one {@code createJob} per job, the
   * figures under the label itself), {@code batch} (one {@code createJobs} of all the jobs) or {@code
   * batchN}, e.g. {@code batch100} ({@code createJobs} of N jobs at a time); a batch's figures are
   * recorded under the label followed by {@code -batch} or {@code -batchN}.
   */
  @Param({"each"})
  public String create;

  @Param({"W1-loop"})
  public String label;

  /**
   * The scheduler's {@link dev.aurora.core.SchedulerBuilder#minPassInterval minimum pass interval} in
   * milliseconds (0, the default: a pass asked for runs at once); figures with one are recorded under the
   * label followed by {@code -intervalNms}.
   */
  @Param({"0"})
  public int passIntervalMs;

  /**
   * The label figures are recorded under: {@link #label}, followed by {@code -}{@link #create} for batches
   * and by {@code -interval}N{@code ms} with a pass interval.
   */
  private String key() {
    String key = create.equals("each") ? label : label + "-" + create;
    return passIntervalMs == 0 ? key : key + "-interval" + passIntervalMs + "ms";
  }

  /** Jobs per createJobs call: 0 for one createJob per job. */
  private int batchSize() {
    if (create.equals("each")) {
      return 0;
    }
    if (create.equals("batch")) {
      return Integer.MAX_VALUE;
    }
    if (create.startsWith("batch")) {
      return Integer.parseInt(create.substring("batch".length()));
    }
    throw new IllegalArgumentException("create: each, batch or batchN (e.g. batch100), was " + create);
  }

  private Workload workload;
  private int placeable;
  private int iteration;
  private StateLoop loop;
  private Counting.Backend counted;
  private Counting.Store store;
  private Scheduler scheduler;
  private Path dir;
  private long nanos;
  private long createNanos;

  @Setup(Level.Trial)
  public void workload() {
    workload = Workload.w1InRacks(agents, racks, jobs, 100, 42);
    placeable = workload.placeableTaskCount();
  }

  @Setup(Level.Iteration)
  public void cluster() throws Exception {
    iteration++;
    Clock clock = Clock.systemUTC();
    loop = StateLoop.singleThread(clock);
    Workload w = workload;
    ClusterBackend b = backend.equals("lean") ? new LeanCluster(w, loop)
        : SimulatedCluster.builder(loop).agents(w.agents)
            .attributes(i -> Map.of("host", w.hostname(i), "rack", w.rack(i), "zone", w.zone(i)))
            .resources(w.agentCpus, w.agentRamMb, w.agentDiskMb, 0).ports(w.portBase, w.portCount)
            .delays(Duration.ofDays(1), Duration.ofDays(1)).build();
    counted = new Counting.Backend(b);
    Storage s = Storage.inMemory();
    if (storage.startsWith("file")) {
      dir = Files.createTempDirectory("aurora-w1-loop");
      s = FileLogStorage.builder(dir).fsync(storage.equals("file")).build();
    }
    store = new Counting.Store(s);
    scheduler = Scheduler.builder().backend(counted).storage(store).clock(clock).loop(loop).randomSeed(7)
        .offerHold(Duration.ofDays(1)).minPassInterval(Duration.ofMillis(passIntervalMs)).build();
    scheduler.start();
    Loops.idle(loop, 3); // the first offers are in
    loopThread = Loops.threadId(loop);
    System.gc();
  }

  private long loopThread;
  private long allocated;
  private long loopCpuNanos;
  private long clientCpuNanos;

  @Benchmark
  public long createAndPlace() throws InterruptedException {
    long loopBefore = Alloc.bytes(loopThread);
    long clientBefore = Alloc.current();
    long loopCpuBefore = Alloc.cpuNanos(loopThread);
    long clientCpuBefore = Alloc.cpuNanos(Thread.currentThread().getId());
    try {
      return createAndPlaceTimed();
    } finally {
      allocated = Alloc.bytes(loopThread) - loopBefore + Alloc.current() - clientBefore;
      loopCpuNanos = Alloc.cpuNanos(loopThread) - loopCpuBefore;
      clientCpuNanos = Alloc.cpuNanos(Thread.currentThread().getId()) - clientCpuBefore;
    }
  }

  private long createAndPlaceTimed() throws InterruptedException {
    int batch = batchSize();
    List<JobConfig> all = workload.jobs;
    long t0 = System.nanoTime();
    if (batch == 0) {
      for (JobConfig j : all) {
        scheduler.createJob(j, AuroraHarness.BENCH);
      }
    } else {
      for (int from = 0; from < all.size(); from += batch) {
        scheduler.createJobs(all.subList(from, (int) Math.min(all.size(), (long) from + batch)), AuroraHarness.BENCH);
      }
    }
    createNanos = System.nanoTime() - t0;
    if (!counted.await(placeable, Duration.ofSeconds(1), () -> loop.queueDepth() == 0,
        Duration.ofSeconds(awaitSeconds))) {
      System.err.println("only " + counted.launched() + " of " + placeable + " placeable tasks launched in "
          + awaitSeconds + " s or before the loop went quiet: the audit says whether the others could be");
    }
    nanos = counted.lastLaunchAt() - t0;
    return nanos;
  }

  @TearDown(Level.Iteration)
  public void record() throws InterruptedException {
    Loops.idle(loop, 3);
    Outcome o = AuroraHarness.outcomeOf(scheduler, workload, nanos);
    PlacementAudit.Report audit = PlacementAudit.check(o);
    boolean cold = iteration == 1;
    if (cold || iteration > 1 + warmups) {
      String prefix = cold ? "cold" : "";
      Results.record(key(), storage, prefix + (cold ? "TasksPerSecond" : "tasksPerSecond"), o.tasksPerSecond());
      Results.record(key(), storage, prefix + (cold ? "CreateSeconds" : "createSeconds"), createNanos / 1e9);
      Results.record(key(), storage, prefix + (cold ? "Seconds" : "seconds"), o.seconds());
    }
    Results.record(key(), storage, "placed", o.placed());
    if (cold || iteration > 1 + warmups) {
      // the loop thread's and the creating thread's allocation, until the last launch and a little after
      Results.record(key(), storage, (cold ? "coldA" : "a") + "llocatedBytesPerTask", allocated / (double) o.placed());
      // CPU time of the loop and of the creating thread in the same span: set against the wall time
      // (seconds), what is not CPU was waiting for a core (other threads, the JIT, the machine's load)
      Results.record(key(), storage, (cold ? "coldL" : "l") + "oopCpuSeconds", loopCpuNanos / 1e9);
      Results.record(key(), storage, (cold ? "coldC" : "c") + "lientCpuSeconds", clientCpuNanos / 1e9);
    }
    Results.record(key(), storage, "placeable", placeable);
    Results.record(key(), storage, "hostsUsed", o.hostsUsed());
    Results.record(key(), storage, "violations", audit.violations().size());
    Results.record(key(), storage, "placeableLeftPending", audit.placeableLeftPending());
    Results.record(key(), storage, "appends", store.appends.get());
    Results.record(key(), storage, "opsPerAppend", store.ops.get() / (double) Math.max(1, store.appends.get()));
    Results.record(key(), storage, "logBytesPerTask", store.logBytes.get() / (double) Math.max(1, o.placed()));
    for (String v : audit.violations().subList(0, Math.min(5, audit.violations().size()))) {
      System.err.println("PLACEMENT AUDIT VIOLATION (" + key() + "): " + v);
    }
    scheduler.close();
    loop.stop();
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      dir = null;
    }
  }
}
