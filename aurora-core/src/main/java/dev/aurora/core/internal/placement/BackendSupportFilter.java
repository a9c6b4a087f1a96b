package dev.aurora.core.internal.placement;

import dev.aurora.api.TaskConfig;
import dev.aurora.core.AgentView;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;

/**
 * Refuses every agent to a task whose config the backend cannot run ({@link
 * ClusterBackend#cannotRun}), with the backend's reason: such a task stays pending, visibly, rather
 * than running without what it asked for. Static: the answer depends only on the config.
 */
public final class BackendSupportFilter implements PlacementFilter {
  private final ClusterBackend backend;
  // the last config asked about and its verdict: the tasks of one group share one config
  private TaskConfig lastConfig;
  private Veto lastVeto;

  public BackendSupportFilter(ClusterBackend backend) {
    this.backend = backend;
  }

  @Override
  public Veto filter(PlacementTask task, AgentView agent) {
    TaskConfig config = task.config();
    if (config != lastConfig) {
      lastVeto = backend.cannotRun(config).map(Veto::of).orElse(Veto.none());
      lastConfig = config;
    }
    return lastVeto;
  }

  @Override
  public Kind kind() {
    return Kind.STATIC;
  }

  @Override
  public String toString() {
    return "backend support";
  }
}
