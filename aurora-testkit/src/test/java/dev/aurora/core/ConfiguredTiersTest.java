package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tiers from configuration, as Aurora's tier file: named tiers with preemptible and revocable flags
 * and a default. The three built-in tiers stay, so jobs written with the {@link Tier} enum run as before.
 */
class ConfiguredTiersTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(1).agentResources(4, 4096, 100_000)
      .scheduler(b -> b.tiers(TierConfig.builder().tier("batch", true, false).defaultTier("batch").build())
          .preemption(Duration.ofSeconds(1), Duration.ofMinutes(1)));

  static JobConfig job(String key, int instances, String tier) {
    return Job.service(key).instances(instances)
        .task(t -> {
          t.process("p", "./run").cpus(1).ramMb(512);
          if (tier != null) {
            t.tier(tier);
          }
        }).build();
  }

  @Test
  void aNamedPreemptibleTierIsPreemptedByPreferredWork() {
    JobConfig batch = job("analytics/prod/crunch", 4, "batch");
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.key())).hasSize(4);
    assertThat(aurora.scheduler().job(batch.key()).orElseThrow().task().tier()).isEqualTo(Tier.PREEMPTIBLE);

    JobConfig web = job("web/prod/serve", 1, "preferred");
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(web.key())).hasSize(1);
    assertThat(aurora.running(batch.key())).hasSize(3);
  }

  @Test
  void aTaskThatNamesNoTierGetsTheDefaultTier() {
    JobConfig plain = job("analytics/prod/plain", 1, null);
    aurora.scheduler().createJob(plain, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask t = aurora.running(plain.key()).get(0);
    assertThat(t.config().tierName()).contains("batch");
    assertThat(t.config().tier()).isEqualTo(Tier.PREEMPTIBLE);
  }

  @Test
  void aJobNamingATierThatIsNotConfiguredIsRefused() {
    assertThatThrownBy(() -> aurora.scheduler().createJob(job("a/prod/gold", 1, "gold"), TEST_PRINCIPAL))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("task.tierName").hasMessageContaining("gold").hasMessageContaining("batch");
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void badTierConfigurationIsRefused() {
    assertThatThrownBy(() -> TierConfig.builder().tier("spot", false, true).defaultTier("nope").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spot").hasMessageContaining("nope");
    assertThatThrownBy(() -> TierConfig.builder().tier("preferred", true, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("preferred");
  }
}
