package dev.aurora.core.internal.placement;

import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;

/** A filter with a declared {@link PlacementFilter.Kind}: what {@link PlacementFilter#ofStatic} returns. */
public final class DeclaredFilter implements PlacementFilter {
  private final Kind kind;
  private final PlacementFilter filter;

  public DeclaredFilter(Kind kind, PlacementFilter filter) {
    this.kind = kind;
    this.filter = filter;
  }

  @Override
  public Veto filter(PlacementTask task, AgentView agent) {
    return filter.filter(task, agent);
  }

  @Override
  public Kind kind() {
    return kind;
  }

  @Override
  public String toString() {
    return kind + " " + filter;
  }
}
