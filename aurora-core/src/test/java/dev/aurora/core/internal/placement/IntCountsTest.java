package dev.aurora.core.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A job's limit counts by value id answer as a map of counts would, through growth and removals. */
class IntCountsTest {
  @Test
  void countsMatchAMapOfCountsThroughIncrementsAndDecrements() {
    Random random = new Random(5);
    IntCounts counts = new IntCounts();
    Map<Integer, Integer> expected = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      // few keys at first (collisions, removals in clusters), then many (growth)
      int key = random.nextInt(step < 100_000 ? 40 : 5_000);
      if (random.nextInt(3) == 0) {
        counts.decrement(key);
        expected.computeIfPresent(key, (k, c) -> c == 1 ? null : c - 1);
      } else {
        counts.increment(key);
        expected.merge(key, 1, Integer::sum);
      }
      if (step % 1_000 == 0) {
        for (int k = 0; k < 5_000; k++) {
          assertThat(counts.get(k)).as("count of %d at step %d", k, step).isEqualTo(expected.getOrDefault(k, 0));
        }
        assertThat(counts.size()).isEqualTo(expected.size());
      }
    }
  }

  @Test
  void aValueNoAgentHasCountsNothing() {
    IntCounts counts = new IntCounts();
    counts.increment(-1);
    counts.decrement(-1);
    counts.decrement(3);
    assertThat(counts.get(-1)).isZero();
    assertThat(counts.get(3)).isZero();
    assertThat(counts.size()).isZero();
  }
}
