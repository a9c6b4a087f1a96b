package dev.aurora.core.internal.placement;

import dev.aurora.core.AgentView;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Offer;
import java.util.HashMap;
import java.util.Map;

/**
 * What the scheduler knows of one agent: identity and attributes, the offers it holds (as a regular
 * and a revocable {@link Bucket}), what this scheduler's tasks hold on it, and its maintenance mode.
 * Two preallocated {@link AgentView}s show it to filters and scorers without allocation.
 */
public final class AgentState {
  final String id;
  String hostname;
  Map<String, String> attributes;
  final Bucket regular = new Bucket();
  final Bucket revocable = new Bucket();
  MaintenanceMode maintenance = MaintenanceMode.NONE;
  int taskCount;
  long usedCpuMillis;
  long usedRamMb;
  long capacityCpuMillis;
  long capacityRamMb;
  /** Position in the pool's list of agents holding offers, or -1. */
  int offeredIndex = -1;
  final View regularView = new View(false);
  final View revocableView = new View(true);
  // --- this agent as a node of the pool's AgentIndex (a treap kept in the agents themselves) ---
  boolean indexed;
  int indexSeq;
  int indexPriority;
  double indexKey;
  long indexCpu;
  long indexRam;
  long maxCpu;
  long maxRam;
  AgentState indexLeft;
  AgentState indexRight;
  /** The pool that knows it (null for an agent made outside one): what its value ids come from. */
  AgentPool pool;
  /**
   * Per attribute slot of the pool: 0 not looked up yet, -1 the agent lacks the attribute, else the
   * value's id + 1. Dropped when the agent's identity changes or the pool drops its ids.
   */
  int[] valueIds;
  /** Whether a placement took from it and the index has not re-keyed it yet (see {@link AgentPool#took}). */
  boolean tookPending;
  /** Whether its pool removed it (an agent known again later is a new object). */
  boolean removed;

  AgentState(String id) {
    this.id = id;
    this.attributes = new HashMap<>();
  }

  public String id() {
    return id;
  }

  /** Whether the pool that knew it removed it (lost, or gone): a new object stands for it if it comes back. */
  public boolean removed() {
    return removed;
  }

  public String hostname() {
    return hostname;
  }

  public Map<String, String> attributes() {
    return attributes;
  }

  /** The cpus (in thousandths) this scheduler's tasks hold on the agent. */
  public long usedCpuMillis() {
    return usedCpuMillis;
  }

  /** The memory in MiB this scheduler's tasks hold on the agent. */
  public long usedRamMb() {
    return usedRamMb;
  }

  private Map<String, String> dedicatedOf;
  private String dedicatedTo;

  /** The agent's {@code dedicated} attribute, or null; looked up once per attribute map. */
  String dedicatedTo() {
    Map<String, String> attrs = attributes;
    if (attrs != dedicatedOf) {
      dedicatedTo = attrs.get(dev.aurora.api.Constraint.DEDICATED);
      dedicatedOf = attrs;
    }
    return dedicatedTo;
  }

  /** The attribute's value; {@code host} is the hostname. */
  public String attribute(String name, String otherwise) {
    if ("host".equals(name)) {
      return hostname;
    }
    String v = attributes.get(name);
    return v == null ? otherwise : v;
  }

  /**
   * The id of this agent's value of the attribute at {@code slot} of its pool ({@link
   * AgentPool#attributeSlot}), or -1 if it lacks the attribute: equal values have equal ids. The agent
   * must be known to a pool.
   */
  public int valueId(int slot) {
    int[] ids = valueIds;
    if (ids == null || slot >= ids.length) {
      ids = valueIds = ids == null ? new int[Math.max(4, slot + 1)] : java.util.Arrays.copyOf(ids, Math.max(slot + 1, ids.length * 2));
    }
    int v = ids[slot];
    if (v == 0) {
      String value = attribute(pool.attributeName(slot), null);
      v = ids[slot] = value == null ? -1 : pool.valueId(slot, value, true) + 1;
    }
    return v < 0 ? -1 : v - 1;
  }

  void addOffer(Offer o) {
    hostname = o.hostname();
    Map<String, String> offered = o.attributes();
    if (offered != attributes && !offered.equals(attributes)) {
      // an offer's map is immutable: kept as it is, so a backend that hands every offer of an agent the
      // same map (the OfferBook does) makes this check, and the pool's, a comparison of references
      attributes = offered instanceof com.google.common.collect.ImmutableMap ? offered : Map.copyOf(offered);
    }
    (o.revocable() ? revocable : regular).add(o);
    updateCapacity();
  }

  void updateCapacity() {
    capacityCpuMillis = Math.max(capacityCpuMillis, regular.cpuMillis + usedCpuMillis);
    capacityRamMb = Math.max(capacityRamMb, regular.ramMb + usedRamMb);
  }

  boolean hasOffers() {
    return !regular.isEmpty() || !revocable.isEmpty();
  }

  View view(boolean revocableTier) {
    return revocableTier ? revocableView : regularView;
  }

  /** What filters see of this agent for a task of the revocable tier, or of another tier. */
  public AgentView viewFor(boolean revocableTier) {
    return view(revocableTier);
  }

  /** The {@link AgentView} of one bucket. */
  final class View implements AgentView {
    private final boolean revocableBucket;

    View(boolean revocableBucket) {
      this.revocableBucket = revocableBucket;
    }

    AgentState agent() {
      return AgentState.this;
    }

    Bucket bucket() {
      return revocableBucket ? revocable : regular;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String hostname() {
      return hostname;
    }

    @Override
    public String attribute(String name, String otherwise) {
      return AgentState.this.attribute(name, otherwise);
    }

    @Override
    public double freeCpus() {
      return bucket().cpuMillis / 1000.0;
    }

    @Override
    public long freeRamMb() {
      return bucket().ramMb;
    }

    @Override
    public long freeDiskMb() {
      return bucket().diskMb;
    }

    @Override
    public int freeGpus() {
      return bucket().gpus;
    }

    @Override
    public int freePorts() {
      return bucket().freePorts;
    }

    @Override
    public double capacityCpus() {
      return capacityCpuMillis / 1000.0;
    }

    @Override
    public long capacityRamMb() {
      return capacityRamMb;
    }

    @Override
    public boolean revocable() {
      return revocableBucket;
    }

    @Override
    public MaintenanceMode maintenance() {
      return maintenance;
    }

    @Override
    public int taskCount() {
      return taskCount;
    }

    @Override
    public String toString() {
      return hostname;
    }
  }
}
