package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The wait between subscription attempts: doubling from min, capped at max, jittered, reset by success. */
class BackoffTest {
  @Test
  void subscriptionRetriesWaitADoublingJitteredDelayBoundedByMaxAndStartOverAfterASubscription() {
    for (int run = 0; run < 200; run++) { // the jitter is random: every draw must keep to its bounds
      Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));
      long[] ceilings = {250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000};
      for (long ceiling : ceilings) {
        assertThat(b.nextMillis()).isBetween(ceiling / 2, ceiling);
      }
      for (int i = 0; i < 40; i++) { // never beyond max, however many failures (no overflow)
        assertThat(b.nextMillis()).isBetween(15_000L, 30_000L);
      }
      b.reset();
      assertThat(b.nextMillis()).isBetween(125L, 250L);
    }
  }

  @Test
  void theDelaysAreJitteredSoSchedulersThatFailedTogetherDoNotRetryTogether() {
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
      seen.add(b.nextMillis());
    }
    assertThat(seen).hasSizeGreaterThan(10);
  }
}
