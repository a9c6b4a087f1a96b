package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's offers and declines on a clock the test moves: a decline holds back the declined
 * resources alone, as Mesos' refusal filter does, and what becomes unoffered beyond them is offered
 * at once, with them.
 */
class AgentPoolTest {
  private static final Duration REFUSAL = Duration.ofSeconds(5);

  private final ManualTimer timer = new ManualTimer();
  private final List<Offer> offers = new ArrayList<>();
  private AgentPool pool;
  private int launched;

  @BeforeEach
  void startPool() {
    Reporter reporter = new Reporter(timer);
    reporter.start(new BackendListener() {
      @Override
      public void offers(List<Offer> made) {
        offers.addAll(made);
      }

      @Override
      public void offerRescinded(String offerId) {
        throw new AssertionError("the pool rescinded " + offerId);
      }

      @Override
      public void statusUpdate(TaskStatus status) {}

      @Override
      public void agentLost(String agentId) {
        throw new AssertionError("the pool lost " + agentId);
      }
    });
    pool = new AgentPool(List.of(new AgentSpec("local-0", "local-0", Map.of(), 2, 1024, 2048,
        Optional.of(PortRange.of(31000, 31009)))), reporter, timer, timer::nanoTime);
    pool.start();
  }

  private static Resources resources(double cpus, long ramMb, long diskMb, String... ports) {
    return Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(diskMb).addPorts(ports).build();
  }

  private TaskLaunch task(Resources resources, Map<String, Integer> ports) {
    return TaskLaunch.builder().taskId(TaskId.of("t" + ++launched))
        .instance(InstanceKey.of(JobKey.of("www-data", "test", "hello"), 0)).agentId("local-0")
        .config(TaskConfig.builder().resources(resources).build()).ports(ports).build();
  }

  /** Launches one task on {@code offerIds}; returns what it holds, failing if it was rejected. */
  private Allocation launch(TaskLaunch task, String... offerIds) {
    Placement placement = pool.place(Arrays.asList(offerIds), List.of(task)).get(0);
    assertThat(placement.rejection()).isEmpty();
    return placement.allocation().orElseThrow();
  }

  /** The one offer made since {@code before} offers had been made, failing unless there is exactly one. */
  private Offer onlyOfferSince(int before) {
    assertThat(offers.subList(before, offers.size())).hasSize(1);
    return offers.get(before);
  }

  private static void assertOffer(Offer offer, double cpus, long ramMb, long diskMb, PortRange... ports) {
    assertThat(offer.cpus()).as("cpus of %s", offer.id()).isEqualTo(cpus);
    assertThat(offer.ramMb()).as("ramMb of %s", offer.id()).isEqualTo(ramMb);
    assertThat(offer.diskMb()).as("diskMb of %s", offer.id()).isEqualTo(diskMb);
    assertThat(offer.ports()).as("ports of %s", offer.id()).containsExactly(ports);
  }

  /**
   * Leaves local-0 with two outstanding offers and nothing running: the rest of a launch (1.5 cpus,
   * 924 MiB, 2038 MiB disk, 31001-31009), then what the task freed (0.5 cpus, 100 MiB, 10 MiB disk,
   * 31000).
   */
  private List<Offer> restAndFreed() {
    Allocation brief = launch(task(resources(0.5, 100, 10, "http"), Map.of("http", 31000)), offers.get(0).id());
    Offer rest = offers.get(offers.size() - 1);
    pool.release(brief);
    Offer freed = offers.get(offers.size() - 1);
    assertOffer(rest, 1.5, 924, 2038, PortRange.of(31001, 31009));
    assertOffer(freed, 0.5, 100, 10, PortRange.of(31000, 31000));
    return List.of(rest, freed);
  }

  @Test
  void aTaskThatEndsDuringAHoldIsOfferedAtOnceWithTheDeclinedResources() {
    Allocation running = launch(task(resources(0.5, 100, 10, "http"), Map.of("http", 31000)), offers.get(0).id());
    Offer leftover = onlyOfferSince(1);
    int before = offers.size();

    pool.decline(leftover.id(), REFUSAL);
    pool.decline(leftover.id(), Duration.ofMinutes(10)); // no longer outstanding: ignored
    pool.decline("local-0-o0", Duration.ofMinutes(10)); // never was: ignored
    timer.advance(Duration.ofSeconds(4));
    assertThat(offers).hasSize(before); // the declined leftover alone is held back

    pool.release(running);

    assertOffer(onlyOfferSince(before), 2, 1024, 2048, PortRange.of(31000, 31009));
    // the hold is over: what it held is on offer, and its refusal ending offers nothing more
    timer.advance(Duration.ofSeconds(2));
    assertThat(offers).hasSize(before + 1);
    assertThat(timer.pending()).isZero();
  }

  @Test
  void aDeclineAfterTheHoldWasOfferedAwayStartsAHoldOfItsOwn() {
    Allocation running = launch(task(resources(0.5, 100, 10, "http"), Map.of("http", 31000)), offers.get(0).id());
    pool.decline(offers.get(1).id(), REFUSAL);
    timer.advance(Duration.ofSeconds(1));
    pool.release(running);
    Offer everything = onlyOfferSince(2);
    timer.advance(Duration.ofSeconds(1));

    pool.decline(everything.id(), REFUSAL);

    // the first refusal would have ended at 5 s; this one holds until 7 s
    timer.advance(Duration.ofMillis(4990));
    assertThat(offers).hasSize(3);
    timer.advance(Duration.ofMillis(10));
    assertOffer(onlyOfferSince(3), 2, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void whatALaunchLeavesDuringAHoldIsOfferedAtOnceWithTheDeclinedResources() {
    List<Offer> two = restAndFreed();
    int before = offers.size();
    pool.decline(two.get(1).id(), REFUSAL);
    assertThat(offers).hasSize(before);

    launch(task(resources(1, 500, 1000, "http"), Map.of("http", 31001)), two.get(0).id());

    assertOffer(onlyOfferSince(before), 1, 524, 1048, PortRange.of(31000, 31000), PortRange.of(31002, 31009));
    timer.advance(REFUSAL);
    assertThat(offers).hasSize(before + 1);
  }

  @Test
  void aLaunchThatLeavesNothingDuringAHoldKeepsTheHoldUntilWhatItHoldsComesBack() {
    List<Offer> two = restAndFreed();
    int before = offers.size();
    pool.decline(two.get(1).id(), REFUSAL);

    Allocation all = launch(task(resources(1.5, 924, 2038, "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"),
        Map.of()), two.get(0).id());
    timer.advance(Duration.ofSeconds(1));
    assertThat(offers).hasSize(before);

    pool.release(all);

    assertOffer(onlyOfferSince(before), 2, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void aLaunchThatFailsDuringAHoldGivesBackItsOffersAtOnceWithTheDeclinedResources() {
    List<Offer> two = restAndFreed();
    int before = offers.size();
    pool.decline(two.get(1).id(), REFUSAL);

    List<Placement> placements = pool.place(List.of(two.get(0).id(), "local-0-o0"),
        List.of(task(resources(0.1, 16, 1), Map.of())));

    assertThat(placements.get(0).rejection().orElseThrow().state()).isEqualTo(ScheduleStatus.LOST);
    assertOffer(onlyOfferSince(before), 2, 1024, 2048, PortRange.of(31000, 31009));
  }

  @Test
  void aLaterDeclineJoinsTheHoldAndNeverShortensIt() {
    Allocation first = launch(task(resources(0.5, 100, 10, "http"), Map.of("http", 31000)), offers.get(0).id());
    Allocation second = launch(task(resources(0.5, 100, 10, "http"), Map.of("http", 31001)), offers.get(1).id());
    Offer rest = offers.get(2);
    pool.release(first);
    Offer freed = offers.get(3);
    assertOffer(rest, 1, 824, 2028, PortRange.of(31002, 31009));
    assertOffer(freed, 0.5, 100, 10, PortRange.of(31000, 31000));

    pool.decline(rest.id(), REFUSAL);
    timer.advance(Duration.ofSeconds(1));
    pool.decline(freed.id(), Duration.ofSeconds(1));
    timer.advance(Duration.ofMillis(3990));
    // neither the later decline's shorter refusal nor its resources end the hold of the first
    assertThat(offers).hasSize(4);

    pool.release(second);

    assertOffer(onlyOfferSince(4), 2, 1024, 2048, PortRange.of(31000, 31009));
    timer.advance(REFUSAL);
    assertThat(offers).hasSize(5);
  }
}
