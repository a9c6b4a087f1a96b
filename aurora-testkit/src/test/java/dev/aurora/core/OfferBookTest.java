package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The offer bookkeeping every backend shares, on a fake clock: offers of what is unoffered, declines
 * that hold back exactly the declined resources until the refusal ends, launches that use offers up,
 * ended tasks and lost agents.
 */
class OfferBookTest {
  private static final Duration REFUSAL = Duration.ofSeconds(5);

  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  /** Every offer the book made, in order; a refusal's end offers the agent again, as a backend does. */
  private final List<Offer> offers = new ArrayList<>();
  private int tasks;
  private final OfferBook book = OfferBook.builder(OfferBook.Timer.on(loop))
      .agent(new OfferBook.AgentSpec("a0", "host-0", Map.of("rack", "r0"), 2, 1024, 2048, 1,
          Optional.of(PortRange.of(31000, 31009))))
      .agent(new OfferBook.AgentSpec("a1", "host-1", Map.of(), 1.5, 1000, 100, 0,
          Optional.of(PortRange.of(31000, 31009))))
      .onRefusalEnd(this::offerAgain)
      .build();

  private void offerAgain(String agentId) {
    book.offer(agentId).ifPresent(offers::add);
  }

  private TaskLaunch task(String agentId, Resources resources, Map<String, Integer> ports) {
    return TaskLaunch.builder().taskId(TaskId.of("t" + ++tasks))
        .instance(InstanceKey.of(JobKey.of("www-data", "test", "hello"), 0)).agentId(agentId)
        .config(TaskConfig.builder().resources(resources).build()).ports(ports).build();
  }

  private static Resources resources(double cpus, long ramMb, long diskMb, String... ports) {
    return Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(diskMb).addPorts(ports).build();
  }

  /** Launches one task on the offers and offers the agent again, as a backend does. */
  private Allocation launch(TaskLaunch task, String... offerIds) throws OfferBook.Shortfall {
    OfferBook.Launch launch = book.use(List.of(offerIds));
    assertThat(launch.problem()).isEmpty();
    Allocation allocation = launch.take(task);
    launch.agents().forEach(this::offerAgain);
    return allocation;
  }

  private void release(Allocation allocation) {
    book.release(allocation);
    offerAgain(allocation.agentId());
  }

  private Offer last() {
    return offers.get(offers.size() - 1);
  }

  private static void assertOffer(Offer offer, double cpus, long ramMb, long diskMb, PortRange... ports) {
    assertThat(offer.cpus()).as("cpus of %s", offer.id()).isEqualTo(cpus);
    assertThat(offer.ramMb()).as("ramMb of %s", offer.id()).isEqualTo(ramMb);
    assertThat(offer.diskMb()).as("diskMb of %s", offer.id()).isEqualTo(diskMb);
    assertThat(offer.ports()).as("ports of %s", offer.id()).containsExactly(ports);
  }

  private Offer start() {
    offers.addAll(book.offerAll());
    return offers.get(0);
  }

  @Test
  void everyAgentOffersAllItHasAtStartAndNothingTwice() {
    start();

    assertThat(offers).extracting(Offer::agentId).containsExactly("a0", "a1");
    assertOffer(offers.get(0), 2, 1024, 2048, PortRange.of(31000, 31009));
    assertThat(offers.get(0).gpus()).isEqualTo(1);
    assertThat(offers.get(0).hostname()).isEqualTo("host-0");
    assertThat(offers.get(0).attributes()).isEqualTo(Map.of("rack", "r0"));
    assertThat(book.offerAll()).isEmpty();
    assertThat(book.outstanding()).isEqualTo(2);
    assertThat(book.agentOf(offers.get(1).id())).contains("a1");
  }

  @Test
  void aLaunchUsesItsOffersAndWhatTheTaskLeavesIsOfferedAgain() throws OfferBook.Shortfall {
    Offer all = start();

    Allocation t = launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31000)), all.id());

    assertThat(t).isEqualTo(new Allocation("a0", 500, 100, 10, 0, Map.of("http", 31000)));
    assertThat(book.agentOf(all.id())).isEmpty();
    assertOffer(last(), 1.5, 924, 2038, PortRange.of(31001, 31009));
    assertThat(book.free("a0")).isEqualTo(Resources.builder().cpus(1.5).ramMb(924).diskMb(2038).gpus(1).build());
  }

  @Test
  void aTaskThatEndsGivesBackWhatItHeldAsANewOfferBesideTheOutstandingOne() throws OfferBook.Shortfall {
    Allocation t = launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31000)), start().id());
    Offer rest = last();

    release(t);

    assertOffer(last(), 0.5, 100, 10, PortRange.of(31000, 31000));
    assertThat(book.offersOf("a0")).containsExactly(rest.id(), last().id());
  }

  @Test
  void oneOfferPerAgentOffersWhatAnEndedTaskFreedOnlyOnceTheOutstandingOfferIsGone()
      throws OfferBook.Shortfall {
    OfferBook single = OfferBook.builder(OfferBook.Timer.on(loop)).oneOfferPerAgent()
        .agent(new OfferBook.AgentSpec("a0", "host-0", Map.of(), 2, 1024, 2048, 0, Optional.empty()))
        .build();
    Offer all = single.offer("a0").orElseThrow();
    OfferBook.Launch launch = single.use(List.of(all.id()));
    Allocation t = launch.take(task("a0", resources(0.5, 100, 10), Map.of()));
    Offer rest = single.offer("a0").orElseThrow();

    single.release(t);
    assertThat(single.offer("a0")).isEmpty();
    single.decline(rest.id(), Duration.ZERO);

    assertThat(single.offer("a0").orElseThrow().cpus()).isEqualTo(2.0);
  }

  @Test
  void aDeclineHoldsBackExactlyTheDeclinedResourcesUntilTheRefusalEnds() throws OfferBook.Shortfall {
    Allocation t = launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31000)), start().id());
    Offer leftover = last();
    int before = offers.size();

    assertThat(book.decline(leftover.id(), REFUSAL)).contains("a0");
    offerAgain("a0");
    loop.advance(Duration.ofSeconds(4));
    assertThat(offers).hasSize(before); // the declined leftover alone is held back
    assertThat(book.refusing("a0")).isTrue();

    loop.advance(Duration.ofSeconds(1));

    assertThat(offers).hasSize(before + 1);
    assertOffer(last(), 1.5, 924, 2038, PortRange.of(31001, 31009));
    assertThat(book.refusing("a0")).isFalse();
    assertThat(book.free("a0").cpus()).isEqualTo(1.5); // the task still holds its share
    assertThat(t.agentId()).isEqualTo("a0");
  }

  @Test
  void aTaskEndingDuringARefusalIsOfferedAtOnceWithTheDeclinedResources() throws OfferBook.Shortfall {
    Allocation t = launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31000)), start().id());
    int before = offers.size();
    book.decline(last().id(), REFUSAL);
    assertThat(book.decline(last().id(), Duration.ofMinutes(10))).isEmpty(); // no longer outstanding
    assertThat(book.decline("a0-o0", Duration.ofMinutes(10))).isEmpty(); // never was

    release(t);

    assertThat(offers).hasSize(before + 1);
    assertOffer(last(), 2, 1024, 2048, PortRange.of(31000, 31009));
    loop.advance(REFUSAL); // the refusal ended with that offer: its end offers nothing more
    assertThat(offers).hasSize(before + 1);
  }

  @Test
  void aLaterDeclineJoinsTheRefusalAndNeverShortensIt() throws OfferBook.Shortfall {
    Allocation first = launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31000)), start().id());
    launch(task("a0", resources(0.5, 100, 10, "http"), Map.of("http", 31001)), last().id());
    Offer rest = last();
    release(first);
    Offer freed = last();

    book.decline(rest.id(), REFUSAL);
    loop.advance(Duration.ofSeconds(1));
    book.decline(freed.id(), Duration.ofSeconds(1));
    offerAgain("a0");
    loop.advance(Duration.ofMillis(3990));
    assertThat(last()).isSameAs(freed);

    loop.advance(Duration.ofMillis(10));

    assertOffer(last(), 1.5, 924, 2038, PortRange.of(31000, 31000), PortRange.of(31002, 31009));
  }

  @Test
  void aZeroRefusalHoldsNothingBack() {
    Offer all = start();

    book.decline(all.id(), Duration.ZERO);
    offerAgain("a0");

    assertThat(last()).isNotSameAs(all);
    assertOffer(last(), 2, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void aLaunchNamingAnOfferNotOutstandingHasAProblemAndItsValidOffersComeBack() {
    Offer all = start();
    Offer other = offers.get(1);

    OfferBook.Launch launch = book.use(List.of(all.id(), "a0-o0"));
    assertThat(launch.problem()).contains("offer a0-o0 is not valid: unknown, already used, declined or rescinded");
    assertThat(launch.agents()).containsExactly("a0");
    assertThatThrownBy(() -> launch.take(task("a0", Resources.NONE, Map.of())))
        .isInstanceOf(IllegalStateException.class);
    assertThat(book.use(List.of(last().id(), other.id())).problem()).isEmpty();
    assertThat(book.use(List.of(offerAgainAndGet("a0"), offerAgainAndGet("a1"))).problem())
        .hasValueSatisfying(p -> assertThat(p).endsWith("are of more than one agent"));
    assertThat(book.use(List.of()).problem()).contains("the launch names no offer");
  }

  private String offerAgainAndGet(String agentId) {
    offerAgain(agentId);
    return last().id();
  }

  @Test
  void aTaskMustFitInWhatItsOffersStillHold() throws OfferBook.Shortfall {
    OfferBook.Launch launch = book.use(List.of(start().id()));
    for (int i = 0; i < 20; i++) {
      launch.take(task("a0", resources(0.1, 0, 0), Map.of())); // thousandths: twenty tenths are exactly 2
    }

    assertThatThrownBy(() -> launch.take(task("a0", resources(0.001, 2000, 0), Map.of())))
        .isInstanceOf(OfferBook.Shortfall.class)
        .hasMessage("insufficient resources on a0: cpus 0.001 > 0.0, ramMb 2000 > 1024")
        .matches(e -> !((OfferBook.Shortfall) e).ports());
    launch.agents().forEach(this::offerAgain);
    assertOffer(last(), 0, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void portsAreGivenOrTheLowestFreeOfTheOffersAndFreePortsAreOfferedAsRanges() throws OfferBook.Shortfall {
    start();
    Allocation held = launch(task("a1", Resources.builder().cpus(0.5).addPorts("a", "b", "c").build(), Map.of("b", 31005)),
        offers.get(1).id());

    assertThat(held.ports()).isEqualTo(Map.of("a", 31000, "b", 31005, "c", 31001));
    assertThat(last().ports()).containsExactly(PortRange.of(31002, 31004), PortRange.of(31006, 31009));
    release(held);
    assertThat(last().ports()).containsExactly(PortRange.of(31000, 31001), PortRange.of(31005, 31005));
  }

  @Test
  void aTaskWithOneNamedPortTakesTheLowestPortLeftInItsOffersUntilNoneIsLeft() throws OfferBook.Shortfall {
    start();
    OfferBook.Launch launch = book.use(List.of(offers.get(1).id()));
    Resources http = Resources.builder().addPorts("http").build();
    launch.take(task("a1", Resources.NONE, Map.of("x", 31000)));
    for (int port = 31001; port <= 31009; port++) {
      assertThat(launch.take(task("a1", http, Map.of())).ports()).isEqualTo(Map.of("http", port));
    }
    assertThat(launch.take(task("a1", Resources.NONE, Map.of())).ports()).isEmpty();
    assertThatThrownBy(() -> launch.take(task("a1", http, Map.of())))
        .hasMessage("port range exhausted: a1 has no free port for 'http' in the offers the task was launched "
            + "with (they hold no ports)")
        .matches(e -> ((OfferBook.Shortfall) e).ports());
  }

  @Test
  void aPortMustBeInTheAgentsRangeFreeAndInTheLaunchedOffers() throws OfferBook.Shortfall {
    start();
    launch(task("a1", Resources.NONE, Map.of("x", 31003)), offers.get(1).id());
    OfferBook.Launch launch = book.use(List.of(last().id()));
    launch.take(task("a1", Resources.NONE, Map.of("y", 31004)));

    assertThatThrownBy(() -> launch.take(task("a1", Resources.NONE, Map.of("http", 31003))))
        .hasMessage("port 31003 for 'http' is already in use on a1")
        .matches(e -> ((OfferBook.Shortfall) e).ports());
    assertThatThrownBy(() -> launch.take(task("a1", Resources.NONE, Map.of("http", 8080))))
        .hasMessage("port 8080 for 'http' is outside a1's port range 31000-31009");
    assertThatThrownBy(() -> launch.take(task("a1", Resources.builder().addPorts("a", "b", "c", "d", "e", "f", "g",
        "h", "i").build(), Map.of())))
        .hasMessage("port range exhausted: a1 has no free port for 'i' in the offers the task was launched "
            + "with (31000-31002, 31005-31009)");
    launch.take(task("a1", Resources.builder().addPorts("a", "b", "c", "d", "e", "f", "g", "h").build(), Map.of()));
    assertThatThrownBy(() -> launch.take(task("a1", Resources.NONE, Map.of("http", 31009))))
        .hasMessage("port 31009 for 'http' is already in use on a1");
    assertThatThrownBy(() -> book.use(List.of()).take(task("a1", Resources.NONE, Map.of())))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aHeldTaskKeepsItsResourcesOutOfOffersOnlyIfTheyAreUnoffered() {
    Allocation adopted = new Allocation("a0", 1000, 512, 0, 0, Map.of("http", 31002));

    assertThat(book.hold(adopted)).contains(adopted);
    assertThat(book.hold(new Allocation("a0", 1001, 0, 0, 0, Map.of()))).isEmpty(); // more than is left
    assertThat(book.hold(new Allocation("a1", 0, 0, 0, 0, Map.of("http", 8080)))).isEmpty(); // not its port
    assertThat(book.hold(new Allocation("gone", 0, 0, 0, 0, Map.of()))).isEmpty();
    start();
    assertThat(book.hold(new Allocation("a1", 100, 0, 0, 0, Map.of()))).isEmpty(); // all of a1 is on offer

    assertOffer(offers.get(0), 1, 512, 2048, PortRange.of(31000, 31001), PortRange.of(31003, 31009));
  }

  @Test
  void aLostAgentWithdrawsItsOffersForgetsItsTasksAndOffersNothingUntilRestored() throws OfferBook.Shortfall {
    launch(task("a0", resources(1, 512, 0), Map.of()), start().id());
    Offer rest = last();

    assertThat(book.lose("a0")).containsExactly(rest.id());

    assertThat(book.isLost("a0")).isTrue();
    assertThat(book.agentOf(rest.id())).isEmpty();
    assertThat(book.offer("a0")).isEmpty();
    assertThat(book.free("a0").cpus()).isEqualTo(2.0);
    book.restore("a0");
    assertOffer(book.offer("a0").orElseThrow(), 2, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void withdrawingEverythingEndsOffersAndRefusals() {
    start();
    book.decline(offers.get(0).id(), REFUSAL);

    book.withdrawAll();

    assertThat(book.outstanding()).isZero();
    assertThat(book.refusing("a0")).isFalse();
    assertThat(book.offerAll()).extracting(Offer::agentId).containsExactly("a0", "a1");
    loop.advance(REFUSAL);
    assertThat(offers).hasSize(2); // the cancelled refusal's end offers nothing
  }

  @Test
  void whatIsLeftIsOfferedEvenIfOnlyPortsUnlessTheBackendAsksForMore() throws OfferBook.Shortfall {
    start();
    launch(task("a1", resources(1.5, 1000, 100), Map.of()), offers.get(1).id());
    assertOffer(last(), 0, 0, 0, PortRange.of(31000, 31009));

    OfferBook picky = OfferBook.builder(OfferBook.Timer.on(loop))
        .agent(new OfferBook.AgentSpec("a", "h", Map.of(), 1, 100, 10, 0, Optional.of(PortRange.of(1, 2))))
        .offerOnlyIf(r -> r.cpus() > 0 || r.ramMb() > 0).build();
    OfferBook.Launch launch = picky.use(List.of(picky.offer("a").orElseThrow().id()));
    launch.take(task("a", resources(1, 100, 0), Map.of()));
    assertThat(picky.offer("a")).isEmpty();
  }

  @Test
  void anAgentGivenTwiceIsRefused() {
    OfferBook.AgentSpec spec = new OfferBook.AgentSpec("a", "h", Map.of(), 1, 1, 1, 0, Optional.empty());
    assertThatThrownBy(() -> OfferBook.builder(OfferBook.Timer.on(loop)).agent(spec).agent(spec).build())
        .hasMessage("agent a is given twice");
    assertThatThrownBy(() -> book.offer("nope")).hasMessage("no agent nope");
  }

  @Test
  void everyOfferOfAnAgentCarriesItsAttributesAsOneMapSoTheSchedulerComparesThemByReference() throws Exception {
    Offer first = book.offer("a0").orElseThrow();
    launch(task("a0", resources(0.5, 100, 10), Map.of()), first.id());
    Offer again = offers.get(offers.size() - 1);
    assertThat(again.agentId()).isEqualTo("a0");
    assertThat(again.id()).isNotEqualTo(first.id());
    assertThat(again.attributes()).isEqualTo(Map.of("rack", "r0")).isSameAs(first.attributes());
  }
}
