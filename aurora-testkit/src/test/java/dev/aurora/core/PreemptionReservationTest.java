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

/** How long an agent the preemptor freed stays held for it, and for whom. */
class PreemptionReservationTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(3).agentResources(4, 16_384, 100_000)
      .scheduler(b -> b.preemption(Duration.ofSeconds(10), Duration.ofMinutes(2))
          .preemptionRateLimit(1, Duration.ofHours(1)));

  final List<SchedulerEvent.TasksPreempted> preemptions = new ArrayList<>();

  @BeforeEach
  void recordPreemptions() {
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TasksPreempted p) {
        preemptions.add(p);
      }
    });
  }

  static JobConfig job(String key, int instances, double cpus, long ramMb, Tier tier, Constraint... constraints) {
    return Job.service(key).instances(instances)
        .task(t -> {
          t.process("p", "./run").cpus(cpus).ramMb(ramMb).diskMb(64).tier(tier);
          for (Constraint c : constraints) {
            t.constraint(c);
          }
        })
        .build();
  }

  @Test
  void reservedAgentIsFreedOnceAnIdenticalTaskOfThePreemptorsJobTakesTheRoom() {
    // host-0 and host-1 each run two preemptible tasks (1.5 cpus, 7000 MB each)
    Constraint notHost2 = Constraint.notValue("host", "host-2");
    JobConfig batch = job("analytics/prod/crunch", 4, 1.5, 7_000, Tier.PREEMPTIBLE, notHost2);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.key())).hasSize(4);

    // instances 0 and 1 fill host-2; 2 to 10 wait, and one victim (the rate limit) makes room for one
    JobConfig web = job("www-data/prod/web", 11, 1, 6_000, Tier.PREFERRED);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));

    // The preemptor is the pending task that waited longest, ties broken by id: instance 10
    // ("...-10-...") before instance 2. The job's identical tasks are placed as one group, in instance
    // order, so instance 2 takes the room made for instance 10, which no longer fits there.
    assertThat(preemptions).singleElement().satisfies(p -> assertThat(p.preemptor().value()).contains("-10-"));
    String host = preemptions.get(0).host();
    assertThat(aurora.running(web.key())).hasSize(3)
        .anySatisfy(t -> assertThat(t.host()).contains(host));
    assertThat(aurora.pending(web.key())).extracting(ScheduledTask::instance).contains(10);

    // The room left beside it is anyone's: the reservation was used up.
    JobConfig small = job("analytics/prod/small", 1, 1.25, 512, Tier.PREEMPTIBLE, notHost2);
    aurora.scheduler().createJob(small, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));

    assertThat(aurora.scheduler().whyPending(small.key()).vetoes()).doesNotContainKey("reserved for a preempting task");
    assertThat(aurora.running(small.key())).singleElement().satisfies(t -> assertThat(t.host()).contains(host));
  }
}
