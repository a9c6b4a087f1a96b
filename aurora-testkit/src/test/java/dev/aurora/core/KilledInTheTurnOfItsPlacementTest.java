package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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

  private final ManualStateLoop manual = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final Thread testThread = Thread.currentThread();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RecordingBackend backend = new RecordingBackend();

  /**
   * The manual loop, driven by the test thread: the test thread's calls run at once (in a transaction
   * of their own), other threads' calls queue for the next turn, as in production.
   */
  private final StateLoop loop = QueuedLoop.of(manual, () -> Thread.currentThread() == testThread);

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

  @Test
  void anInstanceKilledInTheTurnThatPlacedItEndsKilledAtOnceWithNoKillSentToTheBackend() throws Exception {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(2);
      inTheTurnOfThePass(scheduler, web, () -> scheduler.killInstances(web.key(), Set.of(1), TEST_PRINCIPAL));

      List<ScheduledTask> one = scheduler.tasks(TaskQuery.job(web.key())).stream().filter(t -> t.instance() == 1)
          .toList();
      assertThat(one).extracting(ScheduledTask::status).as("never launched, it waits for no answer")
          .containsExactly(ScheduleStatus.KILLED);
      assertThat(backend.killed).as("the backend never knew the task").isEmpty();
      manual.runUntilIdle();
      assertThat(scheduler.tasks(TaskQuery.job(web.key())).stream().filter(t -> t.instance() == 1))
          .as("a killed instance is not replaced").extracting(ScheduledTask::status)
          .containsExactly(ScheduleStatus.KILLED);
    }
  }

  @Test
  void aJobKilledInTheTurnThatPlacedItIsGoneAtOnceWithNoKillSentToTheBackend() throws Exception {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(2);
      inTheTurnOfThePass(scheduler, web, () -> scheduler.killJob(web.key(), TEST_PRINCIPAL));

      assertThat(scheduler.tasks(TaskQuery.job(web.key()))).as("no task waits for the backend's answer")
          .allMatch(t -> t.status() == ScheduleStatus.KILLED);
      assertThat(scheduler.job(web.key())).as("the job is gone at once").isEmpty();
      assertThat(backend.killed).isEmpty();
    }
  }
}
