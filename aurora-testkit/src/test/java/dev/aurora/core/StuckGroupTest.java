package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import java.time.Duration;
import dev.aurora.testkit.AuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tasks a pass could not place are skipped by later passes until something that could place them
 * changes; these check that each such change does place them.
 */
class StuckGroupTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4);

  private static JobConfig job(String key, int instances, double cpus, Constraint... constraints) {
    var b = Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(cpus).ramMb(256));
    for (Constraint c : constraints) {
      b.constraint(c);
    }
    return b.build();
  }

  @Test
  void aTaskHeldBackByItsJobsLimitIsPlacedWhenTheJobLeavesAHost() {
    JobConfig web = job("web/prod/web", 5, 1, Constraint.limit("host", 1));
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web.key())).hasSize(4);
    assertThat(aurora.pending(web.key())).hasSize(1);

    aurora.scheduler().killInstances(web.key(), java.util.Set.of(0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1)); // the freed host's held offer is declined and offered anew
    assertThat(aurora.running(web.key())).hasSize(4);
    assertThat(aurora.pending(web.key())).isEmpty();
  }

  @Test
  void aTaskTooBigForWhatIsFreeIsPlacedWhenAnotherJobFreesRoom() {
    JobConfig filler = job("batch/prod/filler", 4, 5);
    JobConfig big = job("web/prod/big", 1, 6);
    aurora.scheduler().createJob(filler, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.scheduler().createJob(big, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(big.key())).hasSize(1);
    // later passes (new offers, other work) leave it pending while nothing fits
    aurora.scheduler().createJob(job("web/prod/small", 2, 1), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(big.key())).hasSize(1);

    aurora.scheduler().killJob(filler.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(big.key())).hasSize(1);
  }

  @Test
  void aTaskPinnedToAHostIsPlacedWhenThatHostFreesRoom() {
    JobConfig filler = job("batch/prod/filler", 4, 8);
    aurora.scheduler().createJob(filler, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    JobConfig pinned = job("web/prod/pinned", 1, 1, Constraint.value("host", "host-2"));
    aurora.scheduler().createJob(pinned, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(pinned.key())).hasSize(1);

    ScheduledTask onHost2 = aurora.running(filler.key()).stream()
        .filter(t -> t.host().orElseThrow().equals("host-2")).findFirst().orElseThrow();
    aurora.scheduler().killInstances(filler.key(), java.util.Set.of(onHost2.instance()), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(pinned.key())).hasSize(1);
    assertThat(aurora.running(pinned.key()).get(0).host()).contains("host-2");
  }
}
