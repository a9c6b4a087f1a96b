package dev.aurora.core;

/**
 * How well an agent suits a task, from 0 (poor) to 1 (ideal), among agents no filter refused. The
 * scheduler adds up the weighted scores of every scorer and takes the best agent. Built in: {@link
 * #binPack()} (fill agents up; a scheduler has it at weight 1 unless {@link Placement#clearScorers()}
 * removes it, and a scorer added with {@link Placement#addScorer} counts beside it) and {@link
 * #spread(String)}.
 */
@FunctionalInterface
public interface PlacementScorer {
  /** The fitness of {@code agent} for {@code task}, 0 to 1. */
  double score(PlacementTask task, AgentView agent);

  /** Prefers the agent that would be fullest after placement (cpu and ram alike): packs tightly. */
  static PlacementScorer binPack() {
    return dev.aurora.core.internal.placement.BinPackScorer.INSTANCE;
  }

  /** Prefers agents whose {@code attribute} value holds the fewest tasks of the job: spreads out. */
  static PlacementScorer spread(String attribute) {
    return new dev.aurora.core.internal.placement.SpreadScorer(attribute);
  }
}
