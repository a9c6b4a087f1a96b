package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An agent lost in the middle of an update: each of its tasks ends as it is when the loss is handled. */
class AgentLostDuringUpdateTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(1).agentResources(8, 16_384, 100_000);

  private static JobConfig web(int instances) {
    return Job.service("www-data/prod/web").instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128))
        .update(UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build()).build();
  }

  /**
   * Simulation seeds 3717, 6999: the agent's loss ends instance 2 (being removed by the update), so the
   * update removes instance 3 next, killing it; the loss then ended instance 3 from the snapshot it
   * took before, as if still running, and replaced it: the job kept an instance its update removed
   * and the update waited for it forever.
   */
  @Test
  void anInstanceAnUpdateRemovesWhileItsAgentIsLostIsNotReplaced() {
    aurora.scheduler().createJob(web(4), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web(4).key())).hasSize(4);
    aurora.cluster().dropStatusUpdates(true); // instance 2's KILLED is lost: it stays KILLING
    UpdateId id = aurora.scheduler().startUpdate(web(4).key(), web(2), TEST_PRINCIPAL, "shrink");
    aurora.advance(Duration.ofSeconds(1));
    aurora.cluster().dropStatusUpdates(false);
    String agent = aurora.cluster().agents().get(0).id();
    aurora.cluster().loseAgent(agent);
    aurora.runUntilIdle();
    aurora.cluster().restoreAgent(agent);
    aurora.advance(Duration.ofMinutes(5));

    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(aurora.running(web(4).key())).extracting(ScheduledTask::instance).containsExactlyInAnyOrder(0, 1);
  }
}
