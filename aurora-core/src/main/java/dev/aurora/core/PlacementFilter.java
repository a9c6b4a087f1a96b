package dev.aurora.core;

/**
 * A placement rule that can refuse an agent for a task, with a reason. The built-in rules (resources,
 * value and limit constraints, dedicated agents, maintenance, tiers) are filters like any user's.
 *
 * <pre>{@code
 * final class NoGpuJobsOnSpotHosts implements PlacementFilter {
 *   private static final Veto SPOT = Veto.of("gpu job on spot host");
 *   public Veto filter(PlacementTask task, AgentView agent) {
 *     return task.config().resources().gpus() > 0 && agent.attribute("spot", "false").equals("true")
 *         ? SPOT : Veto.none();
 *   }
 * }
 * }</pre>
 *
 * <p>Filters run on the state loop, in placement's hottest loop: keep them fast and allocation-free,
 * and return preallocated {@link Veto}s.
 */
@FunctionalInterface
public interface PlacementFilter {
  /** {@link Veto#none()} if {@code task} may go on {@code agent}; otherwise why not. */
  Veto filter(PlacementTask task, AgentView agent);
}
