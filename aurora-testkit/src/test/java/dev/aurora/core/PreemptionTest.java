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
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PreemptionTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2).agentResources(4, 16_384, 100_000)
      .attributes(i -> Map.of("rack", "r0")) // one rack
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

  @Test
  void higherPriorityTaskPreemptsLowerPriorityTaskOfItsOwnRoleOnly() {
    JobConfig low = job("www-data/prod/reports", 8, 1, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(low, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(low.key())).hasSize(8);

    // another role's preferred task, however high its priority, may not take preferred room
    JobConfig other = job("ads/prod/bidder", 1, 1, Tier.PREFERRED, 100);
    aurora.scheduler().createJob(other, TEST_PRINCIPAL);
    // a task of the same role with a higher priority may
    JobConfig urgent = job("www-data/prod/checkout", 1, 1, Tier.PREFERRED, 5);
    aurora.scheduler().createJob(urgent, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(2));

    assertThat(aurora.running(urgent.key())).hasSize(1);
    assertThat(aurora.pending(other.key())).hasSize(1);
    assertThat(preemptions).singleElement().satisfies(p -> {
      assertThat(p.preemptorJob()).isEqualTo(urgent.key());
      assertThat(p.victims()).hasSize(1);
      assertThat(p.reason()).isEqualTo("priority 5 over 0 in role www-data");
    });
    assertThat(aurora.running(low.key())).hasSize(7);
    assertThat(aurora.pending(low.key())).hasSize(1);
  }

  @Test
  void smallestSetOfVictimsIsChosen() {
    // host-0 runs four small preemptible tasks, host-1 one big one; the preemptor needs 4 cpus
    JobConfig small = job("analytics/prod/small", 4, 1, Tier.PREEMPTIBLE, 0, Constraint.value("host", "host-0"));
    JobConfig big = job("analytics/prod/big", 1, 4, Tier.PREEMPTIBLE, 0, Constraint.value("host", "host-1"));
    aurora.scheduler().createJob(small, TEST_PRINCIPAL);
    aurora.scheduler().createJob(big, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(small.key())).hasSize(4);
    assertThat(aurora.running(big.key())).hasSize(1);
    var bigTask = aurora.running(big.key()).get(0).id();

    JobConfig web = job("www-data/prod/web", 1, 4, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> {
      assertThat(p.victims()).containsExactly(bigTask);
      assertThat(p.host()).isEqualTo("host-1");
    });
    assertThat(aurora.running(small.key())).hasSize(4);
    assertThat(aurora.running(web.key())).singleElement()
        .satisfies(t -> assertThat(t.host()).contains("host-1"));
  }

  @Test
  void lowerPriorityVictimsArePreferred() {
    // each host runs one preemptible task of 4 cpus; the one of lower priority goes
    JobConfig keep = job("analytics/prod/keep", 1, 4, Tier.PREEMPTIBLE, 3, Constraint.value("host", "host-0"));
    JobConfig cheap = job("analytics/prod/cheap", 1, 4, Tier.PREEMPTIBLE, 1, Constraint.value("host", "host-1"));
    aurora.scheduler().createJob(keep, TEST_PRINCIPAL);
    aurora.scheduler().createJob(cheap, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    var cheapTask = aurora.running(cheap.key()).get(0).id();

    aurora.scheduler().createJob(job("www-data/prod/web", 1, 2, Tier.PREFERRED, 0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.victims()).containsExactly(cheapTask));
    assertThat(aurora.running(keep.key())).hasSize(1);
  }

  @Test
  void preemptorsConstraintsAreHonoured() {
    JobConfig batch = job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    JobConfig pinned = job("www-data/prod/pinned", 1, 1, Tier.PREFERRED, 0, Constraint.value("host", "host-1"));
    aurora.scheduler().createJob(pinned, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.host()).isEqualTo("host-1"));
    assertThat(aurora.running(pinned.key())).singleElement().satisfies(t -> assertThat(t.host()).contains("host-1"));
  }

  @Test
  void nothingIsPreemptedForATaskThatCouldNotFitAnyway() {
    aurora.scheduler().createJob(job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    JobConfig huge = job("www-data/prod/huge", 1, 6, Tier.PREFERRED, 0);
    aurora.scheduler().createJob(huge, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(2));
    assertThat(preemptions).isEmpty();
    assertThat(aurora.pending(huge.key())).hasSize(1);
  }

  @Test
  void nothingIsPreemptedForATaskThatRoomAlreadyReservedForItsJobWouldPushOverALimit() {
    JobConfig batch = job("analytics/prod/crunch", 8, 1, Tier.PREEMPTIBLE, 0);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.key())).hasSize(8);

    // one task per rack, and both hosts are in one rack: only one instance can ever run
    JobConfig web = job("www-data/prod/web", 2, 2, Tier.PREFERRED, 0, Constraint.limit("rack", 1));
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.victims()).hasSize(2));
    assertThat(aurora.running(web.key())).hasSize(1);
    assertThat(aurora.pending(web.key())).hasSize(1);
    assertThat(aurora.running(batch.key())).hasSize(6);
  }
}
