package dev.aurora.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobBuilder;
import dev.aurora.api.JobConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The placement audit, one rule broken at a time: each test starts from a valid placement (which the
 * audit passes), breaks exactly one rule, and expects exactly that one finding. Removing any one check
 * from {@link PlacementAudit} makes its test fail.
 *
 * <p>Four agents in two racks of two: host-0 and host-1 in rack r0 (zone z0), host-2 and host-3 in rack
 * r1 (zone z1); each 32 cpus, 128 GiB ram, 1 TiB disk, ports 31000-32000. Six jobs of two tasks; task
 * {@code 2j + i} is instance i of job j.
 */
class PlacementAuditTest {
  private static final int HOST_LIMITED = 0;
  private static final int RACK_LIMITED = 1;
  private static final int IN_ZONE_1 = 2;
  private static final int CPU_HEAVY = 3;
  private static final int RAM_HEAVY = 4;
  private static final int DISK_HEAVY = 5;

  private static final Workload W = Workload.of(4, 2, 2, List.of(
      job(0, 1, 1024, 1024, true, b -> b.constraint(Constraint.limit("host", 1))),
      job(1, 1, 1024, 1024, true, b -> b.constraint(Constraint.limit("rack", 1))),
      job(2, 1, 1024, 1024, true, b -> b.constraint(Constraint.value("zone", "z1"))),
      job(3, 20, 1024, 1024, false, b -> { }),
      job(4, 0.25, 100_000, 1024, false, b -> { }),
      job(5, 0.25, 256, 600_000, false, b -> { })));

  private Outcome o;

  private static JobConfig job(int index, double cpus, long ramMb, long diskMb, boolean port,
      java.util.function.Consumer<JobBuilder> constraints) {
    JobBuilder b = Job.service("bench/prod/audit-" + index).instances(2).task(t -> {
      t.process("server", "./server").cpus(cpus).ramMb(ramMb).diskMb(diskMb);
      if (port) {
        t.port("http");
      }
    });
    constraints.accept(b);
    return b.build();
  }

  @BeforeEach
  void validPlacement() {
    o = new Outcome("test", W);
    place(HOST_LIMITED, 0, 0, 31000);
    place(HOST_LIMITED, 1, 1, 31000);
    place(RACK_LIMITED, 0, 0, 31001);
    place(RACK_LIMITED, 1, 2, 31001);
    place(IN_ZONE_1, 0, 2, 31002);
    place(IN_ZONE_1, 1, 3, 31000);
    place(CPU_HEAVY, 0, 1, -1);
    place(CPU_HEAVY, 1, 3, -1);
    place(RAM_HEAVY, 0, 0, -1);
    place(RAM_HEAVY, 1, 2, -1);
    place(DISK_HEAVY, 0, 1, -1);
    place(DISK_HEAVY, 1, 3, -1);
  }

  private void place(int job, int instance, int agent, int port) {
    int t = job * 2 + instance;
    o.tried[t] = true;
    o.agentOf[t] = agent;
    o.portOf[t] = port;
  }

  private void assertOnlyViolation(String expected) {
    PlacementAudit.Report r = PlacementAudit.check(o);
    assertThat(r.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .contains(expected);
    assertThat(r.placeableLeftPending()).isZero();
  }

  @Test
  void aValidPlacementPassesTheAudit() {
    PlacementAudit.Report r = PlacementAudit.check(o);
    assertThat(r.violations()).isEmpty();
    assertThat(r.placeableLeftPending()).isZero();
    assertThat(r.clean()).isTrue();
  }

  @Test
  void tooManyCpusOnAnAgentAloneIsAViolation() {
    place(CPU_HEAVY, 1, 1, -1); // 1 + 20 + 20 + 0.25 cpus on host-1
    assertOnlyViolation("host-1 over-committed on cpus");
  }

  @Test
  void tooMuchRamOnAnAgentAloneIsAViolation() {
    place(RAM_HEAVY, 1, 0, -1); // 2 x 100,000 MiB on host-0
    assertOnlyViolation("host-0 over-committed on ram");
  }

  @Test
  void tooMuchDiskOnAnAgentAloneIsAViolation() {
    place(DISK_HEAVY, 1, 1, -1); // 2 x 600,000 MiB on host-1
    assertOnlyViolation("host-1 over-committed on disk");
  }

  @Test
  void aPortOutsideTheAgentsRangeAloneIsAViolation() {
    place(HOST_LIMITED, 0, 0, 30999);
    assertOnlyViolation("outside the agent's range");
  }

  @Test
  void aPortGivenTwiceOnAnAgentAloneIsAViolation() {
    place(RACK_LIMITED, 0, 0, 31000); // host-0 has 31000 already
    assertOnlyViolation("port 31000 given twice on host-0");
  }

  @Test
  void aTaskOutsideItsZoneAloneIsAViolation() {
    place(IN_ZONE_1, 0, 0, 31002); // host-0 is in z0
    assertOnlyViolation("breaks zone");
  }

  @Test
  void twoTasksOfAHostLimitedJobOnOneHostAloneIsAViolation() {
    place(HOST_LIMITED, 1, 0, 31005); // both on host-0, different ports
    assertOnlyViolation("breaks host");
  }

  @Test
  void twoTasksOfARackLimitedJobInOneRackAloneIsAViolation() {
    place(RACK_LIMITED, 1, 1, 31001); // host-0 and host-1 are both in r0
    assertOnlyViolation("breaks rack");
  }

  @Test
  void aPlaceableTaskLeftPendingIsFound() {
    place(IN_ZONE_1, 1, -1, -1); // tried, not placed, and host-3 still has room in z1
    PlacementAudit.Report r = PlacementAudit.check(o);
    assertThat(r.violations()).isEmpty();
    assertThat(r.placeableLeftPending()).isEqualTo(1);
  }

  @Test
  void aRunWithAnAuditFindingFails() {
    assertThat(BenchmarkMain.auditFailures(Map.of(
        "W1|aurora|violations", List.of(0.0),
        "W1|aurora|placeableLeftPending", List.of(0.0),
        "W1|aurora|tasksPerSecond", List.of(5.0)))).isEmpty();
    assertThat(BenchmarkMain.auditFailures(Map.of("W1|aurora|violations", List.of(0.0, 2.0))))
        .containsExactly("W1|aurora|violations = 2");
    assertThat(BenchmarkMain.auditFailures(Map.of("W1-compare|fenzo|placeableLeftPending", List.of(3.0))))
        .containsExactly("W1-compare|fenzo|placeableLeftPending = 3");
  }
}
