package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ClusterBackend} owes the scheduler. Extend it in your backend's tests,
 * as guava-testlib's suites are used:
 *
 * <pre>{@code
 * class MyBackendContractTest extends ClusterBackendContract {
 *   protected ClusterBackend newBackend() { return new MyBackend(...); }
 *   protected void await(BooleanSupplier condition, Duration bound) { ...poll or drive time... }
 * }
 * }</pre>
 *
 * <p>Tasks are shell commands: {@link #runsForever()} ({@code sleep 600}), {@link #finishes()} ({@code
 * true}), {@link #fails()} ({@code exit 3}); a backend that cannot run shell commands overrides them.
 */
public abstract class ClusterBackendContract {
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** What the backend reported, in order. Thread-safe. */
  protected static final class Recorder implements BackendListener {
    public final List<Offer> offers = new ArrayList<>();
    public final List<String> rescinded = new ArrayList<>();
    public final List<TaskStatus> statuses = new ArrayList<>();
    /** Reports of a task's processes only ({@link TaskStatus#processesOnly()}), apart from {@link #statuses}. */
    public final List<TaskStatus> processReports = new ArrayList<>();
    public final List<String> lostAgents = new ArrayList<>();

    @Override
    public synchronized void offers(List<Offer> o) {
      offers.addAll(o);
    }

    @Override
    public synchronized void offerRescinded(String offerId) {
      rescinded.add(offerId);
    }

    @Override
    public synchronized void statusUpdate(TaskStatus status) {
      if (status.processesOnly()) {
        processReports.add(status); // not a report on the task's state
        return;
      }
      statuses.add(status);
    }

    @Override
    public synchronized void agentLost(String agentId) {
      lostAgents.add(agentId);
    }

    /** Whether {@code task} was reported in {@code state}. */
    public synchronized boolean saw(TaskId task, ScheduleStatus state) {
      return statuses.stream().anyMatch(s -> s.taskId().equals(task) && s.state() == state);
    }

    /** The last report on {@code task} that changed its state, if any. */
    public synchronized Optional<TaskStatus> last(TaskId task) {
      for (int i = statuses.size() - 1; i >= 0; i--) {
        if (statuses.get(i).taskId().equals(task)) {
          return Optional.of(statuses.get(i));
        }
      }
      return Optional.empty();
    }

    /** Offers received so far. */
    public synchronized List<Offer> offers() {
      return List.copyOf(offers);
    }
  }

  protected ClusterBackend backend;
  protected Recorder recorder;
  private final Set<String> usedOffers = new java.util.HashSet<>();

  /** A new backend, not started. */
  protected abstract ClusterBackend newBackend();

  /** Lets time pass (real or simulated) until {@code condition} holds; fails after {@code bound}. */
  protected abstract void await(BooleanSupplier condition, Duration bound);

  /** A task that runs until killed. */
  protected TaskConfig runsForever() {
    return task("sleep 600");
  }

  /** A task that exits 0 at once. */
  protected TaskConfig finishes() {
    return task("true");
  }

  /** A task that exits non-zero at once. */
  protected TaskConfig fails() {
    return task("exit 3");
  }

  /** How long a report may take to arrive. */
  protected Duration bound() {
    return Duration.ofSeconds(20);
  }

  protected static TaskConfig task(String command) {
    return TaskConfig.builder().addProcesses(ProcessConfig.of("main", command))
        .resources(Resources.builder().cpus(0.1).ramMb(32).diskMb(1).addPorts("http").build()).build();
  }

  @BeforeEach
  void startBackend() {
    backend = newBackend();
    recorder = new Recorder();
    backend.start(recorder);
  }

  @AfterEach
  void closeBackend() {
    backend.close();
  }

  /** Waits for an offer not used yet by this test and returns it. */
  protected Offer awaitFreshOffer() {
    await(() -> recorder.offers().stream().anyMatch(o -> !usedOffers.contains(o.id())), bound());
    Offer o = recorder.offers().stream().filter(x -> !usedOffers.contains(x.id())).findFirst().orElseThrow();
    usedOffers.add(o.id());
    return o;
  }

  /** Launches one task of {@code config} on {@code offer}; returns its id. */
  protected TaskId launch(Offer offer, TaskConfig config) {
    TaskId id = TaskId.of("contract-" + SEQ.incrementAndGet());
    Map<String, Integer> ports = new LinkedHashMap<>();
    int next = offer.ports().isEmpty() ? -1 : offer.ports().get(0).begin();
    for (String name : config.resources().ports()) {
      ports.put(name, next++);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AURORA_TASK_ID", id.value());
    env.put("AURORA_INSTANCE", "0");
    env.put("AURORA_JOB", "contract/test/job");
    ports.forEach((n, p) -> env.put("AURORA_PORT_" + n.toUpperCase(java.util.Locale.ROOT), Integer.toString(p)));
    backend.launch(List.of(offer.id()), List.of(TaskLaunch.builder().taskId(id)
        .instance(InstanceKey.of(JobKey.of("contract", "test", "job"), 0)).agentId(offer.agentId()).config(config)
        .ports(ports).processes(config.processes()).environment(env).build()));
    return id;
  }

  @Test
  void offersDescribeAgentsAfterStart() {
    Offer o = awaitFreshOffer();
    assertThat(o.id()).isNotBlank();
    assertThat(o.agentId()).isNotBlank();
    assertThat(o.hostname()).isNotBlank();
    assertThat(o.cpus()).isPositive();
    assertThat(o.ramMb()).isPositive();
    assertThat(o.ports()).isNotEmpty().allSatisfy(r -> assertThat(r.size()).isPositive());
    assertThat(o.ports().stream().mapToInt(PortRange::size).sum()).isPositive();
  }

  @Test
  void aLaunchedTaskRuns() {
    TaskId id = launch(awaitFreshOffer(), runsForever());
    await(() -> recorder.saw(id, ScheduleStatus.RUNNING), bound());
  }

  @Test
  void aTaskThatExitsZeroFinishes() {
    TaskId id = launch(awaitFreshOffer(), finishes());
    await(() -> recorder.saw(id, ScheduleStatus.FINISHED), bound());
  }

  @Test
  void aTaskThatExitsNonZeroFailsWithAMessage() {
    TaskId id = launch(awaitFreshOffer(), fails());
    await(() -> recorder.saw(id, ScheduleStatus.FAILED), bound());
    assertThat(recorder.last(id).orElseThrow().message()).isNotBlank();
  }

  @Test
  void aKilledTaskIsReportedKilled() {
    TaskId id = launch(awaitFreshOffer(), runsForever());
    await(() -> recorder.saw(id, ScheduleStatus.RUNNING), bound());
    backend.kill(id);
    await(() -> recorder.saw(id, ScheduleStatus.KILLED), bound());
  }

  @Test
  void killingAnUnknownTaskReportsItLost() {
    TaskId id = TaskId.of("never-launched-" + SEQ.incrementAndGet());
    backend.kill(id);
    await(() -> recorder.saw(id, ScheduleStatus.LOST), bound());
  }

  @Test
  void reconciliationReportsRunningTasksAndLosesUnknownOnes() {
    TaskId running = launch(awaitFreshOffer(), runsForever());
    await(() -> recorder.saw(running, ScheduleStatus.RUNNING), bound());
    TaskId unknown = TaskId.of("unknown-" + SEQ.incrementAndGet());
    int before;
    synchronized (recorder) {
      before = recorder.statuses.size();
    }
    backend.reconcile(Set.of(running, unknown));
    await(() -> recorder.saw(unknown, ScheduleStatus.LOST), bound());
    await(() -> {
      synchronized (recorder) {
        return recorder.statuses.subList(before, recorder.statuses.size()).stream()
            .anyMatch(s -> s.taskId().equals(running) && s.state() == ScheduleStatus.RUNNING);
      }
    }, bound());
  }

  @Test
  void aLaunchOnAnOfferUsedAlreadyIsLost() {
    Offer offer = awaitFreshOffer();
    TaskId first = launch(offer, runsForever());
    await(() -> recorder.saw(first, ScheduleStatus.RUNNING), bound());
    TaskId second = launch(offer, runsForever());
    await(() -> recorder.saw(second, ScheduleStatus.LOST), bound());
  }

  @Test
  void resourcesComeBackWhenATaskEnds() {
    Offer offer = awaitFreshOffer();
    TaskId id = launch(offer, finishes());
    await(() -> recorder.saw(id, ScheduleStatus.FINISHED), bound());
    await(() -> recorder.offers().stream().anyMatch(o -> !usedOffers.contains(o.id())
        && o.agentId().equals(offer.agentId())), bound());
  }

  @Test
  void aDeclinedOfferComesBackAfterTheRefusal() {
    Offer offer = awaitFreshOffer();
    backend.decline(offer.id(), Duration.ofMillis(500));
    await(() -> recorder.offers().stream().anyMatch(o -> !usedOffers.contains(o.id())
        && o.agentId().equals(offer.agentId())), bound());
  }
}
