package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import dev.aurora.testkit.AuroraExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jobs that arrive together are packed largest first (first-fit decreasing), so small tasks fill the
 * gaps large ones leave instead of leaving gaps no large task fits.
 */
class PackingOrderTest {
  /** Six agents of 10 cpus and 10 GiB. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(6).cluster(c -> c.resources(10, 10_240, 100_000, 0));

  private static JobConfig job(String key, int instances, double cpus) {
    return Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(cpus).ramMb(256)).build();
  }

  /** Every task of both jobs runs, on four hosts in all (largest first; five in creation order). */
  private void assertAllRunningOnFourHosts(JobConfig small, JobConfig large) {
    Set<String> hosts = new HashSet<>();
    aurora.running(small.key()).forEach(t -> hosts.add(t.host().orElseThrow()));
    aurora.running(large.key()).forEach(t -> hosts.add(t.host().orElseThrow()));
    assertThat(aurora.running(small.key())).hasSize(4);
    assertThat(aurora.running(large.key())).hasSize(4);
    assertThat(hosts).hasSize(4);
  }

  @Test
  void smallTasksCreatedFirstFillTheGapsOfLargeOnesCreatedWithThem() {
    // in creation order, best fit puts three small tasks on one agent and the fourth on a second, which
    // then takes one large task; the other three large ones need an agent each: 5 agents. Largest first:
    // one large task per agent, and each agent's 3 cpus left take one small task: 4 agents.
    JobConfig small = job("web/prod/small", 4, 3);
    JobConfig large = job("web/prod/large", 4, 7);
    aurora.scheduler().createJob(small, TEST_PRINCIPAL);
    aurora.scheduler().createJob(large, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertAllRunningOnFourHosts(small, large);
  }

  @Test
  void jobsCreatedMillisecondsApartBeforeTheirPassArePackedLargestFirst() {
    // on the production loop the clock moves while calls come in (a createJobs of many jobs takes
    // milliseconds): jobs the same pass sees first still came together, and are packed largest first
    JobConfig small = job("web/prod/small", 4, 3);
    JobConfig large = job("web/prod/large", 4, 7);
    aurora.scheduler().createJob(small, TEST_PRINCIPAL);
    aurora.clock().advance(Duration.ofMillis(3));
    aurora.scheduler().createJob(large, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertAllRunningOnFourHosts(small, large);
  }

  @Test
  void aJobLeftPendingByAnEarlierPassStillGoesBeforeLargerJobsThatCameLater() {
    // waiting longest still comes first: only groups new to the same pass are ordered by size
    JobConfig small = job("web/prod/small", 2, 3);
    aurora.cluster().loseAgent("agent-0"); // nothing at all for a moment: the pass leaves it pending
    for (int i = 1; i < 6; i++) {
      aurora.cluster().loseAgent("agent-" + i);
    }
    aurora.scheduler().createJob(small, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(small.key())).hasSize(2);
    JobConfig large = job("web/prod/large", 6, 9);
    aurora.scheduler().createJob(large, TEST_PRINCIPAL);
    aurora.cluster().restoreAgent("agent-0");
    aurora.advance(Duration.ofSeconds(5));

    // one agent of 10 cpus: the small job, waiting longer, takes it (2 x 3 cpus); no large task fits beside
    assertThat(aurora.running(small.key())).hasSize(2);
    assertThat(aurora.running(large.key())).isEmpty();
  }
}
