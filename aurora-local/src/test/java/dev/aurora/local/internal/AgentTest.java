package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.PortRange;
import dev.aurora.core.TaskLaunch;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentTest {
  private final Agent agent = new Agent(new AgentSpec("local-0", "local-0", Map.of(), 1.5, 1000, 100,
      Optional.of(PortRange.of(31000, 31009))));

  private static TaskLaunch launch(Resources resources, Map<String, Integer> ports) {
    return TaskLaunch.builder().taskId(TaskId.of("t")).instance(InstanceKey.of(JobKey.of("a", "b", "c"), 0))
        .agentId("local-0").config(TaskConfig.builder().resources(resources).build()).ports(ports).build();
  }

  @Test
  void freePortsAreOfferedAsRangesAroundHeldOnes() throws Agent.PortProblem {
    TaskLaunch launch = launch(Resources.builder().addPorts("a", "b", "c").build(), Map.of("b", 31005));
    Allocation held = agent.take(Resources.NONE, agent.choosePorts(launch));

    assertThat(held.ports()).isEqualTo(Map.of("a", 31000, "b", 31005, "c", 31001));
    assertThat(agent.offer("o").ports())
        .containsExactly(PortRange.of(31002, 31004), PortRange.of(31006, 31009));
    agent.release(held);
    assertThat(agent.offer("o").ports()).containsExactly(PortRange.of(31000, 31009));
  }

  @Test
  void aGivenPortMustBeFreeAndInTheAgentsRange() throws Agent.PortProblem {
    agent.take(Resources.NONE, Map.of("x", 31003));

    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.NONE, Map.of("http", 31003))))
        .hasMessage("port 31003 for 'http' is already in use on local-0");
    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.NONE, Map.of("http", 8080))))
        .hasMessage("port 8080 for 'http' is outside local-0's port range 31000-31009");
  }

  @Test
  void cpusAreCountedInThousandthsSoSharesAddUpExactly() {
    for (int i = 0; i < 15; i++) {
      assertThat(agent.shortfall(Resources.of(0.1, 0, 0))).isEmpty();
      agent.take(Resources.of(0.1, 0, 0), Map.of());
    }

    assertThat(agent.offer("o").cpus()).isZero();
    assertThat(agent.shortfall(Resources.of(0.001, 0, 0))).contains("insufficient resources on local-0: cpus 0.001 > 0.0");
  }
}
