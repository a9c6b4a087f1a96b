package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.Veto;
import dev.aurora.testkit.PlacementProbes.Agent;
import dev.aurora.testkit.PlacementProbes.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link PlacementFilter} owes the scheduler, as its Javadoc states it: a verdict
 * (never null, never an exception) for every task on every agent, agents lacking attributes or with
 * nothing free included; the same verdict when asked again; and a {@link PlacementFilter#kind() kind}
 * that tells the truth: a {@link PlacementFilter.Kind#STATIC STATIC} filter ignores free resources, task
 * counts, maintenance and revocability, and a {@link PlacementFilter.Kind#DYNAMIC DYNAMIC} one never
 * lifts a veto because an agent has less room or the job more tasks. Extend it in your filter's tests:
 *
 * <pre>{@code
 * class NoGpuJobsOnSpotHostsContractTest extends PlacementFilterContract {
 *   protected PlacementFilter filter() { return new NoGpuJobsOnSpotHosts(); }
 *   protected List<Agent> agents() { return List.of(Agent.named("spot-1").with("spot", "true").free(8, 16384)); }
 * }
 * }</pre>
 *
 * <p>The suite judges {@link PlacementProbes#tasks()} on {@link PlacementProbes#agents()} and on the
 * tasks and agents you add ({@link #tasks()}, {@link #agents()}): add those your filter vetoes, so the
 * checks of its kind have vetoes to look at. An {@link PlacementFilter.Kind#EXTERNAL EXTERNAL} filter is
 * only checked for answering: its verdicts may change with anything. Checks report every task and agent
 * that fails them, not just the first.
 */
public abstract class PlacementFilterContract {
  /** The filter under test; a new instance per call is fine. */
  protected abstract PlacementFilter filter();

  /** Tasks to judge beside {@link PlacementProbes#tasks()}; none unless overridden. */
  protected List<Task> tasks() {
    return List.of();
  }

  /** Agents to judge on beside {@link PlacementProbes#agents()}; none unless overridden. */
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
    all.addAll(agents());
    return all;
  }

  @Test
  void declaresAKind() {
    assertThat(filter().kind()).as("kind() of %s", filter()).isNotNull();
  }

  @Test
  void answersEveryTaskOnEveryAgentWithoutThrowingOrNull() {
    PlacementFilter f = filter();
    List<String> problems = new ArrayList<>();
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        try {
          if (f.filter(t, a) == null) {
            problems.add(t + " on " + a + ": null (Veto.none() accepts)");
          }
        } catch (RuntimeException e) {
          problems.add(t + " on " + a + ": threw " + e);
        }
      }
    }
    assertThat(problems).as("verdicts of %s", f).isEmpty();
  }

  @Test
  void answersAlikeWhenAskedAgain() {
    PlacementFilter f = filter();
    if (f.kind() == PlacementFilter.Kind.EXTERNAL) {
      return;
    }
    List<String> problems = new ArrayList<>();
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        String first = verdict(f, t, a);
        String again = verdict(f, t.copy(), a.copy());
        if (!first.equals(again)) {
          problems.add(t + " on " + a + ": " + first + ", then " + again);
        }
      }
    }
    assertThat(problems).as("%s (%s) answers again", f, f.kind()).isEmpty();
  }

  /** What a STATIC filter must not look at: each changes one thing the scheduler tracks. */
  private static final List<Change> TRACKED_STATE = List.of(
      new Change("nothing free", a -> a.free(0, 0, 0, 0, 0), t -> t),
      new Change("plenty free", a -> a.free(1024, 1 << 24, 1 << 24, 64, 10_000), t -> t),
      new Change("capacity doubled", a -> a.capacity(a.capacityCpus() * 2 + 1, a.capacityRamMb() * 2 + 1), t -> t),
      new Change("20 more tasks", a -> a.taskCount(a.taskCount() + 20), t -> t),
      new Change("draining", a -> a.maintenance(MaintenanceMode.DRAINING), t -> t),
      new Change("out of maintenance", a -> a.maintenance(MaintenanceMode.NONE), t -> t),
      new Change("revocable", a -> a.revocable(!a.revocable()), t -> t),
      new Change("5 more tasks of the job everywhere", a -> a, t -> t.moreEverywhere(5)));

  /** What never lifts a DYNAMIC filter's veto: less room, more tasks. */
  private static final List<Change> LESS_ROOM = List.of(
      new Change("nothing free", a -> a.free(0, 0, 0, 0, 0), t -> t),
      new Change("half as much free", a -> a.free(a.freeCpus() / 2, a.freeRamMb() / 2, a.freeDiskMb() / 2,
          a.freeGpus() / 2, a.freePorts() / 2), t -> t),
      new Change("20 more tasks", a -> a.taskCount(a.taskCount() + 20), t -> t),
      new Change("5 more tasks of the job everywhere", a -> a, t -> t.moreEverywhere(5)));

  private record Change(String name, UnaryOperator<Agent> agent, UnaryOperator<Task> task) {}

  @Test
  void aStaticFilterIgnoresFreeResourcesTaskCountsAndMaintenance() {
    PlacementFilter f = filter();
    if (f.kind() != PlacementFilter.Kind.STATIC) {
      return;
    }
    List<String> problems = new ArrayList<>();
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        String before = verdict(f, t, a);
        for (Change c : TRACKED_STATE) {
          String after = verdict(f, c.task.apply(t.copy()), c.agent.apply(a.copy()));
          if (!before.equals(after)) {
            problems.add(t + " on " + a + ": " + before + ", with " + c.name + ": " + after);
          }
        }
      }
    }
    assertThat(problems).as("%s is declared STATIC, but its verdict changed with dynamic state; declare it "
        + "DYNAMIC or EXTERNAL", f).isEmpty();
  }

  @Test
  void aDynamicFiltersVetoIsNotLiftedByLessRoomOrMoreTasks() {
    PlacementFilter f = filter();
    if (f.kind() != PlacementFilter.Kind.DYNAMIC) {
      return;
    }
    List<String> problems = new ArrayList<>();
    int vetoes = 0;
    for (Task t : allTasks()) {
      for (Agent a : allAgents()) {
        Veto before = f.filter(t, a);
        if (before.isNone()) {
          continue;
        }
        vetoes++;
        for (Change c : LESS_ROOM) {
          if (f.filter(c.task.apply(t.copy()), c.agent.apply(a.copy())).isNone()) {
            problems.add(t + " on " + a + ": " + before + ", lifted with " + c.name);
          }
        }
      }
    }
    assertThat(problems).as("%s is declared DYNAMIC, but less room or more tasks lifted a veto (the scheduler "
        + "does not ask again then); declare it EXTERNAL", f).isEmpty();
    assertThat(vetoes).as("no task was vetoed on any agent: add tasks() or agents() that %s vetoes", f)
        .isPositive();
  }

  private static String verdict(PlacementFilter f, Task t, Agent a) {
    Veto v = f.filter(t, a);
    return v == null ? "null" : v.isNone() ? "accepted" : "vetoed (" + v.reason() + ", " + v.severity() + ")";
  }
}
