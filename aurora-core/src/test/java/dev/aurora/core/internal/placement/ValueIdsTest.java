package dev.aurora.core.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.Offer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What limit counts are keyed by: equal attribute values share one id, an agent's ids follow its
 * attributes, and the ids of agents gone are not kept forever.
 */
class ValueIdsTest {
  private final AgentPool pool = new AgentPool();
  private int offers;

  private AgentState offer(String agent, String host, String rack) {
    pool.addOffer(Offer.builder().id("o" + ++offers).agentId(agent).hostname(host).cpus(4).ramMb(4096)
        .diskMb(1000).attributes(Map.of("rack", rack)).build());
    return pool.agent(agent);
  }

  @Test
  void equalValuesShareAnIdAndAnAgentsIdsFollowItsAttributes() {
    int rack = pool.attributeSlot("rack");
    AgentState a = offer("a", "host-a", "r1");
    AgentState b = offer("b", "host-b", "r1");
    AgentState c = offer("c", "host-c", "r2");
    assertThat(a.valueId(rack)).isEqualTo(b.valueId(rack)).isNotEqualTo(c.valueId(rack));
    assertThat(a.valueId(0)).isNotEqualTo(b.valueId(0)); // slot 0: the hostname
    assertThat(pool.valueId(rack, "r2", false)).isEqualTo(c.valueId(rack));
    assertThat(pool.valueId(rack, "r9", false)).isEqualTo(-1);
    assertThat(a.valueId(pool.attributeSlot("zone"))).isEqualTo(-1); // lacks it

    offer("a", "host-a", "r2"); // the agent moved to another rack
    assertThat(a.valueId(rack)).isEqualTo(c.valueId(rack));
  }

  @Test
  void idsOfAgentsGoneAreDroppedOnceTheyOutnumberTheAgents() {
    int rack = pool.attributeSlot("rack");
    for (int i = 0; i < 20_000; i++) {
      AgentState a = offer("agent-" + i, "host-" + i, "r" + (i % 3));
      a.valueId(0);
      a.valueId(rack);
      pool.removeAgent("agent-" + i);
    }
    assertThat(pool.valueIdGeneration()).isPositive();
    // the hostnames of agents long gone have no id any more; equal values still share one
    assertThat(pool.valueId(0, "host-0", false)).isEqualTo(-1);
    AgentState x = offer("x", "host-x", "r1");
    AgentState y = offer("y", "host-y", "r1");
    assertThat(x.valueId(rack)).isEqualTo(y.valueId(rack));
    assertThat(x.valueId(0)).isNotEqualTo(y.valueId(0));
  }
}
