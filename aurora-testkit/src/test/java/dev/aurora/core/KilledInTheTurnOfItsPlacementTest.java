package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A kill (killJob, killInstances) that comes in the turn of the state loop in which a placement pass
 * put the task on an agent, after the pass: the task is not handed to the backend as a launch (to be
 * killed right after), and the offer the pass took for it is not lost.
 */
class KilledInTheTurnOfItsPlacementTest {

  /** Records what the scheduler asks of it; the test speaks for the cluster through {@link #listener}. */
  static final class RecordingBackend implements ClusterBackend {
    record Launch(List<String> offerIds, List<TaskId> tasks) {}

    record Decline(String offerId, Duration refuseFor) {}

    BackendListener listener;
    final List<Launch> launches = new ArrayList<>();
    final List<Decline> declined = new ArrayList<>();
    final List<TaskId> killed = new ArrayList<>();

    @Override
    public void start(BackendListener l) {
      listener = l;
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      launches.add(new Launch(List.copyOf(offerIds), tasks.stream().map(TaskLaunch::taskId).toList()));
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      declined.add(new Decline(offerId, refuseFor));
    }

    @Override
    public void kill(TaskId taskId) {
      killed.add(taskId);
    }

    @Override
    public void reconcile(Set<TaskId> known) {}

    @Override
    public void close() {}
  }

  private final ManualStateLoop manual = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final Thread testThread = Thread.currentThread();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingBackend backend = new RecordingBackend();

  /**
   * The manual loop, driven by the test thread: the test thread's calls run at once (in a transaction
   * of their own), other threads' calls queue for the next turn, as in production.
   */
  private final StateLoop loop = new StateLoop() {
    @Override
    public Clock clock() {
      return manual.clock();
    }

    @Override
    public void execute(Runnable work) {
      manual.execute(work);
    }

    @Override
    public Timer schedule(Duration delay, Runnable work) {
      return manual.schedule(delay, work);
    }

    @Override
    public boolean inLoop() {
      return Thread.currentThread() == testThread;
    }

    @Override
    public void start() {}

    @Override
    public void stop() {
      manual.stop();
    }

    @Override
    public int queueDepth() {
      return manual.queueDepth();
    }
  };

  private static JobConfig job(int instances) {
    return Job.service("a/prod/web").instances(instances).task(t -> t.process("p", "./run").cpus(1).ramMb(64))
        .build();
  }

  /** A started scheduler holding offer o1 (4 cpus) of agent-1. */
  private Scheduler started() {
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).meterRegistry(registry).build();
    scheduler.start();
    manual.runUntilIdle();
    backend.listener.offers(List.of(Offer.builder().id("o1").agentId("agent-1").hostname("agent-1.example.com")
        .cpus(4).ramMb(4096).diskMb(4096).build()));
    manual.runUntilIdle();
    return scheduler;
  }

  private double queued() {
    return registry.get("aurora.loop.queue.depth").gauge().value();
  }

  /**
   * Calls {@code call} from another thread, once the pass {@code createJob} queued is waiting: the call
   * queues behind the pass, and both run in the next turn, the pass first.
   */
  private void inTheTurnOfThePass(Scheduler scheduler, JobConfig web, Runnable call) throws Exception {
    scheduler.createJob(web, TEST_PRINCIPAL); // stored at once; queues a pass
    double before = queued();
    CompletableFuture<Void> f = CompletableFuture.runAsync(call);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (queued() <= before) {
      assertThat(System.nanoTime()).as("the call queued within 30 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    QueuedLoop.runUntil(manual, f);
    f.get();
  }

  @Test
  void aJobKilledInTheTurnThatPlacedItIsNotLaunchedAndItsOfferIsOfferedBack() throws Exception {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(1);
      inTheTurnOfThePass(scheduler, web, () -> scheduler.killJob(web.key(), TEST_PRINCIPAL));

      assertThat(backend.launches).as("nothing is launched to be killed at once").isEmpty();
      assertThat(backend.declined).as("the offer the pass took is offered back, with no refusal")
          .containsExactly(new RecordingBackend.Decline("o1", Duration.ZERO));
    }
  }

  @Test
  void anInstanceKilledInTheTurnThatPlacedItIsLeftOutOfItsAgentsLaunch() throws Exception {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(2);
      inTheTurnOfThePass(scheduler, web, () -> scheduler.killInstances(web.key(), Set.of(1), TEST_PRINCIPAL));

      List<ScheduledTask> left = scheduler.tasks(TaskQuery.job(web.key())).stream()
          .filter(t -> t.status() == ScheduleStatus.ASSIGNED).toList();
      assertThat(left).hasSize(1);
      assertThat(left.get(0).instance()).isZero();
      // the offer goes with the launch of what is left: the backend returns the rest of it
      assertThat(backend.launches).containsExactly(new RecordingBackend.Launch(List.of("o1"), List.of(left.get(0).id())));
      assertThat(backend.declined).isEmpty();
    }
  }
}
