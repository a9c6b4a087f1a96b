package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a task shares the cluster: whether it counts against quota and whether it may be preempted. */
public enum Tier {
  /** Production work: consumes its role's quota, is never preempted by other tiers. */
  PREFERRED,
  /** Best-effort work: consumes no quota, may be preempted by preferred tasks. */
  PREEMPTIBLE,
  /** Runs only on revocable resources (resources lent until their owner wants them back). */
  REVOCABLE;

  /** The lower-case name used in JSON and documentation. */
  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a tier name in any case. */
  @JsonCreator
  public static Tier parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(
          "task.tier: \"" + name + "\" is not one of preferred, preemptible, revocable");
    }
  }
}
