package dev.aurora.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * W1 at a small scale (200 agents in 20 racks over 3 zones, 20 jobs of 100): every placement of either
 * engine respects agent resources, ports and every constraint, and neither leaves a placeable task
 * pending. Both engines see the same workload; the audit is independent of both.
 */
class PlacementCorrectnessTest {
  private static final Workload W1_SMALL = Workload.w1InRacks(200, 20, 20, 100, 42);

  @Test
  void ourEnginePlacesW1WithinResourcesAndConstraints() {
    Outcome o;
    try (AuroraHarness h = new AuroraHarness(W1_SMALL)) {
      h.createJobs();
      o = h.outcome(h.runUntilPlaced());
    }
    assertClean(o);
  }

  @Test
  void fenzoPlacesW1WithinResourcesAndConstraints() {
    try (FenzoHarness f = new FenzoHarness(W1_SMALL, true)) {
      assertClean(f.placeAll(Long.MAX_VALUE));
    }
  }

  @Test
  void fenzoWithFullSearchPlacesW1WithinResourcesAndConstraints() {
    try (FenzoHarness f = new FenzoHarness(W1_SMALL, false)) {
      assertClean(f.placeAll(Long.MAX_VALUE));
    }
  }

  @Test
  void auditCatchesABrokenPlacement() {
    Outcome o;
    try (AuroraHarness h = new AuroraHarness(W1_SMALL)) {
      h.createJobs();
      o = h.outcome(h.runUntilPlaced());
    }
    // move every task of the first host:1 job onto one agent: limit and (likely) resources break
    int inst = o.instances();
    int job = 0;
    while (W1_SMALL.jobs.get(job).task().constraints().stream().noneMatch(c -> c.isLimit()
        && c.attribute().equals("host"))) {
      job++;
    }
    for (int i = 0; i < inst; i++) {
      o.agentOf[job * inst + i] = 0;
    }
    assertThat(PlacementAudit.check(o).violations()).isNotEmpty();
  }

  private static void assertClean(Outcome o) {
    PlacementAudit.Report audit = PlacementAudit.check(o);
    assertThat(o.complete()).as("every task tried").isTrue();
    assertThat(audit.violations()).as("resource and constraint violations").isEmpty();
    assertThat(audit.placeableLeftPending()).as("placeable tasks left pending").isZero();
    assertThat(o.placed()).as("tasks placed").isGreaterThan(o.agentOf.length / 2);
  }
}
