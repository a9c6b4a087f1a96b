package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.SortedSet;
import com.google.common.collect.Sets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.immutables.value.Value;

/**
 * An amount of resources: cpus (fractional), ram and disk in MiB, gpus, and named ports. A task asks
 * for one; quotas and agents are measured in them.
 *
 * <p>Arithmetic never goes negative silently: {@link #subtract} throws when a field would drop below
 * zero. Named ports are a set: adding unions them, subtracting removes them.
 */
@Value.Immutable(prehash = true)
@JsonSerialize(as = ImmutableResources.class)
@JsonDeserialize(as = ImmutableResources.class)
public abstract class Resources {
  /** Nothing at all. */
  public static final Resources NONE = builder().build();

  /** Cpu cores; fractions are allowed ({@code 0.25}). */
  @Value.Default
  public double cpus() {
    return 0;
  }

  /** Memory in MiB. */
  @Value.Default
  public long ramMb() {
    return 0;
  }

  /** Disk in MiB. */
  @Value.Default
  public long diskMb() {
    return 0;
  }

  /** Whole gpus. */
  @Value.Default
  public int gpus() {
    return 0;
  }

  /** Names of the ports a task needs; each gets a port number at launch ({@code {{port.NAME}}}). */
  @Value.NaturalOrder
  public abstract SortedSet<String> ports();

  /** A builder, every field zero. */
  public static ImmutableResources.Builder builder() {
    return ImmutableResources.builder();
  }

  /** Cpus, ram and disk, with no gpus or ports. */
  public static Resources of(double cpus, long ramMb, long diskMb) {
    return builder().cpus(cpus).ramMb(ramMb).diskMb(diskMb).build();
  }

  /** The sum of this and {@code other}; ports are united. */
  public Resources add(Resources other) {
    return builder()
        .cpus(round(cpus() + other.cpus()))
        .ramMb(ramMb() + other.ramMb())
        .diskMb(diskMb() + other.diskMb())
        .gpus(gpus() + other.gpus())
        .ports(Sets.union(ports(), other.ports()))
        .build();
  }

  /**
   * This minus {@code other}; ports of {@code other} are removed.
   *
   * @throws IllegalArgumentException naming each field that would go negative
   */
  public Resources subtract(Resources other) {
    List<String> negative = new ArrayList<>();
    double cpus = round(cpus() - other.cpus());
    if (cpus < 0) {
      negative.add("cpus " + cpus() + " - " + other.cpus());
    }
    if (ramMb() < other.ramMb()) {
      negative.add("ramMb " + ramMb() + " - " + other.ramMb());
    }
    if (diskMb() < other.diskMb()) {
      negative.add("diskMb " + diskMb() + " - " + other.diskMb());
    }
    if (gpus() < other.gpus()) {
      negative.add("gpus " + gpus() + " - " + other.gpus());
    }
    if (!negative.isEmpty()) {
      throw new IllegalArgumentException("resources would go negative: " + String.join(", ", negative));
    }
    return builder()
        .cpus(cpus)
        .ramMb(ramMb() - other.ramMb())
        .diskMb(diskMb() - other.diskMb())
        .gpus(gpus() - other.gpus())
        .ports(Sets.difference(ports(), other.ports()))
        .build();
  }

  /** Whether this amount fits in {@code available}: every scalar no larger, and no more ports. */
  public boolean fitsIn(Resources available) {
    return cpus() <= available.cpus() + 1e-9
        && ramMb() <= available.ramMb()
        && diskMb() <= available.diskMb()
        && gpus() <= available.gpus()
        && ports().size() <= available.ports().size();
  }

  /**
   * This amount {@code factor} times over (for example the resources of a job of {@code factor}
   * instances); ports are kept as they are.
   */
  public Resources scale(int factor) {
    if (factor < 0) {
      throw new IllegalArgumentException("scale factor must be >= 0, was " + factor);
    }
    return builder()
        .cpus(round(cpus() * factor))
        .ramMb(ramMb() * factor)
        .diskMb(diskMb() * factor)
        .gpus(gpus() * factor)
        .ports(ports())
        .build();
  }

  /** Whether every scalar is zero and no port is named. */
  @JsonIgnore
  public boolean isEmpty() {
    return cpus() == 0 && ramMb() == 0 && diskMb() == 0 && gpus() == 0 && ports().isEmpty();
  }

  /** A copy with these port names in place of the current ones. */
  public Resources withPorts(Set<String> names) {
    return ImmutableResources.copyOf(this).withPorts((Iterable<String>) names);
  }

  /** Rounds away the binary noise of cpu sums to a thousandth of a core. */
  private static double round(double cpus) {
    return Math.round(cpus * 1000.0) / 1000.0;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("cpus=").append(cpus()).append(", ramMb=").append(ramMb()).append(", diskMb=").append(diskMb());
    if (gpus() > 0) {
      sb.append(", gpus=").append(gpus());
    }
    if (!ports().isEmpty()) {
      sb.append(", ports=").append(ports());
    }
    return sb.toString();
  }
}
