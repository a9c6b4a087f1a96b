package dev.aurora.core;

import dev.aurora.api.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The offer bookkeeping of a {@link ClusterBackend}, written once for every backend: per agent, what its
 * tasks hold, what each outstanding offer reserves, and what declines hold back, made the way Mesos
 * makes offers. A backend author keeps one book, asks it for offers, and tells it of declines, launches,
 * ended tasks and lost agents; how and when offers reach the scheduler stays the backend's business.
 *
 * <ul>
 *   <li><b>Offers.</b> {@link #offer(String)} offers everything on an agent that is neither held by a
 *       task nor reserved by an outstanding offer (its <em>unoffered</em> resources), as one new offer.
 *       An offer carries something, and what {@link Builder#offerOnlyIf} asks. An outstanding offer stays valid until a launch uses it, it is declined or it is
 *       withdrawn; it is never changed because more became free. By default an agent may have several
 *       outstanding offers; {@link Builder#oneOfferPerAgent()} makes an agent with an outstanding offer
 *       offer nothing more until that one is gone.
 *   <li><b>Declines.</b> {@link #decline} holds back the declined resources for the refusal, as Mesos'
 *       refusal filter does: the agent makes no offer of them alone until the refusal ends, but as soon
 *       as anything more is unoffered it offers that and them together, which ends the refusal. A
 *       decline during a refusal adds its resources to what is held back, and the refusal ends at the
 *       later of the two ends. When a refusal ends the book tells the backend ({@link
 *       Builder#onRefusalEnd}), which offers the agent again.
 *   <li><b>Launches.</b> {@link #use} ends the offers a launch names; {@link Launch#take} gives each
 *       task its resources and ports out of them. What the tasks leave is unoffered again.
 *   <li><b>Tasks and agents.</b> {@link #hold} holds what a task that runs already holds (adopted after
 *       a restart); {@link #release} gives back what a task held when it ends; {@link #lose} forgets
 *       an agent's tasks and offers, and {@link #restore} brings it back empty.
 * </ul>
 *
 * <p>Cpus are counted in thousandths, so shares add up exactly. Not thread-safe: guard every call, and
 * the work the {@link Timer} runs, with one lock or one thread.
 *
 * <pre>{@code
 * OfferBook book = OfferBook.builder(timer).agent(spec).onRefusalEnd(agentId -> offerAgain(agentId)).build();
 * book.offerAll();                                  // offers to send at start
 * book.decline(offerId, refuseFor).ifPresent(this::offerAgain);
 * OfferBook.Launch launch = book.use(offerIds);     // then launch.take(task) for each task
 * }</pre>
 */
public final class OfferBook {

  /** What one agent is and has in all: id, hostname, attributes, resources and its port range. */
  public record AgentSpec(String id, String hostname, Map<String, String> attributes, double cpus, long ramMb,
      long diskMb, int gpus, Optional<PortRange> ports) {
    /** Copies the attributes so the spec stays immutable. */
    public AgentSpec {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(hostname, "hostname");
      attributes = Map.copyOf(attributes);
      Objects.requireNonNull(ports, "ports");
    }
  }

  /** What one task holds on its agent: thousandths of cpus, memory, disk, gpus and named ports. */
  public record Allocation(String agentId, long milliCpus, long ramMb, long diskMb, int gpus,
      Map<String, Integer> ports) {
    /** Copies the ports so the allocation stays immutable. */
    public Allocation {
      Objects.requireNonNull(agentId, "agentId");
      ports = Map.copyOf(ports);
    }
  }

  /** How the book ends refusals: the backend's clock and timer (a state loop, an executor, ...). */
  public interface Timer {
    /** Now, in nanoseconds of this timer's clock (only differences between two readings matter). */
    long nanoTime();

    /** Runs {@code work} once {@code delay} has passed, under the lock that guards the book. */
    StateLoop.Timer schedule(Duration delay, Runnable work);

    /** Timers on the loop's clock, run on the loop: for a book used only on that loop. */
    static Timer on(StateLoop loop) {
      Objects.requireNonNull(loop, "loop");
      return new Timer() {
        @Override
        public long nanoTime() {
          return loop.clock().millis() * 1_000_000L;
        }

        @Override
        public StateLoop.Timer schedule(Duration delay, Runnable work) {
          return loop.schedule(delay, work);
        }
      };
    }
  }

  /** A task does not fit in what its launch's offers hold; the message says what is missing. */
  public static final class Shortfall extends Exception {
    private final boolean ports;

    Shortfall(String message, boolean ports) {
      super(message, null, false, false);
      this.ports = ports;
    }

    /** Whether a port is the problem (the resources fit, a port cannot be had). */
    public boolean ports() {
      return ports;
    }
  }

  /** A longer refusal is cut to this, which is forever enough and fits a timer's nanoseconds. */
  private static final Duration LONGEST_REFUSAL = Duration.ofDays(365);
  /** Default offer ids are unique in the JVM, so two books never hand out the same one. */
  private static final AtomicLong OFFERS = new AtomicLong();

  private final Map<String, OfferAgent> agents = new LinkedHashMap<>();
  /** Every outstanding offer's agent, by offer id. */
  private final Map<String, OfferAgent> offers = new LinkedHashMap<>();
  private final Timer timer;
  private final Consumer<String> onRefusalEnd;
  private final Function<String, String> offerIds;
  private final boolean oneOfferPerAgent;
  private final Predicate<Resources> worthOffering;

  private OfferBook(Builder b) {
    b.specs.forEach(spec -> agents.put(spec.id(), new OfferAgent(spec)));
    this.timer = b.timer;
    this.onRefusalEnd = b.onRefusalEnd;
    this.offerIds = b.offerIds;
    this.oneOfferPerAgent = b.oneOfferPerAgent;
    this.worthOffering = b.worthOffering;
  }

  /** A builder of a book whose refusals end by {@code timer}. */
  public static Builder builder(Timer timer) {
    return new Builder(timer);
  }

  /** Builds an {@link OfferBook}. */
  public static final class Builder {
    private final Timer timer;
    private final List<AgentSpec> specs = new ArrayList<>();
    private Consumer<String> onRefusalEnd = agentId -> {};
    private Function<String, String> offerIds = agentId -> agentId + "-o" + OFFERS.incrementAndGet();
    private boolean oneOfferPerAgent;
    private Predicate<Resources> worthOffering;

    Builder(Timer timer) {
      this.timer = Objects.requireNonNull(timer, "timer");
    }

    /** Adds an agent; agents are offered in the order they are added. */
    public Builder agent(AgentSpec spec) {
      specs.add(spec);
      return this;
    }

    /** Adds agents. */
    public Builder agents(List<AgentSpec> all) {
      specs.addAll(all);
      return this;
    }

    /** Told the agent's id when a refusal ends (default: nothing); offer the agent again then. */
    public Builder onRefusalEnd(Consumer<String> onRefusalEnd) {
      this.onRefusalEnd = Objects.requireNonNull(onRefusalEnd, "onRefusalEnd");
      return this;
    }

    /** Names a new offer of the agent (default: {@code <agentId>-o<n>}, unique in the JVM). */
    public Builder offerIds(Function<String, String> offerIds) {
      this.offerIds = Objects.requireNonNull(offerIds, "offerIds");
      return this;
    }

    /** An agent with an outstanding offer offers nothing more until it is used, declined or withdrawn. */
    public Builder oneOfferPerAgent() {
      this.oneOfferPerAgent = true;
      return this;
    }

    /**
     * Makes an offer only of unoffered resources (cpus, memory, disk and gpus; ports not named) that
     * {@code worthOffering} accepts, e.g. {@code r -> r.cpus() > 0 || r.ramMb() > 0} as Mesos' minimum
     * allocatable resources; by default anything at all, ports alone included, is offered.
     */
    public Builder offerOnlyIf(Predicate<Resources> worthOffering) {
      this.worthOffering = Objects.requireNonNull(worthOffering, "worthOffering");
      return this;
    }

    /** Builds the book. */
    public OfferBook build() {
      Set<String> ids = new LinkedHashSet<>();
      for (AgentSpec spec : specs) {
        if (!ids.add(spec.id())) {
          throw new IllegalArgumentException("agent " + spec.id() + " is given twice");
        }
      }
      return new OfferBook(this);
    }
  }

  // ---------------------------------------------------------------- offers

  /**
   * A new offer of everything unoffered on the agent; empty if it is lost, nothing is unoffered, {@link
   * Builder#offerOnlyIf} refuses it, it would offer only what a decline holds back, or (one offer per
   * agent) the agent has an outstanding offer. An offer made during a refusal carries what was held back and ends the refusal.
   */
  public Optional<Offer> offer(String agentId) {
    OfferAgent agent = agent(agentId);
    OfferShare unoffered = agent.unoffered();
    if (agent.lost || (oneOfferPerAgent && !agent.offers.isEmpty())
        || unoffered.isEmpty()
        || (worthOffering != null && !worthOffering.test(unoffered.resources())) || agent.heldBack(unoffered)) {
      return Optional.empty();
    }
    String id = offerIds.apply(agentId);
    agent.offers.put(id, unoffered);
    agent.offered.add(unoffered);
    offers.put(id, agent);
    agent.endRefusal();
    check(agent);
    return Optional.of(agent.describe(id, unoffered));
  }

  /** A new offer of each agent that {@link #offer(String)} would offer, in the order agents were added. */
  public List<Offer> offerAll() {
    List<Offer> made = new ArrayList<>();
    for (String id : agents.keySet()) {
      offer(id).ifPresent(made::add);
    }
    return made;
  }

  /** The agent of an outstanding offer, if it is outstanding. */
  public Optional<String> agentOf(String offerId) {
    return Optional.ofNullable(offers.get(offerId)).map(a -> a.spec.id());
  }

  /** How many offers are outstanding. */
  public int outstanding() {
    return offers.size();
  }

  /** The ids of the agent's outstanding offers, oldest first. */
  public List<String> offersOf(String agentId) {
    return List.copyOf(agent(agentId).offers.keySet());
  }

  /**
   * Ends an outstanding offer and holds back its resources for {@code refuseFor} (cut to a year); a
   * zero or negative refusal holds nothing back. Returns the offer's agent, which the backend offers
   * again at once ({@link #offer(String)} makes an offer only if more than what is held back is
   * unoffered); empty, and nothing changes, if the offer is not outstanding.
   */
  public Optional<String> decline(String offerId, Duration refuseFor) {
    OfferAgent agent = offers.remove(offerId);
    if (agent == null) {
      return Optional.empty();
    }
    OfferShare declined = agent.withdraw(offerId);
    long nanos = refuseFor.isNegative() ? 0
        : refuseFor.compareTo(LONGEST_REFUSAL) > 0 ? LONGEST_REFUSAL.toNanos() : refuseFor.toNanos();
    if (nanos == 0 && agent.refusal == null) {
      return Optional.of(agent.spec.id());
    }
    agent.refused.add(declined);
    long ends = timer.nanoTime() + nanos;
    if (agent.refusal == null || ends - agent.refusalEnds > 0) {
      if (agent.refusal != null) {
        agent.refusal.cancel();
      }
      agent.refusalEnds = ends;
      agent.refusal = timer.schedule(Duration.ofNanos(nanos), () -> refusalEnded(agent, ends));
    }
    check(agent);
    return Optional.of(agent.spec.id());
  }

  private void refusalEnded(OfferAgent agent, long ends) {
    if (agent.refusal == null || agent.refusalEnds != ends) {
      return; // a later decline moved this refusal's end, or an offer or a withdrawal ended it
    }
    agent.endRefusal();
    onRefusalEnd.accept(agent.spec.id());
  }

  /**
   * Ends every outstanding offer of the agent without a refusal (the backend rescinds them); returns
   * their ids, oldest first.
   */
  public List<String> withdraw(String agentId) {
    OfferAgent agent = agent(agentId);
    List<String> ids = List.copyOf(agent.offers.keySet());
    for (String id : ids) {
      offers.remove(id);
      agent.withdraw(id);
    }
    return ids;
  }

  /** Ends every outstanding offer and every refusal, as when a backend stops or its framework restarts. */
  public void withdrawAll() {
    for (OfferAgent agent : agents.values()) {
      withdraw(agent.spec.id());
      agent.endRefusal();
    }
  }

  // ---------------------------------------------------------------- launches and tasks

  /**
   * Ends the offers a launch names: all of one agent, each outstanding, or the launch has a {@link
   * Launch#problem()} and its tasks may not be placed. The offers it names that are outstanding end
   * either way (the scheduler gave them up when it launched); offer their agents again after the
   * launch ({@link Launch#agents()}).
   */
  public Launch use(List<String> offerIds) {
    if (offerIds.size() == 1) { // the common launch, without the sets below
      String id = offerIds.get(0);
      OfferAgent owner = offers.remove(id);
      return owner == null
          ? new Launch(null, new OfferShare(), "offer " + id + " is not valid: unknown, already used, declined or rescinded",
              List.of())
          : new Launch(owner, owner.withdraw(id), null, List.of(owner.spec.id()));
    }
    Set<String> ids = new LinkedHashSet<>(offerIds);
    OfferAgent agent = null;
    String problem = ids.isEmpty() ? "the launch names no offer" : null;
    for (String id : ids) {
      OfferAgent owner = offers.get(id);
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
    Set<String> owners = new LinkedHashSet<>();
    OfferShare launchable = new OfferShare();
    for (String id : ids) {
      OfferAgent owner = offers.remove(id);
      if (owner != null) {
        launchable.add(owner.withdraw(id));
        owners.add(owner.spec.id());
      }
    }
    return problem != null
        ? new Launch(null, new OfferShare(), problem, List.copyOf(owners))
        : new Launch(agent, launchable, null, List.copyOf(owners));
  }

  /** The offers of one launch, used: each task takes its share out of them. */
  public final class Launch {
    private final OfferAgent agent;
    private final OfferShare left;
    private final String problem;
    private final List<String> touched;

    private Launch(OfferAgent agent, OfferShare left, String problem, List<String> touched) {
      this.agent = agent;
      this.left = left;
      this.problem = problem;
      this.touched = touched;
    }

    /** Why the launch's tasks may not be placed (an offer not outstanding, offers of two agents, ...). */
    public Optional<String> problem() {
      return Optional.ofNullable(problem);
    }

    /** The agent of the offers, unless there is a problem. */
    public Optional<String> agentId() {
      return Optional.ofNullable(agent).map(a -> a.spec.id());
    }

    /** The agents whose offers the launch ended: offer them again once the tasks are placed. */
    public List<String> agents() {
      return touched;
    }

    /**
     * Gives the task its resources and ports out of what the offers still hold: the ports the launch
     * gives, and the lowest such port for each named port it leaves out.
     *
     * @throws Shortfall saying what does not fit or which port cannot be had and why
     * @throws IllegalStateException if the launch has a problem
     */
    public Allocation take(TaskLaunch task) throws Shortfall {
      if (agent == null) {
        throw new IllegalStateException(problem);
      }
      Resources asked = task.config().resources();
      agent.checkFits(asked, left);
      Map<String, Integer> ports = agent.choosePorts(task, left);
      Allocation allocation = new Allocation(agent.spec.id(), toMilli(asked.cpus()), asked.ramMb(),
          asked.diskMb(), asked.gpus(), ports);
      agent.take(allocation, left);
      check(agent);
      return allocation;
    }
  }

  /**
   * Holds what a task that runs on the agent already holds (adopted after a restart of the backend), if
   * it is unoffered and its ports are the agent's; empty otherwise, or if the agent is unknown.
   */
  public Optional<Allocation> hold(Allocation allocation) {
    OfferAgent agent = agents.get(allocation.agentId());
    if (agent == null) {
      return Optional.empty();
    }
    for (int port : allocation.ports().values()) {
      if (!agent.inRange(port)) {
        return Optional.empty();
      }
    }
    OfferShare share = agent.share(allocation);
    if (!share.within(agent.unoffered())) {
      return Optional.empty();
    }
    agent.used.add(share);
    check(agent);
    return Optional.of(allocation);
  }

  /**
   * Gives back what a task held: it is unoffered now, and the backend offers the agent again. Not for
   * the tasks of an agent lost since: losing it released what they held.
   */
  public void release(Allocation allocation) {
    OfferAgent agent = agent(allocation.agentId());
    agent.used.subtract(agent.share(allocation));
    check(agent);
  }

  /**
   * Loses the agent: it offers nothing until {@link #restore}d, its tasks hold nothing any more, and
   * its outstanding offers end; returns their ids (the backend rescinds them).
   */
  public List<String> lose(String agentId) {
    OfferAgent agent = agent(agentId);
    List<String> withdrawn = withdraw(agentId);
    agent.lost = true;
    agent.used.clear();
    return withdrawn;
  }

  /** Brings a lost agent back, empty; the backend offers it again. */
  public void restore(String agentId) {
    OfferAgent agent = agent(agentId);
    agent.lost = false;
  }

  /** Whether the agent is lost. */
  public boolean isLost(String agentId) {
    return agent(agentId).lost;
  }

  /** What the agent's tasks do not hold (offered or not), without ports. */
  public Resources free(String agentId) {
    OfferAgent agent = agent(agentId);
    OfferShare free = agent.capacity.copy();
    free.subtract(agent.used);
    return free.resources();
  }

  /** What the agent's outstanding offers reserve together, without ports. */
  public Resources offered(String agentId) {
    return agent(agentId).offered.resources();
  }

  /** Whether a refusal holds back resources of the agent now. */
  public boolean refusing(String agentId) {
    return agent(agentId).refusal != null;
  }

  private OfferAgent agent(String agentId) {
    OfferAgent agent = agents.get(agentId);
    if (agent == null) {
      throw new IllegalArgumentException("no agent " + agentId);
    }
    return agent;
  }

  private static void check(OfferAgent agent) {
    assert agent.consistent() : agent.spec.id() + " holds or offers more than it has, or a port twice";
  }

  static long toMilli(double cpus) {
    return Math.round(cpus * 1000);
  }
}
