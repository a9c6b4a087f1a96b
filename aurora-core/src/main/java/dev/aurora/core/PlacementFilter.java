package dev.aurora.core;

import java.util.List;
import java.util.Objects;

/**
 * A placement rule that can refuse an agent for a task, with a reason. The built-in rules ({@link
 * #builtIns()}: value and limit constraints, tiers, maintenance, resources, dedicated agents) are
 * filters like any user's, registered the same way and declaring their {@link Kind} the same way.
 *
 * <pre>{@code
 * final class NoGpuJobsOnSpotHosts implements PlacementFilter {
 *   private static final Veto SPOT = Veto.of("gpu job on spot host");
 *   public Veto filter(PlacementTask task, AgentView agent) {
 *     return task.config().resources().gpus() > 0 && agent.attribute("spot", "false").equals("true")
 *         ? SPOT : Veto.none();
 *   }
 *   public Kind kind() {
 *     return Kind.STATIC; // reads only the task's config and the agent's attributes
 *   }
 * }
 * // or, for a lambda:
 * PlacementFilter.ofStatic((task, agent) -> ...);
 * }</pre>
 *
 * <p>Filters run on the state loop, in placement's hottest loop: keep them fast and allocation-free,
 * and return preallocated {@link Veto}s.
 *
 * <h2>Declare what a verdict depends on</h2>
 *
 * A placement pass that leaves tasks pending remembers their group as stuck, and later passes skip it
 * until something that could lift a veto changes (an agent gains free resources, a task of the job
 * ends, maintenance changes). That is only sound if every filter's verdict rests on what the scheduler
 * tracks, so each filter declares its {@link #kind()}:
 *
 * <ul>
 *   <li>{@link Kind#STATIC}: the verdict depends only on the task's {@link PlacementTask#job() job} and
 *       {@link PlacementTask#config() config} and on the agent's {@link AgentView#id() id}, {@link
 *       AgentView#hostname() hostname} and {@link AgentView#attribute attributes}.
 *   <li>{@link Kind#DYNAMIC}: it may also read the state the scheduler tracks and shows it: free and
 *       capacity resources, {@link AgentView#revocable()}, {@link AgentView#maintenance()}, {@link
 *       AgentView#taskCount()} and {@link PlacementTask#countOn}. A veto must be one that only more free
 *       room, fewer tasks or a maintenance change can lift (as "insufficient ram" or "limit host:1").
 *   <li>{@link Kind#EXTERNAL}, the default: anything else (the time, state of the filter's own, a remote
 *       service). A stuck group is then judged again on every pass: correct, but with many agents and
 *       stuck groups each pass costs a full look at the cluster per stuck group.
 * </ul>
 *
 * <p>The default is the safe one: a filter declared too loosely (EXTERNAL that is really STATIC) only
 * costs time, while one declared too tightly can leave tasks pending after the condition that vetoed
 * them has gone. Declare STATIC or DYNAMIC whenever it is true; {@code PlacementFilterContract} in
 * aurora-testkit checks a declaration against the filter.
 */
@FunctionalInterface
public interface PlacementFilter {
  /** {@link Veto#none()} if {@code task} may go on {@code agent}; otherwise why not. Never null. */
  Veto filter(PlacementTask task, AgentView agent);

  /** What this filter's verdict depends on; {@link Kind#EXTERNAL} unless declared. Never null. */
  default Kind kind() {
    return Kind.EXTERNAL;
  }

  /** What a filter's verdict depends on, which decides whether the scheduler may reuse it. */
  enum Kind {
    /**
     * Only the task's job and config and the agent's id, hostname and attributes: the same task and
     * agent always get the same verdict. Value constraints and dedicated agents are static.
     */
    STATIC,
    /**
     * Also the state the scheduler tracks and shows the filter (free and capacity resources, revocable,
     * maintenance, task counts, {@link PlacementTask#countOn}); a veto is lifted only by more free room,
     * fewer tasks or a maintenance change. Resources, tiers, maintenance and limit constraints are dynamic.
     */
    DYNAMIC,
    /**
     * Anything else (time, the filter's own state, a remote service): asked afresh on every pass, and a
     * group it may have held back is judged again on every pass. The default.
     */
    EXTERNAL
  }

  /**
   * {@code filter} declared {@link Kind#STATIC}: its verdict must depend only on the task's job and
   * config and the agent's id, hostname and attributes.
   */
  static PlacementFilter ofStatic(PlacementFilter filter) {
    return declared(Kind.STATIC, filter);
  }

  /**
   * {@code filter} declared {@link Kind#DYNAMIC}: its verdict may also depend on the agent's free
   * resources, maintenance and task counts, and a veto is lifted only by more room, fewer tasks or a
   * maintenance change.
   */
  static PlacementFilter ofDynamic(PlacementFilter filter) {
    return declared(Kind.DYNAMIC, filter);
  }

  /** {@code filter} declared {@code kind}, whatever it declared itself. */
  static PlacementFilter declared(Kind kind, PlacementFilter filter) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(filter, "filter");
    return new dev.aurora.core.internal.placement.DeclaredFilter(kind, filter);
  }

  /**
   * New instances of the built-in filters, in the order a scheduler runs them: value constraints,
   * limit constraints, tier, maintenance, resources, dedicated agents. Every scheduler has them before
   * the filters added with {@link Placement#addFilter}; this is for tests and for judging agents the
   * way the scheduler does.
   */
  static List<PlacementFilter> builtIns() {
    return dev.aurora.core.internal.placement.BuiltInFilters.all();
  }
}
