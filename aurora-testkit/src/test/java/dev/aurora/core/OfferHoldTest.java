package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Offers the scheduler holds unused are declined once the offer hold has passed, each counted from when
 * it came, and the scheduler's cost of holding them does not grow with how many it holds.
 */
class OfferHoldTest {
  private static final Duration HOLD = Duration.ofSeconds(30);
  private static final Duration BACKOFF = Duration.ofSeconds(5);

  /** The test's loop, counting the timers scheduled on it. */
  /** The loop, counting the timers set on it. */
  static final class CountingLoop extends ForwardingLoop {
    int timers;

    CountingLoop(ManualStateLoop loop) {
      super(loop);
    }

    @Override
    public Timer schedule(Duration delay, Runnable work) {
      timers++;
      return super.schedule(delay, work);
    }
  }

  private static Offer offer(String id, String agent, double cpus) {
    return Offer.builder().id(id).agentId(agent).hostname(agent + ".example.com").cpus(cpus).ramMb(4096)
        .diskMb(4096).build();
  }

  private static Scheduler started(CountingLoop loop, RecordingBackend backend) {
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).offerHold(HOLD).declineBackoff(BACKOFF).build();
    scheduler.start();
    loop.loop.runUntilIdle();
    return scheduler;
  }

  private static List<String> declined(RecordingBackend backend) {
    return backend.declined.stream().map(RecordingBackend.Decline::offerId).toList();
  }

  @Test
  void eachHeldOfferIsDeclinedWhenItsOwnHoldEndsAndNotBefore() {
    ManualStateLoop manual = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    CountingLoop loop = new CountingLoop(manual);
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = started(loop, backend)) {
      backend.listener.offers(List.of(offer("o1", "agent-1", 1), offer("o2", "agent-2", 1)));
      manual.runUntilIdle();
      manual.advance(Duration.ofSeconds(10));
      backend.listener.offers(List.of(offer("o3", "agent-3", 1)));
      manual.runUntilIdle();

      manual.advance(Duration.ofSeconds(19)); // 29 s after o1 and o2
      assertThat(declined(backend)).as("no hold has ended yet").isEmpty();

      manual.advance(Duration.ofSeconds(1)); // 30 s after o1 and o2, 20 s after o3
      assertThat(declined(backend)).containsExactly("o1", "o2");
      assertThat(backend.declined).allSatisfy(d -> assertThat(d.refuseFor()).isEqualTo(BACKOFF));

      manual.advance(Duration.ofSeconds(9)); // 29 s after o3
      assertThat(declined(backend)).containsExactly("o1", "o2");

      manual.advance(Duration.ofSeconds(1));
      assertThat(declined(backend)).containsExactly("o1", "o2", "o3");
    }
  }

  @Test
  void anOfferUsedOrRescindedDuringItsHoldIsNotDeclinedAndTheOthersStillAre() {
    ManualStateLoop manual = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    CountingLoop loop = new CountingLoop(manual);
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = started(loop, backend)) {
      backend.listener.offers(List.of(offer("o1", "agent-1", 4), offer("o2", "agent-2", 0.5),
          offer("o3", "agent-3", 0.5)));
      manual.runUntilIdle();
      manual.advance(Duration.ofSeconds(5));
      JobConfig web = Job.service("a/prod/web").instances(1).task(t -> t.process("p", "./run").cpus(2).ramMb(64))
          .build();
      scheduler.createJob(web, TEST_PRINCIPAL); // fits o1 only
      backend.listener.offerRescinded("o2");
      manual.runUntilIdle();
      assertThat(backend.launches).hasSize(1);
      assertThat(backend.launches.get(0).offerIds()).containsExactly("o1");

      manual.advance(HOLD);
      assertThat(declined(backend)).as("only the offer still held and unused").containsExactly("o3");
    }
  }

  /**
   * The timers scheduled while {@code perRound} offers come each second for 10 s, and the offers
   * declined once their holds have ended.
   */
  private static int[] timersWhileOffersCome(int perRound) {
    ManualStateLoop manual = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    CountingLoop loop = new CountingLoop(manual);
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = started(loop, backend)) {
      int before = loop.timers;
      for (int round = 0; round < 10; round++) {
        List<Offer> offers = new ArrayList<>();
        for (int i = 0; i < perRound; i++) {
          offers.add(offer("o" + round + "-" + i, "agent-" + i, 1));
        }
        backend.listener.offers(offers);
        manual.runUntilIdle();
        manual.advance(Duration.ofSeconds(1));
      }
      int timers = loop.timers - before;
      manual.advance(HOLD);
      return new int[] {timers, backend.declined.size()};
    }
  }

  @Test
  void holdingManyOffersTakesNoMoreTimersThanHoldingFew() {
    int[] few = timersWhileOffersCome(1);
    int[] many = timersWhileOffersCome(100);

    assertThat(few[1]).isEqualTo(10);
    assertThat(many[1]).as("every offer is declined when its hold ends").isEqualTo(1_000);
    assertThat(many[0]).as("timers scheduled while 1,000 offers came in 10 s, against 10 offers").isEqualTo(few[0]);
  }
}
