package dev.aurora.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The placement pipeline a scheduler uses: the built-in filters plus any added, and the scorers with
 * their weights (bin-pack with weight 1 unless changed).
 *
 * <pre>{@code
 * Scheduler.builder().placement(p -> p.addFilter(new NoGpuJobsOnSpotHosts())
 *                                     .addScorer(new PreferWarmHosts(), 2.0));
 * }</pre>
 */
public final class Placement {
  private final List<PlacementFilter> filters = new ArrayList<>();
  private final List<PlacementScorer> scorers = new ArrayList<>();
  private final List<Double> weights = new ArrayList<>();

  Placement() {
    scorers.add(PlacementScorer.binPack());
    weights.add(1.0);
  }

  /** Adds a filter; it runs after the built-in ones. */
  public Placement addFilter(PlacementFilter filter) {
    filters.add(Objects.requireNonNull(filter, "filter"));
    return this;
  }

  /** Adds a scorer with a weight (> 0). */
  public Placement addScorer(PlacementScorer scorer, double weight) {
    Objects.requireNonNull(scorer, "scorer");
    if (!(weight > 0)) {
      throw new IllegalArgumentException("scorer weight must be > 0, was " + weight);
    }
    scorers.add(scorer);
    weights.add(weight);
    return this;
  }

  /** Removes every scorer, the default bin-pack too, so only scorers added afterwards count. */
  public Placement clearScorers() {
    scorers.clear();
    weights.clear();
    return this;
  }

  /** The filters added by the user, in order. */
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
