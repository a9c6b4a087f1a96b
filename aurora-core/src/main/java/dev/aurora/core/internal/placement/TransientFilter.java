package dev.aurora.core.internal.placement;

import dev.aurora.core.PlacementFilter;

/**
 * An internal filter whose vetoes depend on state of its own (a reservation, a deadline) rather than
 * on the task and the agent alone, and that can say when it vetoes nothing. The placement engine
 * remembers a group as stuck only when every such filter vetoed nothing: the verdict then did not rest
 * on them, and whatever they veto later only narrows it further.
 */
public interface TransientFilter extends PlacementFilter {
  /** Whether the filter passes every task on every agent now. */
  boolean vetoesNothing();
}
