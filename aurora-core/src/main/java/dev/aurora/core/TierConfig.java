package dev.aurora.core;

import dev.aurora.api.Tier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tiers a scheduler offers, as Aurora's tier configuration: named tiers, each preemptible or not
 * and revocable or not, and the default tier of a task that names none. Give it to {@code
 * SchedulerBuilder.tiers}.
 *
 * <p>Aurora's three tiers are always there ({@code preferred}: neither; {@code preemptible}:
 * preemptible; {@code revocable}: preemptible and on revocable resources), so jobs written with the
 * {@link Tier} enum run as before; a configuration adds its own and may choose another default.
 *
 * <pre>{@code
 * TierConfig.builder()
 *     .tier("batch", true, false)       // preemptible, on ordinary resources
 *     .defaultTier("batch")             // tasks that name no tier
 *     .build();
 * }</pre>
 *
 * <p>A task names its tier with {@code TaskBuilder.tier("batch")} ({@code TaskConfig.tierName()}).
 * The scheduler keeps each tier's meaning in the task's {@link Tier} class: a tier neither preemptible
 * nor revocable is treated as {@code PREFERRED} (consumes quota, preempts preemptible work), a
 * preemptible one as {@code PREEMPTIBLE}, a revocable one as {@code REVOCABLE}.
 */
public final class TierConfig {
  /** One named tier. */
  public record TierSettings(String name, boolean preemptible, boolean revocable) {
    /** The class of {@link Tier} whose rules this tier follows. */
    public Tier tierClass() {
      return revocable ? Tier.REVOCABLE : preemptible ? Tier.PREEMPTIBLE : Tier.PREFERRED;
    }
  }

  /** Aurora's three tiers, with {@code preferred} the default. */
  public static final TierConfig AURORA = builder().build();

  private final Map<String, TierSettings> tiers;
  private final String defaultTier;

  private TierConfig(Map<String, TierSettings> tiers, String defaultTier) {
    this.tiers = Collections.unmodifiableMap(new TreeMap<>(tiers));
    this.defaultTier = defaultTier;
  }

  /** Every tier by name, in name order. */
  public Map<String, TierSettings> tiers() {
    return tiers;
  }

  /** The tier of a task that names none. */
  public String defaultTier() {
    return defaultTier;
  }

  /** The tier named {@code name}, if configured. */
  public Optional<TierSettings> tier(String name) {
    return Optional.ofNullable(tiers.get(name));
  }

  /** A builder holding Aurora's three tiers, with {@code preferred} the default. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String toString() {
    return "TierConfig" + tiers.values() + " default " + defaultTier;
  }

  /** Builds a {@link TierConfig}. */
  public static final class Builder {
    private final Map<String, TierSettings> tiers = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private String defaultTier = Tier.PREFERRED.configName();

    Builder() {
      for (Tier t : Tier.values()) {
        tiers.put(t.configName(), new TierSettings(t.configName(), t != Tier.PREFERRED, t == Tier.REVOCABLE));
      }
    }

    /**
     * Adds a tier. A revocable tier must be preemptible (revocable resources are taken back), and the
     * built-in tiers cannot be redefined.
     *
     * @throws IllegalArgumentException for a blank name or a built-in tier's name
     */
    public Builder tier(String name, boolean preemptible, boolean revocable) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("a tier's name must not be blank");
      }
      for (Tier t : Tier.values()) {
        if (t.configName().equals(name.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("tier \"" + name + "\" is built in (preferred, preemptible, revocable)"
              + " and cannot be redefined");
        }
      }
      if (revocable && !preemptible) {
        problems.add("tier \"" + name + "\": a revocable tier must be preemptible");
      }
      tiers.put(name, new TierSettings(name, preemptible, revocable));
      return this;
    }

    /** The tier of tasks that name none ({@code preferred} unless set). */
    public Builder defaultTier(String name) {
      this.defaultTier = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalArgumentException naming every problem (a revocable tier that is not preemptible,
     *     a default tier that is not configured)
     */
    public TierConfig build() {
      List<String> all = new ArrayList<>(problems);
      if (!tiers.containsKey(defaultTier)) {
        all.add("default tier \"" + defaultTier + "\" is not configured (configured: "
            + String.join(", ", tiers.keySet()) + ")");
      }
      if (!all.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", all));
      }
      return new TierConfig(tiers, defaultTier);
    }
  }
}
