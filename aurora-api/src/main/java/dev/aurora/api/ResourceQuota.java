package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/**
 * The most a role's production ({@link Tier#PREFERRED}) tasks may hold at once: cpus, ram, disk and
 * gpus. Preemptible and revocable tasks take no quota.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableResourceQuota.class)
@JsonDeserialize(as = ImmutableResourceQuota.class)
public abstract class ResourceQuota {
  /** No quota at all: a role with it may run no production task. */
  public static final ResourceQuota NONE = of(0, 0, 0, 0);

  /** Cpu cores. */
  @Value.Parameter
  public abstract double cpus();

  /** Memory in MiB. */
  @Value.Parameter
  public abstract long ramMb();

  /** Disk in MiB. */
  @Value.Parameter
  public abstract long diskMb();

  /** Whole gpus. */
  @Value.Parameter
  public abstract int gpus();

  /**
   * A quota of these amounts; each must be >= 0, and cpus a finite number.
   *
   * @throws InvalidConfigException if an amount is negative, or cpus is NaN or infinite
   */
  public static ResourceQuota of(double cpus, long ramMb, long diskMb, int gpus) {
    return ImmutableResourceQuota.of(cpus, ramMb, diskMb, gpus);
  }

  /** Whether {@code used} stays within this quota in every dimension. */
  public boolean covers(Resources used) {
    return used.cpus() <= cpus() + 1e-9
        && used.ramMb() <= ramMb()
        && used.diskMb() <= diskMb()
        && used.gpus() <= gpus();
  }

  /** The quota as resources (no ports). */
  public Resources asResources() {
    return Resources.builder().cpus(cpus()).ramMb(ramMb()).diskMb(diskMb()).gpus(gpus()).build();
  }

  @Value.Check
  protected void check() {
    if (!Double.isFinite(cpus())) {
      throw new InvalidConfigException("quota.cpus: must be a finite number >= 0, was " + cpus());
    }
    if (cpus() < 0 || ramMb() < 0 || diskMb() < 0 || gpus() < 0) {
      throw new InvalidConfigException("quota: every amount must be >= 0, was " + this);
    }
  }
}
