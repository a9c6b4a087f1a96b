package dev.aurora.core;

import com.google.common.collect.ImmutableMap;
import dev.aurora.api.Resources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** One agent's books: what tasks hold, what each outstanding offer reserves, what declines hold back. */
final class OfferAgent {
  final OfferBook.AgentSpec spec;
  /** The spec's attributes, as every offer of the agent carries them (one map, not a copy per offer). */
  private final ImmutableMap<String, String> attributes;
  final OfferShare capacity;
  final OfferShare used = new OfferShare();
  /** What the outstanding offers reserve, summed; their ports never overlap. */
  final OfferShare offered = new OfferShare();
  /** The outstanding offers by id, oldest first, and what each reserves. */
  final Map<String, OfferShare> offers = new LinkedHashMap<>();
  /** What declines hold back, all of it unoffered; empty when no refusal is set. */
  final OfferShare refused = new OfferShare();
  StateLoop.Timer refusal;
  long refusalEnds;
  boolean lost;

  OfferAgent(OfferBook.AgentSpec spec) {
    this.spec = spec;
    this.attributes = ImmutableMap.copyOf(spec.attributes());
    BitSet ports = new BitSet();
    spec.ports().ifPresent(r -> ports.set(0, r.size()));
    this.capacity = new OfferShare(OfferBook.toMilli(spec.cpus()), spec.ramMb(), spec.diskMb(), spec.gpus(), ports);
  }

  OfferShare unoffered() {
    OfferShare free = capacity.copy();
    free.subtract(used);
    free.subtract(offered);
    return free;
  }

  /** Whether a refusal holds back all of {@code unoffered}. */
  boolean heldBack(OfferShare unoffered) {
    return refusal != null && unoffered.within(refused);
  }

  void endRefusal() {
    if (refusal != null) {
      refusal.cancel();
      refusal = null;
    }
    refused.clear();
  }

  OfferShare withdraw(String id) {
    OfferShare share = offers.remove(id);
    offered.subtract(share);
    return share;
  }

  boolean inRange(int port) {
    return spec.ports().isPresent() && port >= range().begin() && port <= range().end();
  }

  void checkFits(Resources asked, OfferShare from) throws OfferBook.Shortfall {
    if (OfferBook.toMilli(asked.cpus()) <= from.milliCpus && asked.ramMb() <= from.ramMb
        && asked.diskMb() <= from.diskMb && asked.gpus() <= from.gpus) {
      return; // fits: nothing to say, nothing allocated
    }
    List<String> missing = new ArrayList<>();
    if (OfferBook.toMilli(asked.cpus()) > from.milliCpus) {
      missing.add("cpus " + asked.cpus() + " > " + from.milliCpus / 1000.0);
    }
    if (asked.ramMb() > from.ramMb) {
      missing.add("ramMb " + asked.ramMb() + " > " + from.ramMb);
    }
    if (asked.diskMb() > from.diskMb) {
      missing.add("diskMb " + asked.diskMb() + " > " + from.diskMb);
    }
    if (asked.gpus() > from.gpus) {
      missing.add("gpus " + asked.gpus() + " > " + from.gpus);
    }
    if (!missing.isEmpty()) {
      throw new OfferBook.Shortfall("insufficient resources on " + spec.id() + ": " + String.join(", ", missing), false);
    }
  }

  Map<String, Integer> choosePorts(TaskLaunch launch, OfferShare from) throws OfferBook.Shortfall {
    java.util.SortedSet<String> asked = launch.config().resources().ports();
    if (launch.ports().isEmpty() && asked.size() <= 1) {
      // the common launch: no port given, at most one named: the lowest port the offers hold
      if (asked.isEmpty()) {
        return Map.of();
      }
      String name = asked.first();
      int bit = from.ports.nextSetBit(0);
      if (bit < 0) {
        throw exhausted(name, from);
      }
      return Map.of(name, range().begin() + bit);
    }
    Map<String, Integer> givenPorts = launch.ports();
    if (givenPorts.size() == 1 && asked.size() <= 1) {
      // the scheduler's launch: its one named port given (no sets, maps or bits built)
      Map.Entry<String, Integer> only = givenPorts.entrySet().iterator().next();
      if (asked.isEmpty() || asked.first().equals(only.getKey())) {
        int port = only.getValue();
        checkGiven(only.getKey(), port, from, null);
        return Map.of(only.getKey(), port);
      }
    }
    TreeSet<String> names = new TreeSet<>(asked);
    names.addAll(launch.ports().keySet());
    Map<String, Integer> chosen = new TreeMap<>();
    BitSet taken = new BitSet();
    for (Map.Entry<String, Integer> given : launch.ports().entrySet()) {
      int port = given.getValue();
      taken.set(checkGiven(given.getKey(), port, from, taken));
      chosen.put(given.getKey(), port);
    }
    for (String name : names) {
      if (!chosen.containsKey(name)) {
        int bit = from.ports.nextSetBit(0);
        while (bit >= 0 && taken.get(bit)) {
          bit = from.ports.nextSetBit(bit + 1);
        }
        if (bit < 0) {
          throw exhausted(name, from);
        }
        taken.set(bit);
        chosen.put(name, range().begin() + bit);
      }
    }
    return chosen;
  }

  /**
   * The bit of port {@code port}, given for {@code name}, if the task may have it: in the agent's range,
   * held by no task nor already {@code taken} by this task (null: none taken), and in the launch's offers.
   */
  private int checkGiven(String name, int port, OfferShare from, BitSet taken) throws OfferBook.Shortfall {
    if (!inRange(port)) {
      throw new OfferBook.Shortfall("port " + port + " for '" + name + "' is outside " + spec.id()
          + "'s port range " + spec.ports().map(PortRange::toString).orElse("(none)"), true);
    }
    int bit = port - range().begin();
    if (used.ports.get(bit) || (taken != null && taken.get(bit))) {
      throw new OfferBook.Shortfall("port " + port + " for '" + name + "' is already in use on " + spec.id(),
          true);
    }
    if (!from.ports.get(bit)) {
      throw new OfferBook.Shortfall("port " + port + " for '" + name
          + "' is not in the offers the task was launched with (" + describePorts(from.ports) + ")", true);
    }
    return bit;
  }

  private OfferBook.Shortfall exhausted(String name, OfferShare from) {
    return new OfferBook.Shortfall("port range exhausted: " + spec.id() + " has no free port for '" + name
        + "' in the offers the task was launched with (" + describePorts(from.ports) + ")", true);
  }

  /**
   * Moves what {@code allocation} holds out of {@code left} (what a launch's offers still hold) into
   * what the agent's tasks hold: {@code left.subtract(share(allocation)); used.add(share(allocation))}
   * without building the share.
   */
  void take(OfferBook.Allocation allocation, OfferShare left) {
    left.milliCpus -= allocation.milliCpus();
    left.ramMb -= allocation.ramMb();
    left.diskMb -= allocation.diskMb();
    left.gpus -= allocation.gpus();
    used.milliCpus += allocation.milliCpus();
    used.ramMb += allocation.ramMb();
    used.diskMb += allocation.diskMb();
    used.gpus += allocation.gpus();
    if (!allocation.ports().isEmpty()) {
      int begin = range().begin();
      for (int port : allocation.ports().values()) {
        left.ports.clear(port - begin);
        used.ports.set(port - begin);
      }
    }
  }

  OfferShare share(OfferBook.Allocation allocation) {
    BitSet ports = new BitSet();
    allocation.ports().values().forEach(p -> ports.set(p - range().begin()));
    return new OfferShare(allocation.milliCpus(), allocation.ramMb(), allocation.diskMb(), allocation.gpus(), ports);
  }

  /**
   * Whether the books add up: tasks and offers together hold no more than the agent has, no port is
   * held or reserved twice, and what declines hold back is unoffered.
   */
  boolean consistent() {
    OfferShare sum = new OfferShare();
    for (OfferShare share : offers.values()) {
      if (share.ports.intersects(sum.ports)) {
        return false;
      }
      sum.add(share);
    }
    OfferShare all = used.copy();
    all.add(offered);
    return sum.milliCpus == offered.milliCpus && sum.ramMb == offered.ramMb && sum.diskMb == offered.diskMb
        && sum.gpus == offered.gpus && sum.ports.equals(offered.ports) && !used.ports.intersects(offered.ports)
        && used.within(capacity) && offered.within(capacity) && all.within(capacity)
        && refused.within(unoffered());
  }

  /**
   * An offer of {@code share}. Every offer of the agent carries the same attributes map: nothing is
   * copied per offer, and the scheduler sees at a glance (by reference) that the agent's identity is
   * unchanged.
   */
  Offer describe(String id, OfferShare share) {
    return Offer.builder().id(id).agentId(spec.id()).hostname(spec.hostname())
        .cpus(share.milliCpus / 1000.0).ramMb(share.ramMb).diskMb(share.diskMb).gpus(share.gpus)
        .ports(ranges(share.ports)).build().withAttributes(attributes);
  }

  private PortRange range() {
    return spec.ports().orElseThrow();
  }

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
}
