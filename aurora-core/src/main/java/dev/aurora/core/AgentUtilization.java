package dev.aurora.core;

import java.util.Map;
import java.util.Objects;

/**
 * One agent as the scheduler sees it, for a utilization view: its attributes (such as {@code zone}
 * and {@code rack}), its capacity as far as the scheduler can tell (what it offered plus what its
 * tasks hold), and what this scheduler's tasks hold on it. Regular (non-revocable) resources only.
 *
 * @param id the agent's id
 * @param hostname its hostname
 * @param attributes its attributes, as its offers carry them
 * @param cpus its cpus as far as the scheduler can tell
 * @param usedCpus the cpus this scheduler's tasks hold on it
 * @param ramMb its memory in MiB as far as the scheduler can tell
 * @param usedRamMb the memory in MiB this scheduler's tasks hold on it
 * @param tasks how many of this scheduler's active tasks are on it
 * @param maintenance the host's maintenance mode
 */
public record AgentUtilization(String id, String hostname, Map<String, String> attributes, double cpus,
    double usedCpus, long ramMb, long usedRamMb, int tasks, MaintenanceMode maintenance) {
  /** Checks and copies the values. */
  public AgentUtilization {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(hostname, "hostname");
    attributes = Map.copyOf(attributes);
    Objects.requireNonNull(maintenance, "maintenance");
  }
}
