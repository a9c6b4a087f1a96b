package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.Tier;
import dev.aurora.core.AgentView;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in placement rules, each a plain {@link PlacementFilter} registered like a user's (a
 * {@link dev.aurora.core.Placement} starts with them) and declaring its {@link PlacementFilter.Kind}:
 * value constraints, limit constraints, tier, maintenance, resources and dedicated agents, in that order
 * (the constraints first: they are the most decisive, and cheap, as each is one attribute lookup).
 */
public final class BuiltInFilters {
  private BuiltInFilters() {}

  /** The built-in filters in the order they run. */
  public static List<PlacementFilter> all() {
    return List.of(new ValueConstraintFilter(), new LimitConstraintFilter(), new TierFilter(),
        new MaintenanceFilter(), new ResourceFilter(), new DedicatedFilter());
  }

  /** Revocable-tier tasks go only where revocable resources are offered. */
  static final class TierFilter implements PlacementFilter {
    private static final Veto NO_REVOCABLE = Veto.of("tier revocable: no revocable resources");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      if (task.config().tier() == Tier.REVOCABLE && agent.freeCpus() == 0 && agent.freeRamMb() == 0) {
        return NO_REVOCABLE;
      }
      return Veto.none();
    }

    @Override
    public Kind kind() {
      return Kind.DYNAMIC;
    }

    @Override
    public String toString() {
      return "tier";
    }
  }

  /** Hosts in maintenance (scheduled, draining, drained) take no new tasks. */
  static final class MaintenanceFilter implements PlacementFilter {
    private static final Veto MAINTENANCE = Veto.of("host in maintenance");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      return agent.maintenance() == MaintenanceMode.NONE ? Veto.none() : MAINTENANCE;
    }

    @Override
    public Kind kind() {
      return Kind.DYNAMIC;
    }

    @Override
    public String toString() {
      return "maintenance";
    }
  }

  /** The task's cpus, ram, disk, gpus and number of ports must be free. */
  static final class ResourceFilter implements PlacementFilter {
    private static final Veto CPUS = Veto.of("insufficient cpus", 50);
    private static final Veto RAM = Veto.of("insufficient ram", 50);
    private static final Veto DISK = Veto.of("insufficient disk", 50);
    private static final Veto GPUS = Veto.of("insufficient gpus", 50);
    private static final Veto PORTS = Veto.of("insufficient ports", 50);

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      Resources r = task.config().resources();
      if (r.cpus() > agent.freeCpus() + 1e-9) {
        return CPUS;
      }
      if (r.ramMb() > agent.freeRamMb()) {
        return RAM;
      }
      if (r.diskMb() > agent.freeDiskMb()) {
        return DISK;
      }
      if (r.gpus() > agent.freeGpus()) {
        return GPUS;
      }
      if (r.ports().size() > agent.freePorts()) {
        return PORTS;
      }
      return Veto.none();
    }

    @Override
    public Kind kind() {
      return Kind.DYNAMIC;
    }

    @Override
    public String toString() {
      return "resources";
    }
  }

  /**
   * Aurora's dedicated agents: an agent with attribute {@code dedicated=X} takes only tasks whose
   * dedicated constraint accepts X, and a task with a dedicated constraint goes only to such agents.
   */
  static final class DedicatedFilter implements PlacementFilter {
    private static final Veto DEDICATED_AGENT = Veto.of("dedicated agent");
    private final Map<Constraint, Veto> notDedicated = new IdentityHashMap<>();

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      String dedicatedTo = agent instanceof AgentState.View v ? v.agent().dedicatedTo()
          : agent.attribute(Constraint.DEDICATED, null);
      Constraint wanted = task instanceof TaskGroup g ? GroupRules.of(g).dedicated : dedicatedConstraint(task.config());
      if (wanted == null) {
        return dedicatedTo == null ? Veto.none() : DEDICATED_AGENT;
      }
      if (dedicatedTo != null && wanted.values().contains(dedicatedTo)) {
        return Veto.none();
      }
      return notDedicated.computeIfAbsent(wanted, c -> Veto.of("not dedicated to " + String.join("|", c.values())));
    }

    static Constraint dedicatedConstraint(TaskConfig config) {
      List<Constraint> cs = config.constraints();
      for (int i = 0; i < cs.size(); i++) {
        if (cs.get(i).isDedicated()) {
          return cs.get(i);
        }
      }
      return null;
    }

    @Override
    public Kind kind() {
      return Kind.STATIC;
    }

    @Override
    public String toString() {
      return "dedicated agents";
    }
  }

  /**
   * Value constraints: the attribute's value must be (or, negated, must not be) one of the values. Static:
   * it reads the task's config and the agent's attributes only.
   */
  static final class ValueConstraintFilter implements PlacementFilter {
    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      GroupRules g = GroupRules.of(task);
      if (g.valueRules == 0) {
        return Veto.none();
      }
      AgentState known = agent instanceof AgentState.View v && v.agent().pool != null ? v.agent() : null;
      for (int i = 0; i < g.valueRules; i++) {
        ConstraintRule r = g.rules[i];
        if (known != null ? !r.acceptsAgent(task, known) : !r.accepts(task, agent.attribute(r.attribute, null))) {
          return r.veto();
        }
      }
      return Veto.none();
    }

    @Override
    public Kind kind() {
      return Kind.STATIC;
    }

    @Override
    public String toString() {
      return "value constraints";
    }
  }

  /**
   * Limit constraints: at most N active tasks of the job per attribute value. Dynamic: the counts grow
   * as tasks are placed, and a veto lifts when a task of the job ends.
   */
  static final class LimitConstraintFilter implements PlacementFilter {
    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      GroupRules g = GroupRules.of(task);
      if (g.valueRules == g.rules.length) {
        return Veto.none();
      }
      AgentState known = agent instanceof AgentState.View v && v.agent().pool != null ? v.agent() : null;
      for (int i = g.valueRules; i < g.rules.length; i++) {
        ConstraintRule r = g.rules[i];
        if (known != null ? !r.acceptsAgent(task, known) : !r.accepts(task, agent.attribute(r.attribute, null))) {
          return r.veto();
        }
      }
      return Veto.none();
    }

    @Override
    public Kind kind() {
      return Kind.DYNAMIC;
    }

    @Override
    public String toString() {
      return "limit constraints";
    }
  }
}
