package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.internal.sim.ScopedLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code aurora.tasks.pending.oldest.age}: how long the task that has waited longest to be placed has
 * been PENDING, whatever order the placement gave the groups that arrived together.
 */
class OldestPendingGaugeTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final RecordingBackend backend = new RecordingBackend();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Storage storage = Storage.inMemory();
  private Scheduler scheduler;

  /** A started scheduler on the manual loop, with no offer yet. */
  @BeforeEach
  void start() {
    scheduler = Scheduler.builder().backend(backend).storage(Failover.keepOpen(storage)).loop(new ScopedLoop(loop))
        .clock(clock)
        .meterRegistry(registry).build();
    scheduler.start();
    loop.runUntilIdle();
  }

  /** Closes the scheduler and starts another that recovers what it stored, on the same loop and registry. */
  private void restart() {
    scheduler.close();
    start();
  }

  @AfterEach
  void stop() {
    scheduler.close();
  }

  private static Offer offer(String id, String agent, double cpus) {
    return Offer.builder().id(id).agentId(agent).hostname(agent + ".example.com").cpus(cpus).ramMb(4096)
        .diskMb(4096).build();
  }

  private static JobConfig job(String name, int instances, double cpus) {
    return Job.service("a/prod/" + name).instances(instances).task(t -> t.process("p", "./run").cpus(cpus).ramMb(64))
        .build();
  }

  private static double oldestAge(SimpleMeterRegistry registry) {
    return registry.get("aurora.tasks.pending.oldest.age").gauge().value();
  }

  @Test
  void theGaugeIsTheWaitOfTheTaskStillPendingNotOfAGroupThatArrivedWithItAndWasPlaced() {
    backend.listener.offers(List.of(offer("o1", "agent-1", 1)));

    // two jobs before one pass, 10 s apart (the loop was busy): "small" fits the offer, "large" never does
    scheduler.createJob(job("small", 1, 1), TEST_PRINCIPAL);
    clock.advance(Duration.ofSeconds(10));
    scheduler.createJob(job("large", 1, 2), TEST_PRINCIPAL);
    loop.runUntilIdle();
    assertThat(backend.launches).hasSize(1);

    clock.advance(Duration.ofSeconds(5));
    backend.listener.offers(List.of(offer("o2", "agent-2", 0.5))); // another pass, nothing placed
    loop.runUntilIdle();

    assertThat(oldestAge(registry)).as("large has been pending 5 s; small, placed, waited 15 s")
        .isEqualTo(5.0);
  }

  @Test
  void theGaugeIsTheWaitOfTheOldestTaskLeftInAGroupWhoseFirstTasksWerePlaced() {
    JobConfig web = job("web", 2, 1);
    scheduler.createJob(web, TEST_PRINCIPAL); // 2 instances pending from t0; nothing offered yet
    loop.runUntilIdle();
    clock.advance(Duration.ofSeconds(10));
    scheduler.addInstances(web.key(), 2, TEST_PRINCIPAL); // 2 more of the same config at t0 + 10 s
    loop.runUntilIdle();

    clock.advance(Duration.ofSeconds(5));
    backend.listener.offers(List.of(offer("o1", "agent-1", 2))); // places the two oldest
    loop.runUntilIdle();
    clock.advance(Duration.ofSeconds(5));
    backend.listener.offers(List.of(offer("o2", "agent-2", 0.5))); // another pass, nothing placed
    loop.runUntilIdle();

    assertThat(scheduler.tasks(TaskQuery.job(web.key())).stream().filter(t -> t.status() == ScheduleStatus.PENDING))
        .hasSize(2);
    assertThat(oldestAge(registry)).as("the two left have been pending 10 s").isEqualTo(10.0);
  }

  @Test
  void afterARecoveryTheGaugeIsTheWaitOfTheTaskPendingLongestWhateverOrderTheTasksWereRecoveredIn() {
    JobConfig web = job("web", 1, 1);
    scheduler.createJob(web, TEST_PRINCIPAL); // pending from t0; nothing offered yet
    loop.runUntilIdle();
    for (int i = 1; i < 20; i++) { // 19 more of the same config, one a second: one group of 20
      clock.advance(Duration.ofSeconds(1));
      scheduler.addInstances(web.key(), 1, TEST_PRINCIPAL);
      loop.runUntilIdle();
    }
    restart();

    clock.advance(Duration.ofSeconds(5));
    backend.listener.offers(List.of(offer("o1", "agent-1", 0.5))); // a pass, nothing placed
    loop.runUntilIdle();
    assertThat(oldestAge(registry)).as("instance 0 has been pending 24 s").isEqualTo(24.0);

    backend.listener.offers(List.of(offer("o2", "agent-2", 3))); // places the three pending longest
    loop.runUntilIdle();
    assertThat(backend.launches).hasSize(1);
    assertThat(oldestAge(registry)).as("instance 3, pending from t0 + 3 s, is the oldest left").isEqualTo(21.0);
  }
}
