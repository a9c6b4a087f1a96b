package dev.aurora.testkit;

import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerBuilder;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.internal.sim.ScopedLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jspecify.annotations.Nullable;

/**
 * Gives each test a scheduler wired to a {@link SimulatedCluster}, on a {@link FakeClock} and a {@link
 * ManualStateLoop}: deterministic, and nothing sleeps.
 *
 * <pre>{@code
 * @RegisterExtension AuroraExtension aurora = AuroraExtension.withAgents(120).attributes(racks(10));
 *
 * @Test void killedInstanceIsReplaced() {
 *   aurora.scheduler().createJob(prod, TEST_PRINCIPAL);
 *   aurora.runUntilIdle();
 *   aurora.cluster().killTask(aurora.running(prod.key()).get(0).id());
 *   aurora.advance(Duration.ofSeconds(30));
 *   assertThat(aurora.running(prod.key())).hasSize(5);
 * }
 * }</pre>
 */
public final class AuroraExtension implements BeforeEachCallback, AfterEachCallback {
  /** A principal for tests. */
  public static final Principal TEST_PRINCIPAL = Principal.of("test");

  private final int agents;
  private IntFunction<Map<String, String>> attributes = i -> Map.of();
  private double cpus = 8;
  private long ramMb = 16_384;
  private long diskMb = 100_000;
  private Consumer<SchedulerBuilder> customizer = b -> { };
  private Consumer<SimulatedCluster.Builder> clusterCustomizer = b -> { };

  private FakeClock clock;
  private ManualStateLoop loop;
  private SimulatedCluster cluster;
  private Storage storage;
  private Scheduler scheduler;
  private SimpleMeterRegistry registry;
  private long seed = 42;
  private @Nullable Storage storageOverride;

  private AuroraExtension(int agents) {
    this.agents = agents;
  }

  /** A cluster of {@code agents} agents of 8 cpus and 16 GiB each. */
  public static AuroraExtension withAgents(int agents) {
    return new AuroraExtension(agents);
  }

  /** Attributes of agent i, e.g. {@link SimulatedCluster#racks(int)}. */
  public AuroraExtension attributes(IntFunction<Map<String, String>> attributes) {
    this.attributes = attributes;
    return this;
  }

  /** Each agent's cpus, ram and disk. */
  public AuroraExtension agentResources(double cpus, long ramMb, long diskMb) {
    this.cpus = cpus;
    this.ramMb = ramMb;
    this.diskMb = diskMb;
    return this;
  }

  /** Adjusts the scheduler's builder (placement plugins, settings) before each build. */
  public AuroraExtension scheduler(Consumer<SchedulerBuilder> customizer) {
    this.customizer = customizer;
    return this;
  }

  /** Adjusts the simulated cluster's builder. */
  public AuroraExtension cluster(Consumer<SimulatedCluster.Builder> customizer) {
    this.clusterCustomizer = customizer;
    return this;
  }

  /** Shorthand for {@link SimulatedCluster#racks(int)}. */
  public static IntFunction<Map<String, String>> racks(int racks) {
    return SimulatedCluster.racks(racks);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    clock = FakeClock.startingAtEpoch2026();
    loop = new ManualStateLoop(clock);
    SimulatedCluster.Builder cb = SimulatedCluster.builder(loop).agents(agents).attributes(attributes)
        .resources(cpus, ramMb, diskMb, 0);
    clusterCustomizer.accept(cb);
    cluster = cb.build();
    storage = Storage.inMemory();
    scheduler = newScheduler();
    scheduler.start();
    runUntilIdle();
  }

  private Scheduler newScheduler() {
    registry = new SimpleMeterRegistry();
    SchedulerBuilder b = Scheduler.builder().backend(Failover.keepRunning(cluster)).storage(Failover.keepOpen(storage))
        .clock(clock).loop(new ScopedLoop(loop)).meterRegistry(registry).randomSeed(seed++);
    customizer.accept(b);
    if (storageOverride != null) {
      b.storage(Failover.keepOpen(storageOverride));
    }
    return b.build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (scheduler != null) {
      scheduler.close();
    }
    if (storage != null) {
      storage.close(); // the scheduler leaves it open across restarts; the test is over now
    }
  }

  /**
   * Simulates a scheduler failover: the scheduler stops and a new one starts on the same storage and
   * cluster, recovering its state and reconciling. Its tasks keep running on the cluster.
   */
  public Scheduler restartScheduler() {
    return restartScheduler(s -> { });
  }

  /**
   * {@link #restartScheduler()}, handing the new scheduler to {@code beforeStart} before it starts, for
   * instance to subscribe to its events and see what recovery and reconciliation do:
   *
   * <pre>{@code
   * List<SchedulerEvent> seen = new ArrayList<>();
   * aurora.restartScheduler(s -> s.events().subscribe(seen::add));
   * }</pre>
   */
  public Scheduler restartScheduler(Consumer<? super Scheduler> beforeStart) {
    scheduler.close();
    scheduler = newScheduler();
    beforeStart.accept(scheduler);
    scheduler.start();
    runUntilIdle();
    return scheduler;
  }

  /**
   * Restarts the scheduler on other storage, e.g. an empty one to show reconciliation killing tasks
   * the new scheduler does not know, or a new {@code Storage.fileLog(dir)} over the directory the old
   * one used, as a new process would open it. The storage replaced is closed once the old scheduler
   * has stopped (releasing, for a file log, its lock on the directory).
   */
  public Scheduler restartScheduler(Storage storage) {
    Storage replaced = this.storage;
    this.storage = storage;
    this.storageOverride = storage;
    scheduler.close();
    if (replaced != storage) {
      replaced.close();
    }
    scheduler = newScheduler();
    scheduler.start();
    runUntilIdle();
    return scheduler;
  }

  /** The scheduler under test. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The simulated cluster. */
  public SimulatedCluster cluster() {
    return cluster;
  }

  /** The fake clock. */
  public FakeClock clock() {
    return clock;
  }

  /** The storage the scheduler uses. */
  public Storage storage() {
    return storage;
  }

  /** The scheduler's meter registry. */
  public SimpleMeterRegistry registry() {
    return registry;
  }

  /** Runs the state loop until nothing is queued or due. */
  public void runUntilIdle() {
    loop.runUntilIdle();
  }

  /** Moves time forward, running everything due on the way. */
  public void advance(Duration d) {
    loop.advance(d);
  }

  /** Every task of a job, active or ended. */
  public List<ScheduledTask> tasks(JobKey job) {
    return scheduler.tasks(TaskQuery.job(job));
  }

  /** The active tasks of a job. */
  public List<ScheduledTask> active(JobKey job) {
    return scheduler.tasks(TaskQuery.job(job).active());
  }

  /** The RUNNING tasks of a job. */
  public List<ScheduledTask> running(JobKey job) {
    return scheduler.tasks(TaskQuery.job(job).states(ScheduleStatus.RUNNING));
  }

  /** The PENDING tasks of a job. */
  public List<ScheduledTask> pending(JobKey job) {
    return scheduler.tasks(TaskQuery.job(job).states(ScheduleStatus.PENDING));
  }
}
