package dev.aurora.local.internal;

import dev.aurora.api.Resources;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.TaskLaunch;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;

/**
 * One virtual agent's bookkeeping: what its running tasks hold, its outstanding offer and whether a
 * decline holds it back. Guarded by the lock of the {@link AgentPool} that owns it.
 */
final class Agent {
  final AgentSpec spec;
  private final long milliCpus;
  private long usedMilliCpus;
  private long usedRamMb;
  private long usedDiskMb;
  /** Bit i set: port {@code ports.begin() + i} is held by a task. */
  private final BitSet usedPorts = new BitSet();

  /** The outstanding offer's id, or null. */
  String offerId;
  /** Set while a decline holds the agent back; its end offers the agent again. */
  ScheduledFuture<?> refusal;

  Agent(AgentSpec spec) {
    this.spec = spec;
    this.milliCpus = toMilli(spec.cpus());
  }

  /** Whether anything at all is free. */
  boolean hasFree() {
    return usedMilliCpus < milliCpus || usedRamMb < spec.ramMb() || usedDiskMb < spec.diskMb()
        || !freePorts().isEmpty();
  }

  /** An offer of everything free. */
  Offer offer(String id) {
    return Offer.builder()
        .id(id)
        .agentId(spec.id())
        .hostname(spec.hostname())
        .attributes(spec.attributes())
        .cpus((milliCpus - usedMilliCpus) / 1000.0)
        .ramMb(spec.ramMb() - usedRamMb)
        .diskMb(spec.diskMb() - usedDiskMb)
        .ports(freePorts())
        .build();
  }

  /** Why {@code asked} does not fit in what is free, if it does not. */
  Optional<String> shortfall(Resources asked) {
    List<String> missing = new ArrayList<>();
    long cpus = toMilli(asked.cpus());
    if (cpus > milliCpus - usedMilliCpus) {
      missing.add("cpus " + asked.cpus() + " > " + (milliCpus - usedMilliCpus) / 1000.0);
    }
    if (asked.ramMb() > spec.ramMb() - usedRamMb) {
      missing.add("ramMb " + asked.ramMb() + " > " + (spec.ramMb() - usedRamMb));
    }
    if (asked.diskMb() > spec.diskMb() - usedDiskMb) {
      missing.add("diskMb " + asked.diskMb() + " > " + (spec.diskMb() - usedDiskMb));
    }
    if (asked.gpus() > 0) {
      missing.add("gpus " + asked.gpus() + " > 0");
    }
    return missing.isEmpty()
        ? Optional.empty()
        : Optional.of("insufficient resources on " + spec.id() + ": " + String.join(", ", missing));
  }

  /**
   * Chooses the task's port numbers: the ones the launch gives (each must be free and in this
   * agent's range), then the lowest free port for each named port the launch left out.
   *
   * @throws PortProblem saying which port cannot be had and why
   */
  Map<String, Integer> choosePorts(TaskLaunch launch) throws PortProblem {
    TreeSet<String> names = new TreeSet<>(launch.config().resources().ports());
    names.addAll(launch.ports().keySet());
    Map<String, Integer> chosen = new TreeMap<>();
    BitSet taken = (BitSet) usedPorts.clone();
    for (Map.Entry<String, Integer> given : launch.ports().entrySet()) {
      int port = given.getValue();
      if (spec.ports().isEmpty() || port < range().begin() || port > range().end()) {
        throw new PortProblem("port " + port + " for '" + given.getKey() + "' is outside "
            + spec.id() + "'s port range " + spec.ports().map(PortRange::toString).orElse("(none)"));
      }
      if (taken.get(port - range().begin())) {
        throw new PortProblem("port " + port + " for '" + given.getKey() + "' is already in use on "
            + spec.id());
      }
      taken.set(port - range().begin());
      chosen.put(given.getKey(), port);
    }
    for (String name : names) {
      if (!chosen.containsKey(name)) {
        int free = taken.nextClearBit(0);
        if (spec.ports().isEmpty() || free >= range().size()) {
          throw new PortProblem("port range exhausted: " + spec.id() + " has no free port for '" + name
              + "' (range " + spec.ports().map(PortRange::toString).orElse("(none)") + ")");
        }
        taken.set(free);
        chosen.put(name, range().begin() + free);
      }
    }
    return chosen;
  }

  /** Holds {@code asked} and the chosen ports for a task; they must fit. */
  Allocation take(Resources asked, Map<String, Integer> ports) {
    Allocation allocation = new Allocation(this, toMilli(asked.cpus()), asked.ramMb(), asked.diskMb(), ports);
    usedMilliCpus += allocation.milliCpus();
    usedRamMb += allocation.ramMb();
    usedDiskMb += allocation.diskMb();
    ports.values().forEach(p -> usedPorts.set(p - range().begin()));
    return allocation;
  }

  /** Gives back what a task held. */
  void release(Allocation allocation) {
    usedMilliCpus -= allocation.milliCpus();
    usedRamMb -= allocation.ramMb();
    usedDiskMb -= allocation.diskMb();
    allocation.ports().values().forEach(p -> usedPorts.clear(p - range().begin()));
  }

  private PortRange range() {
    return spec.ports().orElseThrow();
  }

  private List<PortRange> freePorts() {
    List<PortRange> free = new ArrayList<>();
    if (spec.ports().isPresent()) {
      int size = range().size();
      for (int i = usedPorts.nextClearBit(0); i < size; i = usedPorts.nextClearBit(i)) {
        int end = Math.min(usedPorts.nextSetBit(i) < 0 ? size : usedPorts.nextSetBit(i), size);
        free.add(PortRange.of(range().begin() + i, range().begin() + end - 1));
        i = end;
      }
    }
    return free;
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
