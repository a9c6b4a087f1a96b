package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With a minimum pass interval, jobs created (and offers received) sooner than that after a placement
 * pass wait for one pass together, which launches their tasks on an agent as one launch; a job created
 * after a quiet spell is placed at once.
 */
class MinPassIntervalTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final RecordingBackend backend = new RecordingBackend();

  private static JobConfig job(String name) {
    return Job.service("a/prod/" + name).instances(2).task(t -> t.process("p", "./run").cpus(1).ramMb(64)).build();
  }

  private static Offer offer(String id, double cpus) {
    return Offer.builder().id(id).agentId("agent-1").hostname("agent-1.example.com").cpus(cpus).ramMb(4096)
        .diskMb(4096).build();
  }

  private Scheduler started(Duration interval) {
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).minPassInterval(interval).build();
    scheduler.start();
    loop.runUntilIdle();
    backend.listener.offers(List.of(offer("o1", 8)));
    loop.runUntilIdle();
    return scheduler;
  }

  private long pending(Scheduler scheduler) {
    return scheduler.tasks(TaskQuery.all().active()).stream().filter(t -> t.status() == ScheduleStatus.PENDING)
        .count();
  }

  @Test
  void jobsCreatedWithinTheIntervalAfterAPassArePlacedTogetherInTheNextPass() {
    try (Scheduler scheduler = started(INTERVAL)) {
      scheduler.createJob(job("first"), TEST_PRINCIPAL);
      loop.runUntilIdle();
      assertThat(backend.launches).as("the first job: no pass ran before, placed at once").hasSize(1);
      backend.listener.offers(List.of(offer("o2", 6))); // what the launch left

      scheduler.createJob(job("second"), TEST_PRINCIPAL);
      scheduler.createJob(job("third"), TEST_PRINCIPAL);
      loop.runUntilIdle();
      assertThat(backend.launches).as("within the interval: nothing placed yet").hasSize(1);
      assertThat(pending(scheduler)).isEqualTo(4);

      loop.advance(INTERVAL);
      assertThat(pending(scheduler)).isZero();
      assertThat(backend.launches).as("both jobs' tasks in one launch on the agent's one offer").hasSize(2);
      assertThat(backend.launches.get(1).offerIds()).containsExactly("o2");
      assertThat(backend.launches.get(1).tasks()).hasSize(4);
    }
  }

  @Test
  void aJobCreatedAfterAQuietSpellIsPlacedAtOnce() {
    try (Scheduler scheduler = started(INTERVAL)) {
      scheduler.createJob(job("first"), TEST_PRINCIPAL);
      loop.runUntilIdle();
      backend.listener.offers(List.of(offer("o2", 6)));
      loop.advance(INTERVAL);

      scheduler.createJob(job("second"), TEST_PRINCIPAL);
      loop.runUntilIdle();
      assertThat(pending(scheduler)).isZero();
      assertThat(backend.launches).hasSize(2);
    }
  }

  @Test
  void aNegativeIntervalIsRefused() {
    assertThatThrownBy(() -> Scheduler.builder().minPassInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min pass interval")
        .hasMessageContaining("PT-0.001S");
  }
}
