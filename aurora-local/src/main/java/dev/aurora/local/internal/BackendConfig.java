package dev.aurora.local.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a {@link LocalCluster} is built from, checked by {@code LocalBackend.Builder}: the
 * agents, where sandboxes go and how long they stay, the kill grace period and how often memory is
 * sampled, whether tasks outlive the backend's close to be adopted by the next one, and the container
 * runtime command (podman or docker) that runs tasks with a container, if any.
 */
public record BackendConfig(
    List<AgentSpec> agents,
    Path sandboxRoot,
    Duration killGracePeriod,
    Duration sandboxMaxAge,
    int sandboxMaxCount,
    Duration memoryCheckInterval,
    boolean keepTasksOnClose,
    Optional<String> containerRuntime) {

  /** Copies the agent list so the config stays immutable. */
  public BackendConfig {
    agents = List.copyOf(agents);
  }
}
