package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job's per-host and per-rack limits hold whatever happens to its tasks and to the agents under them:
 * agents lost and back, tasks failed and replaced, tasks killed, more instances than the limits allow.
 * (The scheduler keeps the counts behind the limits incrementally, by value ids; these are the moments
 * they change.)
 */
class LimitsAcrossChurnTest {
  /** 12 agents of 8 cpus in racks r0..r3 (three agents each). */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(12).attributes(AuroraExtension.racks(4));

  private static final JobConfig WEB = Job.service("web/prod/web").instances(8)
      .task(t -> t.process("p", "./run").cpus(1).ramMb(512))
      .constraint(Constraint.limit("host", 1)).constraint(Constraint.limit("rack", 2)).build();
  /** Fills agents around the limited job, so that bin-packing would stack it if the limits let it. */
  private static final JobConfig FILL = Job.service("batch/prod/fill").instances(30)
      .task(t -> t.process("p", "./run").cpus(1).ramMb(512)).build();

  private String rackOf(String host) {
    return aurora.cluster().agentOnHost(host).attributes().get("rack");
  }

  /** Every task of the job on an agent: at most one per host, at most two per rack. */
  private void assertLimitsHold() {
    Map<String, Integer> perHost = new HashMap<>();
    Map<String, Integer> perRack = new HashMap<>();
    for (ScheduledTask t : aurora.active(WEB.key())) {
      if (t.host().isPresent()) {
        perHost.merge(t.host().get(), 1, Integer::sum);
        perRack.merge(rackOf(t.host().get()), 1, Integer::sum);
      }
    }
    assertThat(perHost.values()).as("tasks per host").allMatch(n -> n <= 1);
    assertThat(perRack.values()).as("tasks per rack").allMatch(n -> n <= 2);
  }

  @Test
  void hostAndRackLimitsHoldAcrossAgentsLostAndBackAndTasksReplaced() {
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.scheduler().createJob(FILL, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(WEB.key())).hasSize(8);
    assertLimitsHold();

    // an agent running a task of the job is lost: the replacement goes to the only rack with room left
    ScheduledTask victim = aurora.running(WEB.key()).get(0);
    String lostRack = rackOf(victim.host().orElseThrow());
    String lostAgent = aurora.cluster().agentOnHost(victim.host().orElseThrow()).id();
    aurora.cluster().loseAgent(lostAgent);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(WEB.key())).hasSize(8);
    assertLimitsHold();
    assertThat(aurora.running(WEB.key()).stream().filter(t -> rackOf(t.host().orElseThrow()).equals(lostRack)))
        .hasSize(2);

    // the agent comes back empty; tasks fail and are replaced, one after another
    aurora.cluster().restoreAgent(lostAgent);
    aurora.advance(Duration.ofSeconds(5));
    for (int round = 0; round < 4; round++) {
      List<ScheduledTask> running = aurora.running(WEB.key());
      aurora.cluster().failTask(running.get(round % running.size()).id(), "exit 1");
      aurora.cluster().failTask(running.get((round + 3) % running.size()).id(), "exit 1");
      aurora.advance(Duration.ofMinutes(2));
      assertLimitsHold();
    }
    assertThat(aurora.running(WEB.key())).hasSize(8);

    // killed instances free their host and rack: more instances take them, and no more than that
    aurora.scheduler().killInstances(WEB.key(), Set.of(0, 1), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(30));
    aurora.scheduler().addInstances(WEB.key(), 3, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(30));
    assertLimitsHold();
    assertThat(aurora.running(WEB.key())).hasSize(8);
    assertThat(aurora.pending(WEB.key())).hasSize(1);
    assertThat(aurora.scheduler().whyPending(WEB.key()).vetoes()).containsKey("limit rack:2");
  }
}
