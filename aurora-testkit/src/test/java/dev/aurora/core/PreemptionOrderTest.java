package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.JobConfig;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which pending task preempts first when several may: among equals (tier, priority), the one pending
 * longest, whatever its id; and a task that stopped pending is no longer one.
 */
class PreemptionOrderTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2).agentResources(4, 16_384, 100_000)
      .attributes(i -> Map.of("rack", "r0"))
      .scheduler(b -> b.preemption(Duration.ofSeconds(10), Duration.ofMinutes(2))
          .preemptionRateLimit(1, Duration.ofHours(1))); // one victim: only the first preemptor gets room

  final List<SchedulerEvent.TasksPreempted> preemptions = new ArrayList<>();

  @BeforeEach
  void fillTheClusterWithPreemptibleTasks() {
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TasksPreempted p) {
        preemptions.add(p);
      }
    });
    JobConfig batch = PreemptionTest.job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.key())).hasSize(8);
  }

  @Test
  void theTaskPendingLongestPreemptsFirstWhateverItsId() {
    // "zz-web" ids sort after "aa-web" ids: the id alone would pick the newer task
    JobConfig older = PreemptionTest.job("zz-web/prod/web", 1, 1, Tier.PREFERRED, 0);
    JobConfig newer = PreemptionTest.job("aa-web/prod/web", 1, 1, Tier.PREFERRED, 0);
    aurora.advance(Duration.ofSeconds(1)); // both wait past the delay by the same search (one every 5 s)
    aurora.scheduler().createJob(older, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMillis(300));
    aurora.scheduler().createJob(newer, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.preemptorJob()).isEqualTo(older.key()));
    assertThat(aurora.running(older.key())).hasSize(1);
    assertThat(aurora.pending(newer.key())).hasSize(1);
  }

  @Test
  void aTaskThatStoppedPendingNoLongerPreempts() {
    JobConfig killed = PreemptionTest.job("aa-web/prod/gone", 1, 1, Tier.PREFERRED, 0);
    JobConfig waiting = PreemptionTest.job("zz-web/prod/web", 1, 1, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(killed, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(1));
    aurora.scheduler().createJob(waiting, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(1));
    aurora.scheduler().killJob(killed.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.preemptorJob()).isEqualTo(waiting.key()));
    assertThat(aurora.running(waiting.key())).hasSize(1);
    assertThat(aurora.scheduler().task(preemptions.get(0).preemptor()).orElseThrow().job()).isEqualTo(waiting.key());
  }
}
