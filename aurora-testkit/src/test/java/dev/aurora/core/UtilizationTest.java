package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the scheduler tells of each agent's capacity and of what its tasks hold there. */
class UtilizationTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).agentResources(8, 4096, 10_000)
      .attributes(AuroraExtension.racks(2));

  @Test
  void eachAgentShowsItsCapacityAttributesAndWhatItsTasksHold() {
    JobConfig web = Job.service("www-data/prod/web").instances(4)
        .task(t -> t.process("server", "./server").cpus(2).ramMb(1024))
        .constraint(Constraint.limit("host", 1)).build();
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web.key())).hasSize(4);
    aurora.scheduler().setMaintenance(Set.of("host-0"), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();

    List<AgentUtilization> agents = aurora.scheduler().utilization();

    assertThat(agents).hasSize(4);
    assertThat(agents).extracting(AgentUtilization::hostname).containsExactly("host-0", "host-1", "host-2", "host-3");
    AgentUtilization one = agents.get(1);
    assertThat(one.attributes()).containsEntry("rack", "r1").containsEntry("zone", "z1");
    assertThat(one.cpus()).isEqualTo(8.0);
    assertThat(one.ramMb()).isEqualTo(4096);
    assertThat(one.usedCpus()).isEqualTo(2.0);
    assertThat(one.usedRamMb()).isEqualTo(1024);
    assertThat(one.tasks()).isEqualTo(1);
    assertThat(agents.get(0).maintenance()).isIn(MaintenanceMode.DRAINING, MaintenanceMode.DRAINED);
  }
}
