package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation: the same seed replays exactly, and the seeds CI runs pass every
 * invariant. {@code -Daurora.sim.seeds=N} runs N seeds (the {@code simulation} profile runs 10,000),
 * {@code -Daurora.sim.seed=S} replays one.
 */
class SimulationTest {
  /**
   * Seeds of CI's range that fail today on a finding not yet fixed (docs/testing.md, "What the
   * simulation found"), printed on every run but not failed on; any other failing seed fails the
   * build. None today (112 was fixed: a failed update now stays within its quota peak).
   */
  static final java.util.Set<Long> KNOWN_FAILURES = java.util.Set.of();

  @Test
  void sameSeedGivesTheSameRun() {
    Simulation.Result a = Simulation.run(7, Scenario.defaults());
    Simulation.Result b = Simulation.run(7, Scenario.defaults());
    assertThat(b.trace()).isEqualTo(a.trace());
    assertThat(b.digest()).isEqualTo(a.digest());
    assertThat(b.faults()).isEqualTo(a.faults());
    assertThat(a.trace()).hasSizeGreaterThan(20);
    Simulation.Result other = Simulation.run(8, Scenario.defaults());
    assertThat(other.trace()).isNotEqualTo(a.trace());
  }

  /** Failovers often: every kind of failover happens, and the invariants hold across them. */
  private static final Scenario FAILOVERS = Scenario.builder().rate(Scenario.Fault.LEADER_FAILOVER, 0.3).build();

  @Test
  void leaderFailoversKeepEveryInvariantAndReplayExactly() {
    String all = "";
    int failovers = 0;
    for (long seed = 1; seed <= 20; seed++) {
      Simulation.Result r = Simulation.run(seed, FAILOVERS);
      r.assertNoViolation();
      failovers += r.faults().getOrDefault(Scenario.Fault.LEADER_FAILOVER, 0);
      all += String.join("\n", r.trace());
    }
    assertThat(failovers).isGreaterThan(50);
    assertThat(all).contains("loses its session (now)", "loses its session (in the middle of a step)",
        "loses its session (just after an append)", "nobody leads", "back as a follower, re-elected",
        "refused (NotLeaderException)", "while nobody leads: refused (NotLeaderException)",
        "crashes (crash)");
    Simulation.Result a = Simulation.run(3, FAILOVERS);
    Simulation.Result b = Simulation.run(3, FAILOVERS);
    assertThat(b.trace()).isEqualTo(a.trace());
    assertThat(b.digest()).isEqualTo(a.digest());
  }

  @Test
  void addingFailoversLeavesTheRestOfASeedsPlanAsItWas() {
    Scenario none = Scenario.builder().rate(Scenario.Fault.LEADER_FAILOVER, 0).build();
    for (long seed = 1; seed <= 20; seed++) {
      List<dev.aurora.testkit.internal.sim.Step> with = dev.aurora.testkit.internal.sim.SimRun.plan(seed, spec(FAILOVERS));
      List<dev.aurora.testkit.internal.sim.Step> without = dev.aurora.testkit.internal.sim.SimRun.plan(seed, spec(none));
      assertThat(with.stream().filter(st -> !st.kind().equals("LEADER_FAILOVER")).toList()).isEqualTo(without);
    }
  }

  @Test
  void oneSchedulerRunsWithoutAnElectionAndNoFailover() {
    Scenario alone = FAILOVERS.toBuilder().schedulers(1).build();
    for (long seed = 1; seed <= 5; seed++) {
      Simulation.Result r = Simulation.run(seed, alone);
      r.assertNoViolation();
      assertThat(r.faults()).doesNotContainKey(Scenario.Fault.LEADER_FAILOVER);
      assertThat(String.join("\n", r.trace())).doesNotContain("leads");
    }
    assertThatThrownBy(() -> Scenario.builder().schedulers(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schedulers must be at least 1: 0");
  }

  private static dev.aurora.testkit.internal.sim.SimRun.Spec spec(Scenario s) {
    return new dev.aurora.testkit.internal.sim.SimRun.Spec(s.agents, s.attributes, s.cpus, s.ramMb, s.steps,
        s.jobSlots, s.maxStepGapSeconds, s.weights, s.rates, s.scheduler, s.convergeWithin, s.duplicateWindow,
        s.schedulers);
  }

  @Test
  void ciSeedsPassEveryInvariant() {
    int seeds = Integer.getInteger("aurora.sim.seeds", 200);
    long first = Long.getLong("aurora.sim.firstSeed", 1);
    Map<String, Integer> faults = new TreeMap<>();
    long steps = 0;
    long simulatedSeconds = 0;
    List<Simulation.Result> failed = new ArrayList<>();
    long started = System.nanoTime();
    for (long seed = first; seed < first + seeds; seed++) {
      Simulation.Result r = Simulation.run(seed, Scenario.defaults());
      steps += r.stepsRun();
      simulatedSeconds += r.simulated().toSeconds();
      r.faults().forEach((f, n) -> faults.merge(f.name(), n, Integer::sum));
      if (!r.passed()) {
        failed.add(r);
        System.out.println("FAILED seed " + seed + ": " + r.violations());
      }
      if ((seed - first + 1) % 1000 == 0) {
        System.out.printf("simulation: %d seeds run, %d failed, %.0f s%n", seed - first + 1, failed.size(),
            (System.nanoTime() - started) / 1e9);
      }
    }
    System.out.printf("simulation: %d seeds from %d, %d steps, %d simulated hours, faults %s, %d failed, %.1f s%n",
        seeds, first, steps, simulatedSeconds / 3600, faults, failed.size(), (System.nanoTime() - started) / 1e9);
    System.out.println("simulation: failing seeds " + failed.stream().map(Simulation.Result::seed).toList());
    List<Simulation.Result> unexpected = failed.stream().filter(r -> !KNOWN_FAILURES.contains(r.seed())).toList();
    if (!unexpected.isEmpty()) {
      unexpected.get(0).assertNoViolation();
    }
  }

  @Test
  void replaysOneSeed() {
    Long seed = Long.getLong(Simulation.SEED_PROPERTY);
    if (seed == null) {
      return;
    }
    Simulation.Result r = Simulation.run(seed, Scenario.defaults());
    System.out.println(r.report());
    r.assertNoViolation();
  }
}
