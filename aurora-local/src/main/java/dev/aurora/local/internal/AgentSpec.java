package dev.aurora.local.internal;

import dev.aurora.core.PortRange;
import java.util.Map;
import java.util.Optional;

/**
 * What one virtual agent is and has in all: its id, hostname and attributes, its share of the
 * machine's cpus, memory and disk, and its own port range (empty when it offers no ports).
 */
public record AgentSpec(
    String id,
    String hostname,
    Map<String, String> attributes,
    double cpus,
    long ramMb,
    long diskMb,
    Optional<PortRange> ports) {

  /** Copies the attributes so the spec stays immutable. */
  public AgentSpec {
    attributes = Map.copyOf(attributes);
  }
}
