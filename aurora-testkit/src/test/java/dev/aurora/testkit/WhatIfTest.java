package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The what-if simulator runs a described workload on a described cluster and reports what a planner asks. */
class WhatIfTest {
  private static final String SMALL = """
      {"cluster": {"racks": 2, "agentsPerRack": 4, "cpus": 8, "ramMb": 16384},
       "hours": 1, "sampleSeconds": 30,
       "jobs": [{"name": "www/prod/web", "instances": 12, "cpus": 1, "ramMb": 1024},
                {"name": "batch/prod/etl", "kind": "oneOff", "instances": 10, "cpus": 2, "ramMb": 2048,
                 "tier": "preemptible", "startMinute": 5, "runMinutes": 10, "everyMinutes": 20}],
       "events": [{"atMinute": 15, "loseRack": 0, "forMinutes": 10}, {"atMinute": 35, "rollingUpdate": "all"}]}
      """;

  @Test
  void reportsPlacementPendingAllocationRecoveryAndRollingUpdates() {
    WhatIf.Report r = WhatIf.run(SMALL);
    assertThat(r.placed()).isGreaterThanOrEqualTo(12 + 30); // the service, three runs of the batch job, replacements
    assertThat(r.pendingPercentiles()).containsKeys("p50", "p90", "p99", "max");
    assertThat(r.peakCpuAllocation()).isGreaterThan(0).isLessThanOrEqualTo(100);
    assertThat(r.rackRecovery()).hasSize(1);
    assertThat(r.rackRecovery().values().iterator().next()).isLessThan(Duration.ofMinutes(10));
    assertThat(r.rollingUpdates()).hasSize(1);
    assertThat(r.rollingUpdates().keySet().iterator().next()).contains("www/prod/web").contains("ROLLED_FORWARD");
    assertThat(r.summary()).contains("placements:", "pending time:", "cpu allocation:", "preemptions:",
        "recovery after rack r0", "rolling update of every service:");
    assertThat(r.csv()).startsWith("minute,cpu_allocated_pct,ram_allocated_pct,running,pending\n");
    assertThat(r.csv().lines().count()).isEqualTo(1 + 121); // a sample every 30 s for an hour, both ends
    assertThat(r.svg()).startsWith("<svg").contains("polyline");
  }

  @Test
  void sameInputGivesTheSameReport() {
    assertThat(WhatIf.run(SMALL).csv()).isEqualTo(WhatIf.run(SMALL).csv());
  }

  @Test
  void badInputNamesEveryProblem() {
    assertThatThrownBy(() -> WhatIf.run("""
        {"cluster": {"racks": 0}, "hours": 0, "jobs": [{"kind": "daemon"}]}
        """)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("racks").hasMessageContaining("hours").hasMessageContaining("a job has no name")
        .hasMessageContaining("kind must be service or oneOff");
  }
}
