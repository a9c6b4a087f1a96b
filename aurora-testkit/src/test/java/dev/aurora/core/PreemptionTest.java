package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PreemptionTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2).agentResources(4, 16_384, 100_000)
      .scheduler(b -> b.preemption(Duration.ofSeconds(10), Duration.ofMinutes(2)));

  final List<SchedulerEvent.TasksPreempted> preemptions = new ArrayList<>();

  @BeforeEach
  void recordPreemptions() {
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TasksPreempted p) {
        preemptions.add(p);
      }
    });
  }

  static JobConfig job(String key, int instances, double cpus, Tier tier, int priority, Constraint... constraints) {
    return Job.service(key).instances(instances)
        .task(t -> {
          t.process("p", "./run").cpus(cpus).ramMb(256).diskMb(64).tier(tier).priority(priority);
          for (Constraint c : constraints) {
            t.constraint(c);
          }
        })
        .build();
  }

  @Test
  void productionTaskPreemptsPreemptibleTaskOfAnotherRoleAndTheVictimReturnsWhenThereIsRoom() {
    JobConfig batch = job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.key())).hasSize(8);

    JobConfig web = job("www-data/prod/web", 1, 2, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(web.key())).hasSize(1);
    assertThat(preemptions).isEmpty(); // not before the preemption delay

    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(web.key())).hasSize(1);
    assertThat(preemptions).hasSize(1);
    SchedulerEvent.TasksPreempted p = preemptions.get(0);
    assertThat(p.preemptorJob()).isEqualTo(web.key());
    assertThat(p.victims()).hasSize(2);
    assertThat(p.reason()).isEqualTo("preferred over preemptible");
    assertThat(p.host()).isEqualTo(aurora.running(web.key()).get(0).host().orElseThrow());
    for (var victim : p.victims()) {
      ScheduledTask v = aurora.scheduler().task(victim).orElseThrow();
      assertThat(v.status()).isEqualTo(ScheduleStatus.KILLED);
      assertThat(v.events()).extracting(TaskEvent::status).contains(ScheduleStatus.PREEMPTING);
    }
    // the victims were replaced and wait for room
    assertThat(aurora.running(batch.key())).hasSize(6);
    assertThat(aurora.pending(batch.key())).hasSize(2);
    assertThat(aurora.registry().get("aurora.preemptions").counter().count()).isEqualTo(2.0);

    aurora.scheduler().killJob(web.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(batch.key())).hasSize(8);
  }
}
