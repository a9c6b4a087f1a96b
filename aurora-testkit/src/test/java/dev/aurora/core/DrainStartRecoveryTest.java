package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.SlaPolicy;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A drain's start is stored, so its timeout counts from when the drain began, across restarts. */
class DrainStartRecoveryTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4)
      .scheduler(b -> b.drainTimeout(Duration.ofMinutes(30)).snapshotEvery(5));

  /** A job the SLA never lets a drain move: all its instances must run. */
  private JobConfig strictJob() {
    JobConfig job = Job.service("a/prod/strict").instances(2)
        .task(t -> t.process("server", "./server").cpus(1).ramMb(256).slaPolicy(SlaPolicy.percentage(100, Duration.ZERO)))
        .constraint(Constraint.limit("host", 1))
        .build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(2);
    return job;
  }

  private String drainOneHost(JobConfig job) {
    String host = aurora.running(job.key()).get(0).host().orElseThrow();
    aurora.scheduler().setMaintenance(java.util.Set.of(host), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    return host;
  }

  @Test
  void theDrainTimeoutCountsFromWhenTheDrainBeganAcrossARestart() {
    JobConfig job = strictJob();
    String host = drainOneHost(job);
    aurora.advance(Duration.ofMinutes(20));
    aurora.restartScheduler();
    aurora.advance(Duration.ofMinutes(9)); // 29 minutes into the drain
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINING);

    aurora.advance(Duration.ofMinutes(2)); // 31 minutes: forced, although the scheduler started only 11 ago
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void aDrainsStartSurvivesASnapshot() {
    JobConfig job = strictJob();
    String host = drainOneHost(job);
    aurora.advance(Duration.ofMinutes(20));
    for (int i = 0; i < 3; i++) { // enough ops for a snapshot after the drain began
      aurora.scheduler().createJob(Job.adhoc("a/prod/filler" + i)
          .task(t -> t.process("p", "./p").cpus(0.1).ramMb(8)).build(), TEST_PRINCIPAL);
      aurora.runUntilIdle();
    }
    assertThat(aurora.storage().recover().snapshot()).as("a snapshot was written after the drain began")
        .contains(new Op.SaveHostMaintenance(host, MaintenanceMode.DRAINING))
        .anySatisfy(op -> assertThat(op).isInstanceOf(Op.SaveDrainStart.class));
    aurora.restartScheduler();
    aurora.advance(Duration.ofMinutes(11));
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
  }

  @Test
  void aLogWrittenBeforeDrainStartsWereStoredStillRecoversCountingFromTheStart() {
    JobConfig job = strictJob();
    String host = drainOneHost(job);
    aurora.advance(Duration.ofMinutes(20));
    Storage.Stored stored = aurora.storage().recover();
    Storage old = Storage.inMemory();
    old.recover();
    old.snapshot(without(stored.snapshot()));
    old.append(without(stored.log()));
    aurora.restartScheduler(old);

    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINING);
    aurora.advance(Duration.ofMinutes(29)); // an old log does not say when: counted from the start, as before
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINING);
    aurora.advance(Duration.ofMinutes(2));
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
  }

  private static List<Op> without(List<Op> ops) {
    return ops.stream().filter(op -> !(op instanceof Op.SaveDrainStart)).toList();
  }

  @Test
  void aDrainStartOpRoundTripsAsJson() throws Exception {
    var mapper = dev.aurora.api.AuroraJson.newMapper();
    Op op = new Op.SaveDrainStart("host-1", java.time.Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(mapper.readValue(mapper.writeValueAsString(op), Op.class)).isEqualTo(op);
  }
}
