package dev.aurora.core.internal.placement;

import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.PlacementTask;

/** Prefers agents whose attribute value holds fewer tasks of the job: 1 / (1 + count). */
public final class SpreadScorer implements PlacementScorer {
  private final String attribute;

  public SpreadScorer(String attribute) {
    if (attribute == null || attribute.isBlank()) {
      throw new IllegalArgumentException("spread needs an attribute name");
    }
    this.attribute = attribute;
  }

  @Override
  public double score(PlacementTask task, AgentView agent) {
    String value = agent.attribute(attribute, null);
    if (value == null) {
      return 0;
    }
    return 1.0 / (1 + task.countOn(attribute, value));
  }

  @Override
  public String toString() {
    return "spread(" + attribute + ")";
  }
}
