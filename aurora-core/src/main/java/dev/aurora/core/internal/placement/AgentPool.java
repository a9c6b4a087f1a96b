package dev.aurora.core.internal.placement;

import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Offer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every agent the scheduler knows, the offers they hold, and the list of agents holding offers (what
 * a placement pass scans). Owned by the state loop; not thread-safe.
 */
public final class AgentPool {
  private final Map<String, AgentState> agents = new HashMap<>();
  private final Map<String, AgentState> byOffer = new HashMap<>();
  private final ArrayList<AgentState> offered = new ArrayList<>();
  private final Map<String, MaintenanceMode> maintenance = new HashMap<>();

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
    a.addOffer(o);
    a.maintenance = maintenance.getOrDefault(a.hostname, MaintenanceMode.NONE);
    byOffer.put(o.id(), a);
    markOffered(a);
    return changed;
  }

  /** Records an agent known from storage (no offers). */
  public AgentState restoreAgent(String id, String hostname, Map<String, String> attributes) {
    AgentState a = agents.computeIfAbsent(id, AgentState::new);
    a.hostname = hostname;
    a.attributes = Map.copyOf(attributes);
    a.maintenance = maintenance.getOrDefault(hostname, MaintenanceMode.NONE);
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
    return removed;
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
    return ids;
  }

  /** Removes an agent and its offers; returns the ids of the offers it held. */
  public List<String> removeAgent(String agentId) {
    AgentState a = agents.remove(agentId);
    if (a == null) {
      return List.of();
    }
    List<String> ids = new ArrayList<>(a.regular.offerIds());
    ids.addAll(a.revocable.offerIds());
    ids.forEach(byOffer::remove);
    unmarkOffered(a);
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
  }

  public MaintenanceMode maintenance(String host) {
    return maintenance.getOrDefault(host, MaintenanceMode.NONE);
  }

  public Map<String, MaintenanceMode> maintenance() {
    return Map.copyOf(maintenance);
  }

  /** A task of {@code cpuMillis}/{@code ramMb} now holds resources on the agent. */
  public void hold(AgentState a, long cpuMillis, long ramMb) {
    a.taskCount++;
    a.usedCpuMillis += cpuMillis;
    a.usedRamMb += ramMb;
    a.updateCapacity();
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
