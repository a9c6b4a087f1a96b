package dev.aurora.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the workloads say about themselves. */
class WorkloadTest {
  @Test
  void w1SaysHowManyOfItsTasksItsConstraintsLetBePlaced() {
    Workload w1 = Workload.w1InRacks(10_000, 100, 1_000, 100, 42);
    assertThat(w1.taskCount()).isEqualTo(100_000);
    // jobs with a zone and a rack limit of N: at most N tasks in each of the zone's 33 or 34 racks
    assertThat(w1.taskCount() - w1.placeableTaskCount()).isEqualTo(604);
  }

  @Test
  void aZoneWithARackLimitBoundsAJobByTheZonesRacks() {
    Workload w = Workload.of(600, 100, 3, java.util.List.of(dev.aurora.api.Job.service("bench/prod/z")
        .instances(100).task(t -> t.process("p", "./p").cpus(1).ramMb(64).diskMb(64))
        .constraint(dev.aurora.api.Constraint.limit("rack", 2))
        .constraint(dev.aurora.api.Constraint.value("zone", "z0")).build()));
    assertThat(w.placeableTaskCount()).as("racks 0 and 3 are in z0, two tasks each").isEqualTo(4);
  }
}
