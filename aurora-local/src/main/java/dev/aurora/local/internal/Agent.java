package dev.aurora.local.internal;

import dev.aurora.api.Resources;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.TaskLaunch;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;

/**
 * One virtual agent's bookkeeping: what its running tasks hold, what each of its outstanding offers
 * reserves, and what declines hold back. Whatever is neither held nor reserved is <em>unoffered</em>.
 * Guarded by the lock of the {@link AgentPool} that owns it.
 */
final class Agent {
  final AgentSpec spec;
  /** Everything the agent has. */
  private final Share capacity;
  /** What running tasks hold. */
  private final Share used = new Share();
  /** What the outstanding offers reserve, summed; their ports never overlap. */
  private final Share offered = new Share();
  /** The outstanding offers by id, oldest first, and what each reserves. */
  private final Map<String, Share> offers = new LinkedHashMap<>();

  /**
   * What declines hold back: the resources of declined offers, all of them unoffered. The agent
   * offers them only with something more, or when the refusal ends. Empty when no refusal is set.
   */
  private final Share refused = new Share();

  /** Set while a decline holds resources back; its end offers them again. */
  ScheduledFuture<?> refusal;
  /** When the refusal ends, in the nanoseconds of the pool's clock ({@link System#nanoTime()}). */
  long refusalEnds;

  Agent(AgentSpec spec) {
    this.spec = spec;
    BitSet ports = new BitSet();
    spec.ports().ifPresent(r -> ports.set(0, r.size()));
    this.capacity = new Share(toMilli(spec.cpus()), spec.ramMb(), spec.diskMb(), ports);
  }

  /** Whether anything at all is neither held by a task nor reserved by an offer. */
  boolean hasUnoffered() {
    return !unoffered().isEmpty();
  }

  /**
   * Whether a decline holds back everything unoffered: a refusal is set and nothing has become
   * unoffered beyond what was declined (Mesos' refusal filter: it holds back an offer the declined
   * resources contain, and lets a bigger one pass).
   */
  boolean heldBack() {
    return refusal != null && unoffered().within(refused);
  }

  /** Holds back {@code declined}, the share of an offer just withdrawn, with what is held already. */
  void refuse(Share declined) {
    refused.add(declined);
  }

  /** Holds nothing back any more, and cancels the refusal's timer if it has not run. */
  void endRefusal() {
    if (refusal != null) {
      refusal.cancel(false);
      refusal = null;
    }
    refused.clear();
  }

  /** Makes an offer that reserves everything unoffered, what a decline held back included. */
  Offer offerUnoffered(String id) {
    Share share = unoffered();
    offers.put(id, share);
    offered.add(share);
    refused.clear(); // it is in this offer now
    return describe(id, share);
  }

  /** Whether {@code id} is one of this agent's outstanding offers. */
  boolean hasOffer(String id) {
    return offers.containsKey(id);
  }

  /** The ids of the outstanding offers, oldest first. */
  List<String> offerIds() {
    return List.copyOf(offers.keySet());
  }

  /** Ends an outstanding offer; what it reserved is unoffered now, and returned. */
  Share withdraw(String id) {
    Share share = offers.remove(id);
    if (share == null) {
      throw new IllegalArgumentException("offer " + id + " is not outstanding on " + spec.id());
    }
    offered.subtract(share);
    return share;
  }

  /** Why {@code asked} does not fit in {@code from}, if it does not. */
  Optional<String> shortfall(Resources asked, Share from) {
    List<String> missing = new ArrayList<>();
    long cpus = toMilli(asked.cpus());
    if (cpus > from.milliCpus) {
      missing.add("cpus " + asked.cpus() + " > " + from.milliCpus / 1000.0);
    }
    if (asked.ramMb() > from.ramMb) {
      missing.add("ramMb " + asked.ramMb() + " > " + from.ramMb);
    }
    if (asked.diskMb() > from.diskMb) {
      missing.add("diskMb " + asked.diskMb() + " > " + from.diskMb);
    }
    if (asked.gpus() > 0) {
      missing.add("gpus " + asked.gpus() + " > 0");
    }
    return missing.isEmpty()
        ? Optional.empty()
        : Optional.of("insufficient resources on " + spec.id() + ": " + String.join(", ", missing));
  }

  /**
   * Chooses the task's port numbers from the ports of {@code from} (what is left of the offers it
   * was launched with): the ones the launch gives, then the lowest such port for each named port the
   * launch left out.
   *
   * @throws PortProblem saying which port cannot be had and why
   */
  Map<String, Integer> choosePorts(TaskLaunch launch, Share from) throws PortProblem {
    TreeSet<String> names = new TreeSet<>(launch.config().resources().ports());
    names.addAll(launch.ports().keySet());
    Map<String, Integer> chosen = new TreeMap<>();
    BitSet taken = new BitSet();
    for (Map.Entry<String, Integer> given : launch.ports().entrySet()) {
      int port = given.getValue();
      if (spec.ports().isEmpty() || port < range().begin() || port > range().end()) {
        throw new PortProblem("port " + port + " for '" + given.getKey() + "' is outside "
            + spec.id() + "'s port range " + spec.ports().map(PortRange::toString).orElse("(none)"));
      }
      int bit = port - range().begin();
      if (used.ports.get(bit) || taken.get(bit)) {
        throw new PortProblem("port " + port + " for '" + given.getKey() + "' is already in use on "
            + spec.id());
      }
      if (!from.ports.get(bit)) {
        throw new PortProblem("port " + port + " for '" + given.getKey()
            + "' is not in the offers the task was launched with (" + describePorts(from.ports) + ")");
      }
      taken.set(bit);
      chosen.put(given.getKey(), port);
    }
    for (String name : names) {
      if (!chosen.containsKey(name)) {
        BitSet free = (BitSet) from.ports.clone();
        free.andNot(taken);
        int bit = free.nextSetBit(0);
        if (bit < 0) {
          throw new PortProblem("port range exhausted: " + spec.id() + " has no free port for '" + name
              + "' in the offers the task was launched with (" + describePorts(from.ports) + ")");
        }
        taken.set(bit);
        chosen.put(name, range().begin() + bit);
      }
    }
    return chosen;
  }

  /** Moves {@code asked} and the chosen ports from {@code from} to a task; they must fit. */
  Allocation take(Resources asked, Map<String, Integer> ports, Share from) {
    Allocation allocation = new Allocation(this, toMilli(asked.cpus()), asked.ramMb(), asked.diskMb(), ports);
    Share share = share(allocation);
    from.subtract(share);
    used.add(share);
    return allocation;
  }

  /**
   * Holds what a task that runs here already (adopted after a restart of the backend) holds, if it is
   * unoffered and its ports are this agent's; empty otherwise.
   */
  java.util.Optional<Allocation> hold(long milliCpus, long ramMb, long diskMb, Map<String, Integer> ports) {
    for (int port : ports.values()) {
      if (spec.ports().isEmpty() || port < range().begin() || port > range().end()) {
        return java.util.Optional.empty();
      }
    }
    Allocation allocation = new Allocation(this, milliCpus, ramMb, diskMb, ports);
    Share share = share(allocation);
    if (!share.within(unoffered())) {
      return java.util.Optional.empty();
    }
    used.add(share);
    return java.util.Optional.of(allocation);
  }

  /** Gives back what a task held: it is unoffered now. */
  void release(Allocation allocation) {
    used.subtract(share(allocation));
  }

  /**
   * Whether the books add up: tasks and offers together hold no more than the agent has, no port is
   * held or reserved twice, and what declines hold back is unoffered.
   */
  boolean consistent() {
    Share sum = new Share();
    for (Share share : offers.values()) {
      if (share.ports.intersects(sum.ports)) {
        return false;
      }
      sum.add(share);
    }
    Share all = used.copy();
    all.add(offered);
    return sum.milliCpus == offered.milliCpus && sum.ramMb == offered.ramMb && sum.diskMb == offered.diskMb
        && sum.ports.equals(offered.ports) && !used.ports.intersects(offered.ports) && used.within(capacity)
        && offered.within(capacity) && all.within(capacity) && refused.within(unoffered());
  }

  /** Everything neither held by a task nor reserved by an offer. */
  private Share unoffered() {
    Share free = capacity.copy();
    free.subtract(used);
    free.subtract(offered);
    return free;
  }

  private Offer describe(String id, Share share) {
    return Offer.builder()
        .id(id)
        .agentId(spec.id())
        .hostname(spec.hostname())
        .attributes(spec.attributes())
        .cpus(share.milliCpus / 1000.0)
        .ramMb(share.ramMb)
        .diskMb(share.diskMb)
        .ports(ranges(share.ports))
        .build();
  }

  private Share share(Allocation allocation) {
    BitSet ports = new BitSet();
    allocation.ports().values().forEach(p -> ports.set(p - range().begin()));
    return new Share(allocation.milliCpus(), allocation.ramMb(), allocation.diskMb(), ports);
  }

  private PortRange range() {
    return spec.ports().orElseThrow();
  }

  /** The ports of {@code bits} as ranges, lowest first. */
  private List<PortRange> ranges(BitSet bits) {
    List<PortRange> ranges = new ArrayList<>();
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i)) {
      int end = bits.nextClearBit(i);
      ranges.add(PortRange.of(range().begin() + i, range().begin() + end - 1));
      i = end;
    }
    return ranges;
  }

  private String describePorts(BitSet bits) {
    List<PortRange> ranges = ranges(bits);
    return ranges.isEmpty() ? "they hold no ports"
        : String.join(", ", ranges.stream().map(PortRange::toString).toList());
  }

  private static long toMilli(double cpus) {
    return Math.round(cpus * 1000);
  }

  /** A task's ports cannot be had on this agent. */
  static final class PortProblem extends Exception {
    PortProblem(String message) {
      super(message, null, false, false);
    }
  }
}
