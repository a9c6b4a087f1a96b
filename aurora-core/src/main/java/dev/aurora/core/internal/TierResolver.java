package dev.aurora.core.internal;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.Tier;
import dev.aurora.core.TierConfig;
import java.util.Optional;

/**
 * Gives a job entering the scheduler (created, updated, its cron template replaced) the tier the
 * configuration says: a named tier's class goes into {@link TaskConfig#tier()}, a task that names none
 * gets the default tier. A config that already says so is returned as it is, so with Aurora's tiers
 * and default nothing changes.
 */
public final class TierResolver {
  private final TierConfig tiers;

  public TierResolver(TierConfig tiers) {
    this.tiers = tiers;
  }

  /** The job with its tier resolved; refuses a tier that is not configured. */
  public JobConfig resolve(JobConfig job) {
    TaskConfig task = job.task();
    Optional<String> named = task.tierName();
    String name = named.orElse(task.tier() == Tier.PREFERRED ? tiers.defaultTier() : task.tier().configName());
    TierConfig.TierSettings tier = tiers.tier(name).orElseThrow(() -> new InvalidConfigException(
        "task.tierName: no tier \"" + name + "\" is configured (configured: " + String.join(", ", tiers.tiers().keySet())
            + ")"));
    boolean defaulted = named.isEmpty() && task.tier() == Tier.PREFERRED;
    if (task.tier() == tier.tierClass() && (!defaulted || name.equals(Tier.PREFERRED.configName()))) {
      return job;
    }
    TaskConfig resolved = dev.aurora.api.ImmutableTaskConfig.copyOf(task).withTier(tier.tierClass())
        .withTierName(name);
    return job.withTask(resolved);
  }
}
