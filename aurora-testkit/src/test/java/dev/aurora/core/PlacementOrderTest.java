package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Jobs that arrive together: those a constraint confines are placed before those that could go anywhere. */
class PlacementOrderTest {
  /** Four agents of 4 cpus: host-0 and host-1 in zone z0 (rack r0, r1), host-2 and host-3 in zone z1 (rack r2, r3). */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .attributes(i -> Map.of("zone", "z" + (i / 2), "rack", "r" + i))
      .cluster(c -> c.resources(4, 16_384, 100_000, 0));

  private static JobConfig job(String key, int instances, Constraint... constraints) {
    var b = Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(4).ramMb(1024));
    for (Constraint c : constraints) {
      b.constraint(c);
    }
    return b.build();
  }

  @Test
  void aZoneConfinedJobIsNotCrowdedOutByAnUnconstrainedOneCreatedFirst() {
    JobConfig anywhere = job("web/prod/anywhere", 2);
    JobConfig inZone = job("web/prod/in-zone", 2, Constraint.value("zone", "z0"));
    aurora.scheduler().createJob(anywhere, TEST_PRINCIPAL);
    aurora.scheduler().createJob(inZone, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(inZone.key())).extracting(t -> t.host().orElseThrow())
        .containsExactlyInAnyOrder("host-0", "host-1");
    assertThat(aurora.running(anywhere.key())).extracting(t -> t.host().orElseThrow())
        .containsExactlyInAnyOrder("host-2", "host-3");
  }

  @Test
  void aRackLimitedJobIsPlacedBeforeAnUnconstrainedOneCreatedFirst() {
    JobConfig anywhere = job("web/prod/anywhere", 2);
    JobConfig spread = job("web/prod/spread", 4, Constraint.limit("rack", 1));
    aurora.scheduler().createJob(anywhere, TEST_PRINCIPAL);
    aurora.scheduler().createJob(spread, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(spread.key())).hasSize(4);
    assertThat(aurora.scheduler().whyPending(anywhere.key()).pendingTasks()).isEqualTo(2);
  }
}
