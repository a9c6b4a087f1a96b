package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@code Placement.addScorer} and {@code clearScorers} do: an added scorer is weighed beside the
 * built-in bin-pack (weight 1), and only {@code clearScorers()} takes bin-pack out.
 *
 * <p>Four agents of 8 cpus and 16 GiB, each on a rack of its own; two tasks of 2 cpus and 8 GiB. For
 * the second task, bin-pack scores the agent holding the first 0.75 and an empty one 0.375; spread
 * scores them 0.5 and 1.
 */
class ScorerWeightsTest {
  @RegisterExtension
  AuroraExtension binPackPlusSpread = AuroraExtension.withAgents(4).attributes(AuroraExtension.racks(4))
      .scheduler(b -> b.placement(p -> p.addScorer(PlacementScorer.spread("rack"), 0.5)));

  @RegisterExtension
  AuroraExtension spreadOnly = AuroraExtension.withAgents(4).attributes(AuroraExtension.racks(4))
      .scheduler(b -> b.placement(p -> p.clearScorers().addScorer(PlacementScorer.spread("rack"), 0.5)));

  static final JobConfig JOB = Job.service("www-data/prod/hello").instances(2)
      .task(t -> t.process("server", "./hello").cpus(2).ramMb(8192))
      .build();

  @Test
  void anAddedScorerIsWeighedAgainstTheBuiltInBinPack() {
    binPackPlusSpread.scheduler().createJob(JOB, TEST_PRINCIPAL);
    binPackPlusSpread.advance(Duration.ofSeconds(5));

    // same agent: 0.75 + 0.5 x 0.5 = 1.0; an empty agent on another rack: 0.375 + 0.5 x 1 = 0.875
    assertThat(racks(binPackPlusSpread)).hasSize(1);
  }

  @Test
  void afterClearScorersOnlyTheScorersAddedCount() {
    spreadOnly.scheduler().createJob(JOB, TEST_PRINCIPAL);
    spreadOnly.advance(Duration.ofSeconds(5));

    // same agent: 0.5 x 0.5 = 0.25; an empty agent on another rack: 0.5 x 1 = 0.5
    assertThat(racks(spreadOnly)).hasSize(2);
  }

  @Test
  void aScorerWeightMustBeFiniteAndAboveZero() {
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> new Placement().addScorer(PlacementScorer.binPack(), bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("scorer weight must be finite and > 0, was " + bad);
    }
  }

  private static Set<String> racks(AuroraExtension a) {
    assertThat(a.running(JOB.key())).hasSize(2);
    return a.running(JOB.key()).stream()
        .map(t -> a.cluster().agentOnHost(t.host().orElseThrow()).attributes().get("rack"))
        .collect(Collectors.toSet());
  }
}
