package dev.aurora.local.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link LocalCluster} is built from, checked by {@code LocalBackend.Builder}: the
 * agents, where sandboxes go and how long they stay, the kill grace period and how often memory is
 * sampled, and whether tasks outlive the backend's close to be adopted by the next one.
 */
public record BackendConfig(
    List<AgentSpec> agents,
    Path sandboxRoot,
    Duration killGracePeriod,
    Duration sandboxMaxAge,
    int sandboxMaxCount,
    Duration memoryCheckInterval,
    boolean keepTasksOnClose) {

  /** Copies the agent list so the config stays immutable. */
  public BackendConfig {
    agents = List.copyOf(agents);
  }
}
