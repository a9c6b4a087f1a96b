package dev.aurora.local.internal;

import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual agents and their offers: at most one outstanding offer per agent, holding everything
 * free on it. An offer is used by a launch, declined (the agent is held back for the refusal time)
 * or rescinded when resources come back, in which case a larger offer replaces it.
 */
final class AgentPool {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPool.class);
  /** Offer ids are unique in the JVM, so two backends never hand out the same one. */
  private static final AtomicLong OFFERS = new AtomicLong();
  /** A longer refusal is cut to this, which is forever enough and fits the timer's nanoseconds. */
  private static final Duration LONGEST_REFUSAL = Duration.ofDays(365);

  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private final Map<String, Agent> offers = new HashMap<>();
  private final Reporter reporter;
  private final ScheduledExecutorService timer;
  private boolean active;

  AgentPool(List<AgentSpec> specs, Reporter reporter, ScheduledExecutorService timer) {
    specs.forEach(spec -> agents.put(spec.id(), new Agent(spec)));
    this.reporter = reporter;
    this.timer = timer;
  }

  /** Offers every agent's free resources. */
  synchronized void start() {
    active = true;
    List<Offer> made = new ArrayList<>();
    agents.values().forEach(agent -> newOffer(agent).ifPresent(made::add));
    reporter.offers(made);
  }

  /** Makes no more offers. */
  synchronized void stop() {
    active = false;
    offers.clear();
    for (Agent agent : agents.values()) {
      agent.offerId = null;
      if (agent.refusal != null) {
        agent.refusal.cancel(false);
        agent.refusal = null;
      }
    }
  }

  /**
   * Uses {@code offerIds} (all of one agent) for {@code launches}: each task either gets its
   * resources and ports or a status saying why not (LOST when the offers or the agent are wrong,
   * FAILED when its ports cannot be had). What is left is offered again.
   */
  synchronized List<Placement> place(List<String> offerIds, List<TaskLaunch> launches) {
    Agent agent = null;
    String problem = offerIds.isEmpty() ? "the launch names no offer" : null;
    for (String id : offerIds) {
      Agent owner = offers.get(id);
      if (owner == null) {
        problem = "offer " + id + " is not valid: unknown, already used, declined or rescinded";
        break;
      }
      if (agent != null && owner != agent) {
        problem = "offers " + offerIds + " are of more than one agent";
        break;
      }
      agent = owner;
    }
    List<Placement> placements = new ArrayList<>();
    if (problem != null) {
      for (TaskLaunch launch : launches) {
        placements.add(Placement.rejected(launch, ScheduleStatus.LOST, problem));
      }
      return placements;
    }
    offerIds.forEach(offers::remove);
    agent.offerId = null;
    for (TaskLaunch launch : launches) {
      placements.add(place(agent, launch));
    }
    newOffer(agent).ifPresent(offer -> reporter.offers(List.of(offer)));
    return placements;
  }

  private static Placement place(Agent agent, TaskLaunch launch) {
    if (!launch.agentId().equals(agent.spec.id())) {
      return Placement.rejected(launch, ScheduleStatus.LOST,
          "launched for agent " + launch.agentId() + " with an offer of agent " + agent.spec.id());
    }
    Optional<String> shortfall = agent.shortfall(launch.config().resources());
    if (shortfall.isPresent()) {
      return Placement.rejected(launch, ScheduleStatus.LOST, shortfall.get());
    }
    try {
      return Placement.placed(launch, agent.take(launch.config().resources(), agent.choosePorts(launch)));
    } catch (Agent.PortProblem e) {
      return Placement.rejected(launch, ScheduleStatus.FAILED, e.getMessage());
    }
  }

  /** Gives back what a task held and offers the agent's resources anew. */
  synchronized void release(Allocation allocation) {
    Agent agent = allocation.agent();
    agent.release(allocation);
    if (agent.offerId != null) {
      offers.remove(agent.offerId);
      reporter.rescinded(agent.offerId);
      agent.offerId = null;
    }
    newOffer(agent).ifPresent(offer -> reporter.offers(List.of(offer)));
  }

  /** Withdraws an offer; its agent is offered again after {@code refuseFor}. Unknown ids are ignored. */
  synchronized void decline(String offerId, Duration refuseFor) {
    Agent agent = offers.remove(offerId);
    if (agent == null) {
      LOG.debug("ignoring decline of offer {}: it is not outstanding", offerId);
      return;
    }
    agent.offerId = null;
    if (refuseFor.isNegative() || refuseFor.isZero()) {
      newOffer(agent).ifPresent(offer -> reporter.offers(List.of(offer)));
      return;
    }
    long nanos = refuseFor.compareTo(LONGEST_REFUSAL) > 0 ? LONGEST_REFUSAL.toNanos() : refuseFor.toNanos();
    agent.refusal = timer.schedule(() -> refusalEnded(agent), nanos, TimeUnit.NANOSECONDS);
  }

  private synchronized void refusalEnded(Agent agent) {
    agent.refusal = null;
    newOffer(agent).ifPresent(offer -> reporter.offers(List.of(offer)));
  }

  /** A new offer of the agent's free resources, unless it has one, is held back or has nothing. */
  private Optional<Offer> newOffer(Agent agent) {
    if (!active || agent.offerId != null || agent.refusal != null || !agent.hasFree()) {
      return Optional.empty();
    }
    Offer offer = agent.offer(agent.spec.id() + "-o" + OFFERS.incrementAndGet());
    agent.offerId = offer.id();
    offers.put(offer.id(), agent);
    return Optional.of(offer);
  }
}
