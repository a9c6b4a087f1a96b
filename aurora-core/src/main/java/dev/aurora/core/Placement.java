package dev.aurora.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The placement pipeline a scheduler uses: the built-in filters ({@link PlacementFilter#builtIns()}),
 * registered here like any added after them, and the scorers with their weights.
 *
 * <p>The scorers start as {@link PlacementScorer#binPack()} at weight 1. {@link #addScorer} adds a
 * scorer <em>beside</em> it: an agent's score is the weighted sum of every scorer's, so bin-pack still
 * counts. To use only your own scorers (pure spread, say), call {@link #clearScorers()} first.
 *
 * <pre>{@code
 * // bin-pack (weight 1) plus a preference for warm hosts (weight 2)
 * Scheduler.builder().placement(p -> p.addFilter(new NoGpuJobsOnSpotHosts())
 *                                     .addScorer(new PreferWarmHosts(), 2.0));
 * // spread across racks, and nothing else
 * Scheduler.builder().placement(p -> p.clearScorers().addScorer(PlacementScorer.spread("rack"), 1.0));
 * }</pre>
 */
public final class Placement {
  private final List<PlacementFilter> filters = new ArrayList<>();
  private final List<PlacementScorer> scorers = new ArrayList<>();
  private final List<Double> weights = new ArrayList<>();

  Placement() {
    for (PlacementFilter builtIn : PlacementFilter.builtIns()) {
      addFilter(builtIn);
    }
    scorers.add(PlacementScorer.binPack());
    weights.add(1.0);
  }

  /**
   * Adds a filter; it runs after the built-in ones ({@link PlacementFilter#builtIns()}, which every
   * placement starts with) and those added before it. Declare its {@link PlacementFilter#kind() kind}
   * when its verdict rests only on the task and the agent: an undeclared filter ({@link
   * PlacementFilter.Kind#EXTERNAL}) makes every placement pass judge again the tasks no agent could take.
   *
   * @throws IllegalArgumentException if the filter declares no kind ({@code kind()} returns null)
   */
  public Placement addFilter(PlacementFilter filter) {
    Objects.requireNonNull(filter, "filter");
    if (filter.kind() == null) {
      throw new IllegalArgumentException("placement filter " + filter + " declares no kind: kind() returned null");
    }
    filters.add(filter);
    return this;
  }

  /**
   * Adds a scorer with a weight (finite, &gt; 0) beside the scorers there already are, the built-in bin-pack at
   * weight 1 included unless {@link #clearScorers()} removed it: the agent with the highest weighted
   * sum of scores wins. For example, with {@code addScorer(spread("rack"), 1.0)} alone, spread and
   * bin-pack count equally.
   *
   * @throws IllegalArgumentException if {@code weight} is not a finite number &gt; 0
   */
  public Placement addScorer(PlacementScorer scorer, double weight) {
    Objects.requireNonNull(scorer, "scorer");
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("scorer weight must be finite and > 0, was " + weight);
    }
    scorers.add(scorer);
    weights.add(weight);
    return this;
  }

  /**
   * Removes every scorer added so far, the built-in bin-pack too, so that only scorers added afterwards
   * count. Call it before {@link #addScorer} to replace bin-pack rather than add to it. With no scorer
   * added afterwards, every agent the filters accept scores the same.
   */
  public Placement clearScorers() {
    scorers.clear();
    weights.clear();
    return this;
  }

  /** The filters in the order they run: the built-in ones, then those added. */
  public List<PlacementFilter> filters() {
    return List.copyOf(filters);
  }

  /** The scorers, in order. */
  public List<PlacementScorer> scorers() {
    return List.copyOf(scorers);
  }

  /** The scorers' weights, aligned with {@link #scorers()}. */
  public List<Double> weights() {
    return List.copyOf(weights);
  }
}
