package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.JobConfig;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PreemptionRateLimitTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2).agentResources(4, 16_384, 100_000)
      .scheduler(b -> b.preemption(Duration.ofSeconds(10), Duration.ofMinutes(2))
          .preemptionRateLimit(1, Duration.ofMinutes(1)));

  @Test
  void preemptionsAreRateLimited() {
    List<Instant> times = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TasksPreempted p) {
        times.add(p.time());
      }
    });
    aurora.scheduler().createJob(PreemptionTest.job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    JobConfig web = PreemptionTest.job("www-data/prod/web", 3, 1, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);

    aurora.advance(Duration.ofSeconds(50));
    assertThat(times).hasSize(1);
    assertThat(aurora.running(web.key())).hasSize(1);

    aurora.advance(Duration.ofMinutes(3));
    assertThat(times).hasSize(3);
    for (int i = 1; i < times.size(); i++) {
      assertThat(Duration.between(times.get(i - 1), times.get(i))).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
    }
    assertThat(aurora.running(web.key())).hasSize(3);
    assertThat(aurora.registry().get("aurora.preemptions.rate.limited").counter().count()).isPositive();
  }
}
