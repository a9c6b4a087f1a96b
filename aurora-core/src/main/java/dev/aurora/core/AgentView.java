package dev.aurora.core;

import org.jspecify.annotations.Nullable;

/**
 * What a placement filter or scorer sees of an agent: who it is and what is free on it now for the
 * task being placed (its revocable resources for a revocable-tier task, its regular ones otherwise),
 * including what earlier placements of the same pass took.
 */
public interface AgentView {
  /** The agent's id. */
  String id();

  /** The agent's hostname. */
  String hostname();

  /**
   * The value of an attribute ({@code host} is the hostname), or {@code otherwise} when the agent
   * lacks it: null only if {@code otherwise} is null. (No Optional here: this is called in placement's
   * hottest loop, where an allocation per call shows.)
   */
  @Nullable String attribute(String name, @Nullable String otherwise);

  /** Free cpus. */
  double freeCpus();

  /** Free memory in MiB. */
  long freeRamMb();

  /** Free disk in MiB. */
  long freeDiskMb();

  /** Free gpus. */
  int freeGpus();

  /** How many ports are free. */
  int freePorts();

  /** The agent's cpus as far as the scheduler can tell (free plus what its tasks hold). */
  double capacityCpus();

  /** The agent's memory in MiB as far as the scheduler can tell. */
  long capacityRamMb();

  /** Whether the free resources shown are revocable ones. */
  boolean revocable();

  /** The host's maintenance mode. */
  MaintenanceMode maintenance();

  /** How many of this scheduler's active tasks are on the agent. */
  int taskCount();
}
