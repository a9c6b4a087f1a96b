package dev.aurora.local.internal;

import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual agents and their offers, made the way Mesos makes them: an agent may have several
 * outstanding offers, each reserving exactly the resources it carries. Resources that come back (a
 * task ends, a launch leaves some of its offers' resources over, a declined offer's refusal ends) are
 * offered as a new offer of what is unoffered; an outstanding offer stays valid until a launch uses
 * it or it is declined, and is never rescinded because more became free. A decline holds back the
 * declined resources, as Mesos' refusal filter does: the agent makes no offer of them alone until the
 * refusal ends, but as soon as anything more becomes unoffered it offers that and them together.
 */
final class AgentPool {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPool.class);
  /** Offer ids are unique in the JVM, so two backends never hand out the same one. */
  private static final AtomicLong OFFERS = new AtomicLong();
  /** A longer refusal is cut to this, which is forever enough and fits the timer's nanoseconds. */
  private static final Duration LONGEST_REFUSAL = Duration.ofDays(365);

  private final Map<String, Agent> agents = new LinkedHashMap<>();
  /** Every outstanding offer's agent, by offer id. */
  private final Map<String, Agent> offers = new HashMap<>();
  private final Reporter reporter;
  private final ScheduledExecutorService timer;
  /** Now, in nanoseconds, on the timer's clock. */
  private final LongSupplier nanoTime;
  private boolean active;

  AgentPool(List<AgentSpec> specs, Reporter reporter, ScheduledExecutorService timer) {
    this(specs, reporter, timer, System::nanoTime);
  }

  /** A pool whose refusals end by {@code timer}, which keeps the time {@code nanoTime} tells. */
  AgentPool(List<AgentSpec> specs, Reporter reporter, ScheduledExecutorService timer, LongSupplier nanoTime) {
    specs.forEach(spec -> agents.put(spec.id(), new Agent(spec)));
    this.reporter = reporter;
    this.timer = timer;
    this.nanoTime = nanoTime;
  }

  /** Offers every agent's free resources. */
  synchronized void start() {
    active = true;
    List<Offer> made = new ArrayList<>();
    agents.values().forEach(agent -> newOffer(agent).ifPresent(made::add));
    reporter.offers(made);
  }

  /** Makes no more offers; the outstanding ones are no longer valid. */
  synchronized void stop() {
    active = false;
    offers.clear();
    for (Agent agent : agents.values()) {
      agent.offerIds().forEach(agent::withdraw);
      agent.endRefusal();
    }
  }

  /**
   * Uses {@code offerIds} (all of one agent) for {@code launches}: each task either gets resources
   * and ports of those offers or a status saying why not (LOST when the offers or the agent are
   * wrong, FAILED when its ports cannot be had). What the tasks leave of those offers is offered
   * again as a new offer; the agent's other offers stay as they are. If the launch names an offer
   * that is not valid, the valid ones it names are used up all the same (the scheduler gave them up
   * when it launched), and their resources offered again.
   */
  synchronized List<Placement> place(List<String> offerIds, List<TaskLaunch> launches) {
    Set<String> ids = new LinkedHashSet<>(offerIds);
    Agent agent = null;
    String problem = ids.isEmpty() ? "the launch names no offer" : null;
    for (String id : ids) {
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
      Set<Agent> owners = new LinkedHashSet<>();
      for (String id : ids) {
        Agent owner = offers.remove(id);
        if (owner != null) {
          owner.withdraw(id);
          owners.add(owner);
        }
      }
      owners.forEach(this::offerAgain);
      for (TaskLaunch launch : launches) {
        placements.add(Placement.rejected(launch, ScheduleStatus.LOST, problem));
      }
      return placements;
    }
    Share launchable = new Share();
    for (String id : ids) {
      offers.remove(id);
      launchable.add(agent.withdraw(id));
    }
    for (TaskLaunch launch : launches) {
      placements.add(place(agent, launch, launchable));
    }
    offerAgain(agent);
    return placements;
  }

  private static Placement place(Agent agent, TaskLaunch launch, Share launchable) {
    if (!launch.agentId().equals(agent.spec.id())) {
      return Placement.rejected(launch, ScheduleStatus.LOST,
          "launched for agent " + launch.agentId() + " with an offer of agent " + agent.spec.id());
    }
    Optional<String> shortfall = agent.shortfall(launch.config().resources(), launchable);
    if (shortfall.isPresent()) {
      return Placement.rejected(launch, ScheduleStatus.LOST, shortfall.get());
    }
    try {
      Map<String, Integer> ports = agent.choosePorts(launch, launchable);
      return Placement.placed(launch, agent.take(launch.config().resources(), ports, launchable));
    } catch (Agent.PortProblem e) {
      return Placement.rejected(launch, ScheduleStatus.FAILED, e.getMessage());
    }
  }

  /**
   * Holds on agent {@code agentId} what a task that runs there already holds (adopting it after a
   * restart); empty if the agent is unknown or the resources are not free.
   */
  synchronized Optional<Allocation> hold(String agentId, long milliCpus, long ramMb, long diskMb,
      Map<String, Integer> ports) {
    Agent agent = agents.get(agentId);
    return agent == null ? Optional.empty() : agent.hold(milliCpus, ramMb, diskMb, ports);
  }

  /** Gives back what a task held and offers it anew; the agent's outstanding offers stay valid. */
  synchronized void release(Allocation allocation) {
    Agent agent = allocation.agent();
    agent.release(allocation);
    offerAgain(agent);
  }

  /**
   * Withdraws an offer: its resources are unoffered again, and held back for {@code refuseFor}: the
   * agent offers them again when the refusal ends, or at once with anything more that becomes
   * unoffered meanwhile (a task ends, a launch leaves resources over or fails). A decline while
   * resources are held back adds its own to them, and the refusal ends at the later of the two ends,
   * so a later decline never shortens it. The agent's other offers stay valid. Unknown ids are
   * ignored.
   */
  synchronized void decline(String offerId, Duration refuseFor) {
    Agent agent = offers.remove(offerId);
    if (agent == null) {
      LOG.debug("ignoring decline of offer {}: it is not outstanding", offerId);
      return;
    }
    Share declined = agent.withdraw(offerId);
    long nanos = refuseFor.isNegative() ? 0
        : refuseFor.compareTo(LONGEST_REFUSAL) > 0 ? LONGEST_REFUSAL.toNanos() : refuseFor.toNanos();
    if (nanos == 0 && agent.refusal == null) {
      offerAgain(agent);
      return;
    }
    agent.refuse(declined);
    long ends = nanoTime.getAsLong() + nanos;
    if (agent.refusal == null || ends - agent.refusalEnds > 0) {
      if (agent.refusal != null) {
        agent.refusal.cancel(false);
      }
      agent.refusalEnds = ends;
      agent.refusal = timer.schedule(() -> refusalEnded(agent, ends), nanos, TimeUnit.NANOSECONDS);
    }
    offerAgain(agent); // if something beyond the declined resources is unoffered
  }

  private synchronized void refusalEnded(Agent agent, long ends) {
    if (agent.refusal == null || agent.refusalEnds != ends) {
      return; // a later decline moved this refusal's end, an offer ended it, or the pool stopped
    }
    agent.endRefusal();
    offerAgain(agent);
  }

  /** Offers what is unoffered on the agent, if anything, unless a decline holds it all back. */
  private void offerAgain(Agent agent) {
    newOffer(agent).ifPresent(offer -> reporter.offers(List.of(offer)));
    check(agent);
  }

  /**
   * A new offer of all the agent's unoffered resources, unless nothing is unoffered or it is only
   * what a decline holds back. An offer made during a refusal carries what it held back, which ends
   * the refusal.
   */
  private Optional<Offer> newOffer(Agent agent) {
    if (!active || !agent.hasUnoffered() || agent.heldBack()) {
      return Optional.empty();
    }
    Offer offer = agent.offerUnoffered(agent.spec.id() + "-o" + OFFERS.incrementAndGet());
    offers.put(offer.id(), agent);
    agent.endRefusal();
    return Optional.of(offer);
  }

  private static void check(Agent agent) {
    assert agent.consistent() : agent.spec.id() + " holds or offers more than it has, or a port twice";
  }
}
