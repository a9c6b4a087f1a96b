package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checker checked: with a bug of issue 12 (or a split brain of issue 19) put back (the core's test-only {@code aurora.mutation}
 * switch), the simulation fails within the seeds CI runs, naming the invariant the bug breaks.
 */
class SimulationCatchesReintroducedBugsTest {
  /** The seeds {@link SimulationTest#ciSeedsPassEveryInvariant()} runs by default start here. */
  private static final int CI_SEEDS = 200;

  @AfterEach
  void switchOff() {
    System.clearProperty("aurora.mutation");
  }

  /**
   * Runs CI's seeds in order until one violates {@code invariant}; returns its violations (empty if
   * none did).
   */
  private static List<String> firstFailure(String mutation, String invariant) {
    System.setProperty("aurora.mutation", mutation);
    for (long seed = 1; seed <= CI_SEEDS; seed++) {
      Simulation.Result r = Simulation.run(seed, Scenario.defaults());
      if (r.violations().stream().anyMatch(v -> v.startsWith(invariant))) {
        System.out.println("mutation " + mutation + " caught by seed " + seed + ": " + r.violations());
        return r.violations();
      }
    }
    return new ArrayList<>();
  }

  @Test
  void anUpdateUndoingAddInstancesIsCaught() {
    assertThat(firstFailure("instance-changes-during-update", "liveInstancesEqualConfigOnceOperationsStop"))
        .isNotEmpty();
  }

  @Test
  void aHealthChangeTheUpdateNeverSawIsCaught() {
    assertThat(firstFailure("health-change-unseen", "everyUpdateEndsTerminal")).isNotEmpty();
  }

  /**
   * A leader that ignores losing its session goes on writing to the shared storage beside the new
   * leader (split brain): the fenced storage under the core sees the deposed process write.
   */
  @Test
  void aDeposedLeaderThatKeepsActingIsCaught() {
    assertThat(firstFailure("deposed-leader-keeps-acting", "deposedLeaderNeverAppends")).isNotEmpty();
  }
}
