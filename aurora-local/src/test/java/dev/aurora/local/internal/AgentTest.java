package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
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

  /** Offers everything unoffered and withdraws the offer at once, as a launch on it does. */
  private Share launchable() {
    return agent.withdraw(agent.offerUnoffered("o").id());
  }

  private Allocation take(Share from, Resources resources, Map<String, Integer> ports) throws Agent.PortProblem {
    return agent.take(resources, agent.choosePorts(launch(resources, ports), from), from);
  }

  @Test
  void freePortsAreOfferedAsRangesAroundHeldOnes() throws Agent.PortProblem {
    Allocation held = take(launchable(), Resources.builder().addPorts("a", "b", "c").build(), Map.of("b", 31005));

    assertThat(held.ports()).isEqualTo(Map.of("a", 31000, "b", 31005, "c", 31001));
    assertThat(agent.offerUnoffered("o1").ports())
        .containsExactly(PortRange.of(31002, 31004), PortRange.of(31006, 31009));
    agent.release(held);
    assertThat(agent.offerUnoffered("o2").ports())
        .containsExactly(PortRange.of(31000, 31001), PortRange.of(31005, 31005));
    assertThat(agent.consistent()).isTrue();
  }

  @Test
  void aGivenPortMustBeInTheAgentsRangeFreeAndInTheLaunchedOffers() throws Agent.PortProblem {
    Share from = launchable();
    take(from, Resources.NONE, Map.of("x", 31003));
    agent.offerUnoffered("other");
    Share mine = new Share(0, 0, 0, new java.util.BitSet());
    mine.ports.set(0, 3);

    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.NONE, Map.of("http", 31003)), mine))
        .hasMessage("port 31003 for 'http' is already in use on local-0");
    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.NONE, Map.of("http", 8080)), mine))
        .hasMessage("port 8080 for 'http' is outside local-0's port range 31000-31009");
    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.NONE, Map.of("http", 31007)), mine))
        .hasMessage("port 31007 for 'http' is not in the offers the task was launched with (31000-31002)");
    assertThatThrownBy(() -> agent.choosePorts(launch(Resources.builder().addPorts("a", "b", "c", "d").build(),
        Map.of()), mine))
        .hasMessage("port range exhausted: local-0 has no free port for 'd' in the offers the task was launched "
            + "with (31000-31002)");
  }

  @Test
  void cpusAreCountedInThousandthsSoSharesAddUpExactly() throws Agent.PortProblem {
    Share from = launchable();
    for (int i = 0; i < 15; i++) {
      assertThat(agent.shortfall(Resources.of(0.1, 0, 0), from)).isEmpty();
      take(from, Resources.of(0.1, 0, 0), Map.of());
    }

    assertThat(from.milliCpus).isZero();
    assertThat(agent.offerUnoffered("rest").cpus()).isZero();
    assertThat(agent.shortfall(Resources.of(0.001, 0, 0), from))
        .contains("insufficient resources on local-0: cpus 0.001 > 0.0");
  }

  @Test
  void eachOfferReservesWhatItCarriesAndOnlyTheUnofferedIsOfferedAgain() throws Agent.PortProblem {
    Share from = launchable();
    Allocation task = take(from, Resources.of(0.5, 400, 10), Map.of("http", 31000));
    Offer rest = agent.offerUnoffered("rest");
    assertThat(agent.hasUnoffered()).isFalse();

    agent.release(task);
    Offer freed = agent.offerUnoffered("freed");

    assertThat(rest.cpus()).isEqualTo(1.0);
    assertThat(rest.ports()).containsExactly(PortRange.of(31001, 31009));
    assertThat(freed.cpus()).isEqualTo(0.5);
    assertThat(freed.ramMb()).isEqualTo(400);
    assertThat(freed.diskMb()).isEqualTo(10);
    assertThat(freed.ports()).containsExactly(PortRange.of(31000, 31000));
    assertThat(agent.offerIds()).containsExactly("rest", "freed");
    assertThat(agent.hasUnoffered()).isFalse();
    assertThat(agent.consistent()).isTrue();

    Share declined = agent.withdraw("rest");
    assertThat(declined.milliCpus).isEqualTo(1000);
    assertThat(agent.hasOffer("freed")).isTrue();
    assertThat(agent.offerUnoffered("again").cpus()).isEqualTo(1.0);
  }
}
