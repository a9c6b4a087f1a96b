package dev.aurora.core.internal.placement;

import dev.aurora.api.Resources;
import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.PlacementTask;

/** Prefers the agent that would be fullest after placement, averaging cpu and ram. */
public final class BinPackScorer implements PlacementScorer {
  public static final BinPackScorer INSTANCE = new BinPackScorer();

  private BinPackScorer() {}

  @Override
  public double score(PlacementTask task, AgentView agent) {
    Resources r = task.config().resources();
    double capCpu = agent.capacityCpus();
    double capRam = agent.capacityRamMb();
    double cpu = capCpu <= 0 ? 0 : 1.0 - (agent.freeCpus() - r.cpus()) / capCpu;
    double ram = capRam <= 0 ? 0 : 1.0 - (agent.freeRamMb() - r.ramMb()) / capRam;
    return clamp((cpu + ram) / 2);
  }

  static double clamp(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  @Override
  public String toString() {
    return "binPack";
  }
}
