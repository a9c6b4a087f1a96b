package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A job's SLA figures as a read: uptime percentiles, MTTA, MTTR, and job versus platform failures. */
class JobSlaTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(8);

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n).task(t -> t.process("p", "./run").cpus(1).ramMb(128))
        .constraint(dev.aurora.api.Constraint.limit("host", 1)).build();
  }

  private ScheduledTask instance(JobConfig job, int i) {
    return aurora.active(job.key()).stream().filter(t -> t.instance() == i).findFirst().orElseThrow();
  }

  @Test
  void uptimePercentilesAndTimesToAssignAndRun() {
    JobConfig job = service("a/prod/web", 4);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(10));
    aurora.cluster().killTask(instance(job, 0).id()); // replaced at once: it ran longer than the flapping threshold
    aurora.advance(Duration.ofMinutes(1));

    JobSla sla = aurora.scheduler().jobSla(job.key());
    assertThat(sla.instances()).isEqualTo(4);
    assertThat(sla.running()).isEqualTo(4);
    Duration old = Duration.ofMinutes(11).minusSeconds(2);
    Duration young = Duration.ofMinutes(1).minusSeconds(2);
    assertThat(sla.uptime(50)).isEqualTo(old);
    assertThat(sla.uptime(75)).isEqualTo(old);
    assertThat(sla.uptime(90)).isEqualTo(young);
    assertThat(sla.uptime(99)).isEqualTo(young);
    assertThat(sla.meanTimeToAssign()).contains(Duration.ZERO);
    assertThat(sla.meanTimeToRun()).contains(Duration.ofSeconds(2));
    assertThat(sla.jobFailures()).isZero();
    assertThat(sla.platformFailures()).isZero();
  }

  @Test
  void failuresAreTheJobsOrThePlatforms() {
    JobConfig job = service("a/prod/flaky", 3);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(10));
    aurora.cluster().failTask(instance(job, 1).id(), "exited 3");
    aurora.cluster().loseAgent(aurora.cluster().agentOf(instance(job, 2).id()).orElseThrow().id());
    aurora.advance(Duration.ofMinutes(1));

    JobSla sla = aurora.scheduler().jobSla(job.key());
    assertThat(sla.jobFailures()).isEqualTo(1);
    assertThat(sla.platformFailures()).isEqualTo(1);
    assertThat(sla.running()).isEqualTo(3);
  }

  @Test
  void aJobThatDoesNotExistHasNoFigures() {
    assertThatThrownBy(() -> aurora.scheduler().jobSla(JobKey.of("a", "prod", "none")))
        .isInstanceOf(NoSuchJobException.class);
  }
}
