package dev.aurora.core.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.Offer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The index's walk against a sorted list of every agent, while agents change between and during walks. */
class AgentIndexTest {
  private final Random random = new Random(11);
  private final AgentIndex index = new AgentIndex();
  private final List<AgentState> agents = new ArrayList<>();
  private int offers;

  private void offer(AgentState a, long cpuMillis, long ramMb) {
    a.regular.clear();
    if (cpuMillis > 0) {
      a.regular.add(Offer.builder().id("o" + ++offers).agentId(a.id()).hostname(a.id())
          .cpus(cpuMillis / 1000.0).ramMb(ramMb).diskMb(1000).build());
    }
    index.update(a);
  }

  private void randomOffer(AgentState a) {
    offer(a, random.nextInt(5) == 0 ? 0 : 1000L * (1 + random.nextInt(32)), 1024L * (1 + random.nextInt(64)));
  }

  private void addAgents(int n) {
    for (int i = 0; i < n; i++) {
      AgentState a = new AgentState("agent-" + i);
      a.capacityCpuMillis = 32_000;
      a.capacityRamMb = 65_536;
      agents.add(a);
      randomOffer(a);
    }
  }

  /** Every indexed agent with room for {@code cpu} and {@code ram}, fullest first, as the walk must give them. */
  private List<AgentState> expected(long cpu, long ram) {
    return agents.stream().filter(a -> a.indexed && a.indexCpu >= cpu && a.indexRam >= ram)
        .sorted(Comparator.comparingDouble((AgentState a) -> a.indexKey).thenComparingInt(a -> a.indexSeq))
        .toList();
  }

  private List<AgentState> walk(long cpu, long ram) {
    List<AgentState> out = new ArrayList<>();
    double key = Double.NEGATIVE_INFINITY;
    int seq = 0;
    for (AgentState a; (a = index.next(key, seq, cpu, ram)) != null; ) {
      out.add(a);
      key = a.indexKey;
      seq = a.indexSeq;
    }
    return out;
  }

  @Test
  void walksEveryAgentThatFitsFromTheFullestAndSkipsTheRest() {
    addAgents(2_000);
    for (int round = 0; round < 50; round++) {
      long cpu = 1000L * random.nextInt(20);
      long ram = 1024L * random.nextInt(40);
      assertThat(walk(cpu, ram)).containsExactlyElementsOf(expected(cpu, ram));
      for (int k = 0; k < 100; k++) {
        randomOffer(agents.get(random.nextInt(agents.size())));
      }
    }
    assertThat(index.size()).isEqualTo((int) agents.stream().filter(a -> a.indexed).count());
  }

  @Test
  void aWalkGoesOnCorrectlyWhenAnAgentChangesUnderIt() {
    addAgents(500);
    long cpu = 4000;
    long ram = 4096;
    double key = Double.NEGATIVE_INFINITY;
    int seq = 0;
    List<AgentState> seen = new ArrayList<>();
    for (AgentState a; (a = index.next(key, seq, cpu, ram)) != null; ) {
      seen.add(a);
      key = a.indexKey;
      seq = a.indexSeq;
      if (seen.size() % 7 == 0) {
        // an agent ahead of or behind the walk changes: the walk must still yield exactly the agents after it
        AgentState other = agents.get(random.nextInt(agents.size()));
        if (other != a) {
          randomOffer(other);
        }
      }
      double k = key;
      int s = seq;
      AgentState expectedNext = expected(cpu, ram).stream()
          .filter(x -> x.indexKey > k || (x.indexKey == k && x.indexSeq > s)).findFirst().orElse(null);
      assertThat(index.next(key, seq, cpu, ram)).isSameAs(expectedNext);
    }
    assertThat(seen).isNotEmpty();
  }

  @Test
  void anAgentParkedAfterALaunchKeepsItsPlaceUntilOfferedAgainAndReKeysIfTheOfferDiffers() {
    addAgents(300);
    List<AgentState> walked = walk(0, 0);
    AgentState same = walked.get(walked.size() / 3);
    AgentState different = walked.get(2 * walked.size() / 3);
    long sameCpu = same.indexCpu;
    long sameRam = same.indexRam;
    double sameKey = same.indexKey;
    int sameSeq = same.indexSeq;
    for (AgentState a : List.of(same, different)) {
      a.regular.clear(); // a launch consumed its offers
      index.park(a);
      assertThat(a.indexed).isTrue();
    }
    // parked agents are still walked (the engine drops those it meets) and keep their key meanwhile
    assertThat(walk(0, 0)).containsExactlyElementsOf(walked);
    offer(same, sameCpu, sameRam); // the remainder offered again: the same place
    assertThat(same.indexKey).isEqualTo(sameKey);
    assertThat(same.indexSeq).isEqualTo(sameSeq);
    offer(different, 1000, 1024); // another amount: re-keyed
    assertThat(walk(0, 0)).containsExactlyElementsOf(expected(0, 0));
    assertThat(walk(1000, 1024)).contains(different);
  }

  @Test
  void aParkedAgentRemovedByAWalkIsGoneAndTheWalkGoesOnAfterIt() {
    addAgents(300);
    List<AgentState> walked = walk(0, 0);
    AgentState parked = walked.get(walked.size() / 2);
    parked.regular.clear();
    index.park(parked);
    List<AgentState> seen = new ArrayList<>();
    double key = Double.NEGATIVE_INFINITY;
    int seq = 0;
    for (AgentState a; (a = index.next(key, seq, 0, 0)) != null; ) {
      if (a.regular.isEmpty()) {
        index.remove(a); // as the engine's walk does
        continue;
      }
      seen.add(a);
      key = a.indexKey;
      seq = a.indexSeq;
    }
    List<AgentState> rest = new ArrayList<>(walked);
    rest.remove(parked);
    assertThat(seen).containsExactlyElementsOf(rest);
    assertThat(parked.indexed).isFalse();
    assertThat(index.size()).isEqualTo(rest.size());
  }
}
