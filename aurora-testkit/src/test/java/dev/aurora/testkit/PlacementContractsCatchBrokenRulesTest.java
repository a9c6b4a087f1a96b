package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;
import org.junit.jupiter.api.Test;

/** Each check of the placement filter and scorer contracts fails for a rule that breaks it. */
class PlacementContractsCatchBrokenRulesTest {
  private static final Veto SMALL = Veto.of("small agent");

  private static PlacementFilterContract contract(PlacementFilter filter) {
    return new PlacementFilterContract() {
      @Override
      protected PlacementFilter filter() {
        return filter;
      }
    };
  }

  private static PlacementScorerContract contract(PlacementScorer scorer) {
    return new PlacementScorerContract() {
      @Override
      protected PlacementScorer scorer() {
        return scorer;
      }
    };
  }

  @Test
  void aFilterDeclaredStaticThatReadsFreeCpusFails() {
    PlacementFilter readsCpus = PlacementFilter.ofStatic((task, agent) -> agent.freeCpus() < 4 ? SMALL : Veto.none());
    assertThatThrownBy(contract(readsCpus)::aStaticFilterIgnoresFreeResourcesTaskCountsAndMaintenance)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("is declared STATIC, but its verdict changed with dynamic state")
        .hasMessageContaining("accepted, with nothing free: vetoed (small agent, 100)");
  }

  @Test
  void aFilterDeclaredDynamicWhoseVetoLessRoomLiftsFails() {
    // refuses agents with much room free: filling the agent lifts the veto, which the scheduler never re-asks
    PlacementFilter roomy = PlacementFilter.ofDynamic((task, agent) -> agent.freeCpus() >= 8 ? SMALL : Veto.none());
    assertThatThrownBy(contract(roomy)::aDynamicFiltersVetoIsNotLiftedByLessRoomOrMoreTasks)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("is declared DYNAMIC, but less room or more tasks lifted a veto")
        .hasMessageContaining("lifted with half as much free");
  }

  @Test
  void aFilterThatAnswersNullOrThrowsOnAnAgentWithoutAttributesFails() {
    PlacementFilter rackless = (task, agent) -> agent.attribute("rack", null).startsWith("r9") ? SMALL : null;
    assertThatThrownBy(contract(rackless)::answersEveryTaskOnEveryAgentWithoutThrowingOrNull)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("on bare{}")
        .hasMessageContaining("threw java.lang.NullPointerException")
        .hasMessageContaining(": null (Veto.none() accepts)");
  }

  @Test
  void aFilterThatDeclaresNoKindFails() {
    PlacementFilter noKind = new PlacementFilter() {
      @Override
      public Veto filter(PlacementTask task, AgentView agent) {
        return Veto.none();
      }

      @Override
      public Kind kind() {
        return null;
      }
    };
    assertThatThrownBy(contract(noKind)::declaresAKind).isInstanceOf(AssertionError.class)
        .hasMessageContaining("kind()");
  }

  @Test
  void aStaticFilterThatAnswersDifferentlyWhenAskedAgainFails() {
    int[] asked = {0};
    PlacementFilter flaky = PlacementFilter.ofStatic((task, agent) -> asked[0]++ % 2 == 0 ? Veto.none() : SMALL);
    assertThatThrownBy(contract(flaky)::answersAlikeWhenAskedAgain).isInstanceOf(AssertionError.class)
        .hasMessageContaining("accepted, then vetoed (small agent, 100)");
  }

  @Test
  void aScorerOutsideZeroToOneOrThrowingOnNoCapacityFails() {
    PlacementScorer unbounded = (task, agent) -> agent.freeCpus() / agent.capacityCpus();
    assertThatThrownBy(contract(unbounded)::scoresEveryTaskOnEveryAgentFromZeroToOne)
        .isInstanceOf(AssertionError.class).hasMessageContaining("on no-capacity").hasMessageContaining("Infinity");
    PlacementScorer throwing = (task, agent) -> 1.0 / agent.attribute("zone", null).length();
    assertThatThrownBy(contract(throwing)::scoresEveryTaskOnEveryAgentFromZeroToOne)
        .isInstanceOf(AssertionError.class).hasMessageContaining("threw java.lang.NullPointerException");
  }

  @Test
  void aScorerThatScoresDifferentlyWhenAskedAgainFails() {
    double[] next = {0};
    PlacementScorer drifting = (task, agent) -> (next[0] = (next[0] + 0.25) % 1);
    assertThatThrownBy(contract(drifting)::scoresAlikeWhenAskedAgain).isInstanceOf(AssertionError.class)
        .hasMessageContaining("scores again");
  }
}
