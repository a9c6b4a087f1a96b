package dev.aurora.local.internal;

import java.util.Map;

/** What one task holds on its agent while it runs: thousandths of cpus, memory, disk and ports. */
record Allocation(Agent agent, long milliCpus, long ramMb, long diskMb, Map<String, Integer> ports) {
  Allocation {
    ports = Map.copyOf(ports);
  }
}
