package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.PlacementScorer;
import dev.aurora.testkit.PlacementProbes.Agent;
import dev.aurora.testkit.PlacementProbes.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link PlacementScorer} owes the scheduler: for every task on every agent (agents
 * lacking attributes, with nothing free or no known capacity included) a finite score from 0 to 1,
 * without an exception, and the same score when asked again. Extend it in your scorer's tests:
 *
 * <pre>{@code
 * class PreferWarmHostsContractTest extends PlacementScorerContract {
 *   protected PlacementScorer scorer() { return new PreferWarmHosts(); }
 * }
 * }</pre>
 *
 * <p>The suite scores {@link PlacementProbes#tasks()} on {@link PlacementProbes#agents()} and the tasks
 * and agents you add ({@link #tasks()}, {@link #agents()}). Checks report every task and agent that
 * fails them.
 */
public abstract class PlacementScorerContract {
  /** The scorer under test. */
  protected abstract PlacementScorer scorer();

  /** Tasks to score beside {@link PlacementProbes#tasks()}; none unless overridden. */
  protected List<Task> tasks() {
    return List.of();
  }

  /** Agents to score beside {@link PlacementProbes#agents()}; none unless overridden. */
  protected List<Agent> agents() {
    return List.of();
  }

  private List<Task> allTasks() {
    List<Task> all = new ArrayList<>(PlacementProbes.tasks());
    all.addAll(tasks());
    return all;
  }

  private List<Agent> allAgents() {
    List<Agent> all = new ArrayList<>(PlacementProbes.agents());
    all.add(Agent.named("no-capacity").with("rack", "r9").free(2, 1024).capacity(0, 0));
    all.addAll(agents());
    return all;
  }

  @Test
  void scoresEveryTaskOnEveryAgentFromZeroToOne() {
    PlacementScorer s = scorer();
    List<String> problems = new ArrayList<>();
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        try {
          double score = s.score(t, a);
          if (!(score >= 0 && score <= 1)) {
            problems.add(t + " on " + a + ": " + score);
          }
        } catch (RuntimeException e) {
          problems.add(t + " on " + a + ": threw " + e);
        }
      }
    }
    assertThat(problems).as("scores of %s (each must be a finite number from 0 to 1)", s).isEmpty();
  }

  @Test
  void scoresAlikeWhenAskedAgain() {
    PlacementScorer s = scorer();
    List<String> problems = new ArrayList<>();
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        double first = s.score(t, a);
        double again = s.score(t.copy(), a.copy());
        if (Double.compare(first, again) != 0) {
          problems.add(t + " on " + a + ": " + first + ", then " + again);
        }
      }
    }
    assertThat(problems).as("%s scores again", s).isEmpty();
  }
}
