package dev.aurora.core.internal.placement;

import com.google.common.collect.ImmutableSortedMap;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Offer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every agent the scheduler knows, the offers they hold, and the list of agents holding offers (what
 * a placement pass scans). Owned by the state loop; not thread-safe.
 */
public final class AgentPool {
  /** In the order agents became known: what iterates them (attribute lists, diagnosis, snapshots) follows it. */
  private final Map<String, AgentState> agents = new LinkedHashMap<>();
  private final Map<String, AgentState> byOffer = new HashMap<>();
  private final ArrayList<AgentState> offered = new ArrayList<>();
  private final Map<String, MaintenanceMode> maintenance = new HashMap<>();
  private final AgentIndex index = new AgentIndex();
  /** Agents a placement took from and the index has not re-keyed yet ({@link #took}). */
  private final ArrayList<AgentState> tookAgents = new ArrayList<>();
  /**
   * Agents that gained free resources (an offer) in this {@link #epoch}, in order: what a group found
   * unplaceable needs to look at again (a task that ends frees nothing until its resources are offered;
   * the limit counts it frees are its job's business: {@code PlacementEngine#released}). Cleared, with a new epoch, when it grows past twice
   * the number of agents (every group then looks at everything again).
   */
  private final ArrayList<AgentState> changed = new ArrayList<>();
  private long epoch;
  private long minCapacityCpu;
  private long minCapacityRam;
  private boolean capacitiesChanged = true;
  /** Attribute names by slot ({@code host}, the hostname, is slot 0), and slots by name. */
  private final ArrayList<String> attributeNames = new ArrayList<>(List.of("host"));
  private final HashMap<String, Integer> attributeSlots = new HashMap<>(Map.of("host", 0));
  /** Per slot: each value seen of the attribute -> its id (0, 1, 2, ... in the order seen). */
  private final ArrayList<HashMap<String, Integer>> valueIds = new ArrayList<>(List.of(new HashMap<>()));
  /** Agents removed since value ids were last checked for staleness (checked every 1,024 removals). */
  private int removedSinceIdCheck;
  /** Bumped when the value ids are dropped (too many of agents gone): ids of an older generation mean nothing. */
  private int valueIdGeneration;
  /** attribute -> value -> agents, built on first use of an attribute, dropped when an agent's identity changes. */
  private final Map<String, Map<String, List<AgentState>>> byAttribute = new HashMap<>();

  /** Adds an offer; returns the agent, and whether its identity (hostname, attributes) is new. */
  public boolean addOffer(Offer o) {
    AgentState a = agents.get(o.agentId());
    boolean changed = false;
    if (a == null) {
      a = new AgentState(o.agentId());
      agents.put(a.id, a);
      changed = true;
    } else if (!o.hostname().equals(a.hostname) || !o.attributes().equals(a.attributes)) {
      changed = true;
    }
    long cpu = a.capacityCpuMillis;
    long ram = a.capacityRamMb;
    a.addOffer(o);
    capacitiesChanged |= changed || cpu != a.capacityCpuMillis || ram != a.capacityRamMb;
    if (changed) {
      byAttribute.clear();
      a.pool = this;
      a.valueIds = null;
    }
    a.maintenance = maintenance.getOrDefault(a.hostname, MaintenanceMode.NONE);
    byOffer.put(o.id(), a);
    markOffered(a);
    index.update(a);
    logChange(a);
    return changed;
  }

  /** Records an agent known from storage (no offers). */
  public AgentState restoreAgent(String id, String hostname, Map<String, String> attributes) {
    AgentState a = agents.computeIfAbsent(id, AgentState::new);
    a.hostname = hostname;
    a.attributes = Map.copyOf(attributes);
    a.maintenance = maintenance.getOrDefault(hostname, MaintenanceMode.NONE);
    a.pool = this;
    a.valueIds = null;
    byAttribute.clear();
    return a;
  }

  /** Drops an offer (rescinded or declined); returns whether it was held. */
  public boolean removeOffer(String offerId) {
    AgentState a = byOffer.remove(offerId);
    if (a == null) {
      return false;
    }
    boolean removed = a.regular.remove(offerId) || a.revocable.remove(offerId);
    if (!a.hasOffers()) {
      unmarkOffered(a);
    }
    index.update(a);
    return removed;
  }

  /**
   * Whether the offer is held and a placement of the current transaction took from it (or from another
   * offer of its agent and kind): the transaction's launch uses it, so it must not be declined.
   */
  public boolean inUse(String offerId) {
    AgentState a = byOffer.get(offerId);
    if (a == null) {
      return false;
    }
    return a.regular.touched && a.regular.offerIds().contains(offerId)
        || a.revocable.touched && a.revocable.offerIds().contains(offerId);
  }

  /** Whether the offer is still held. */
  public boolean holds(String offerId) {
    return byOffer.containsKey(offerId);
  }

  /** Takes every offer of the agent's touched buckets for a launch; returns their ids. */
  public List<String> consumeTouchedOffers(AgentState a) {
    List<String> ids = new ArrayList<>();
    for (Bucket b : new Bucket[] {a.regular, a.revocable}) {
      if (b.touched) {
        for (String id : b.offerIds()) {
          byOffer.remove(id);
          ids.add(id);
        }
        b.clear();
      }
    }
    if (!a.hasOffers()) {
      unmarkOffered(a);
    }
    index.park(a); // its remainder is offered again soon: it keeps its place in the index until then
    return ids;
  }

  /** Removes an agent and its offers; returns the ids of the offers it held. */
  public List<String> removeAgent(String agentId) {
    flushTook(); // an agent gone must not be re-keyed into the index afterwards
    AgentState a = agents.remove(agentId);
    if (a == null) {
      return List.of();
    }
    a.removed = true;
    List<String> ids = new ArrayList<>(a.regular.offerIds());
    ids.addAll(a.revocable.offerIds());
    ids.forEach(byOffer::remove);
    unmarkOffered(a);
    index.remove(a);
    byAttribute.clear();
    capacitiesChanged = true;
    if (++removedSinceIdCheck > 1_024) {
      removedSinceIdCheck = 0;
      dropValueIdsIfStale();
    }
    return ids;
  }

  public AgentState agent(String agentId) {
    return agents.get(agentId);
  }

  public Collection<AgentState> agents() {
    return agents.values();
  }

  /** Agents holding at least one offer. The list is live; do not keep it. */
  public List<AgentState> offered() {
    return offered;
  }

  public int offerCount() {
    return byOffer.size();
  }

  /** Sets a host's maintenance mode (NONE removes it). */
  public void setMaintenance(String host, MaintenanceMode mode) {
    if (mode == MaintenanceMode.NONE) {
      maintenance.remove(host);
    } else {
      maintenance.put(host, mode);
    }
    for (AgentState a : agents.values()) {
      if (host.equals(a.hostname)) {
        a.maintenance = mode;
      }
    }
    newEpoch();
  }

  public MaintenanceMode maintenance(String host) {
    return maintenance.getOrDefault(host, MaintenanceMode.NONE);
  }

  /** Every host in maintenance, by hostname. */
  public Map<String, MaintenanceMode> maintenance() {
    return ImmutableSortedMap.copyOf(maintenance);
  }

  /** A task of {@code cpuMillis}/{@code ramMb} now holds resources on the agent. */
  public void hold(AgentState a, long cpuMillis, long ramMb) {
    a.taskCount++;
    a.usedCpuMillis += cpuMillis;
    a.usedRamMb += ramMb;
    long cpu = a.capacityCpuMillis;
    long ram = a.capacityRamMb;
    a.updateCapacity();
    if (cpu != a.capacityCpuMillis || ram != a.capacityRamMb) {
      capacitiesChanged = true;
      if (a.indexed) {
        index.update(a);
      }
    }
  }

  /** A task released its resources on the agent. */
  public void release(String agentId, long cpuMillis, long ramMb) {
    AgentState a = agents.get(agentId);
    if (a != null) {
      a.taskCount = Math.max(0, a.taskCount - 1);
      a.usedCpuMillis = Math.max(0, a.usedCpuMillis - cpuMillis);
      a.usedRamMb = Math.max(0, a.usedRamMb - ramMb);
    }
  }

  /** The agents holding regular offers, by fullness, with a fit query. */
  AgentIndex index() {
    return index;
  }

  /**
   * The smallest known non-zero cpu capacity (millis) of any agent, a lower bound for every agent
   * holding offers; recomputed only after capacities changed.
   */
  long minCapacityCpu() {
    minCapacities();
    return minCapacityCpu;
  }

  /** The smallest ram capacity (MiB) of any known agent. */
  long minCapacityRam() {
    minCapacities();
    return minCapacityRam;
  }

  private void minCapacities() {
    if (!capacitiesChanged) {
      return;
    }
    long cpu = Long.MAX_VALUE;
    long ram = Long.MAX_VALUE;
    for (AgentState a : agents.values()) {
      // an agent known only from storage (capacity 0) holds no offers: it is no candidate, and a zero
      // here would switch the bin-pack bound off
      if (a.capacityCpuMillis > 0) {
        cpu = Math.min(cpu, a.capacityCpuMillis);
      }
      if (a.capacityRamMb > 0) {
        ram = Math.min(ram, a.capacityRamMb);
      }
    }
    minCapacityCpu = cpu;
    minCapacityRam = ram;
    capacitiesChanged = false;
  }

  /** Every known agent by its value of {@code attribute} ({@code host}: the hostname); do not change it. */
  Map<String, List<AgentState>> byValue(String attribute) {
    Map<String, List<AgentState>> m = byAttribute.get(attribute);
    if (m == null) {
      m = new LinkedHashMap<>(); // values and their agents in the agents' order: narrowing follows it
      for (AgentState a : agents.values()) {
        String v = a.attribute(attribute, null);
        if (v != null) {
          m.computeIfAbsent(v, k -> new ArrayList<>()).add(a);
        }
      }
      byAttribute.put(attribute, m);
    }
    return m;
  }

  /** The slot of an attribute name (made on first use): what {@link AgentState#valueId} is asked with. */
  public int attributeSlot(String attribute) {
    Integer slot = attributeSlots.get(attribute);
    if (slot == null) {
      slot = attributeNames.size();
      attributeNames.add(attribute);
      attributeSlots.put(attribute, slot);
      valueIds.add(new HashMap<>());
    }
    return slot;
  }

  /** The attribute name of a slot. */
  String attributeName(int slot) {
    return attributeNames.get(slot);
  }

  /**
   * The id of a value of the attribute at {@code slot}: equal values (of any agents, with the same
   * attribute) have the same id in one {@link #valueIdGeneration}. With {@code make} false, -1 for a
   * value no agent nor earlier call gave an id yet.
   */
  public int valueId(int slot, String value, boolean make) {
    HashMap<String, Integer> ids = valueIds.get(slot);
    Integer id = ids.get(value);
    if (id == null) {
      if (!make) {
        return -1;
      }
      id = ids.size();
      ids.put(value, id);
    }
    return id;
  }

  /**
   * The generation of the value ids: counts kept by id (a job's {@link LimitCounts}) must be rebuilt
   * when it changes.
   */
  public int valueIdGeneration() {
    return valueIdGeneration;
  }

  /**
   * Agents come and go with new names: once some attribute has more value ids than twice the agents
   * known (plus 4,096), the ids of agents gone are dropped with all others (a new generation).
   */
  private void dropValueIdsIfStale() {
    boolean stale = false;
    for (HashMap<String, Integer> ids : valueIds) {
      stale |= ids.size() > 2 * agents.size() + 4_096;
    }
    if (!stale) {
      return;
    }
    for (HashMap<String, Integer> ids : valueIds) {
      ids.clear();
    }
    valueIdGeneration++;
    for (AgentState a : agents.values()) {
      a.valueIds = null;
    }
  }

  /**
   * A placement took from the agent's regular offers: the agent is re-keyed in the index at the next
   * {@link #flushTook} (once, however many tasks it took in between), not at once. Sound for the walk of
   * the group being placed: an agent that took a task was handed out by that walk (or the group does not
   * walk), taking only makes it fuller (its key smaller), so it lies behind the walk's cursor with its old
   * key as with its new one, and the agents the walk hands out next are the same.
   */
  void took(AgentState a) {
    if (!a.tookPending) {
      a.tookPending = true;
      tookAgents.add(a);
    }
  }

  /** Re-keys in the index every agent that took a task since the last call. */
  void flushTook() {
    for (int i = 0, n = tookAgents.size(); i < n; i++) {
      AgentState a = tookAgents.get(i);
      a.tookPending = false;
      index.update(a);
    }
    tookAgents.clear();
  }

  /** Bumped when everything must be looked at again (maintenance changed, the change log overflowed). */
  long epoch() {
    return epoch;
  }

  /** The agents changed in this epoch, in order; live, do not keep. */
  List<AgentState> changed() {
    return changed;
  }

  private void logChange(AgentState a) {
    changed.add(a);
    if (changed.size() > Math.max(4_096, 2 * agents.size())) {
      newEpoch();
    }
  }

  private void newEpoch() {
    epoch++;
    changed.clear();
  }

  private void markOffered(AgentState a) {
    if (a.offeredIndex < 0) {
      a.offeredIndex = offered.size();
      offered.add(a);
    }
  }

  private void unmarkOffered(AgentState a) {
    int i = a.offeredIndex;
    if (i < 0) {
      return;
    }
    AgentState last = offered.remove(offered.size() - 1);
    if (last != a) {
      offered.set(i, last);
      last.offeredIndex = i;
    }
    a.offeredIndex = -1;
  }
}
