package dev.aurora.core;

import dev.aurora.api.Constraint;
import dev.aurora.api.JobKey;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * A plain placement checker, written from the documented rules and nothing of the engine: slow,
 * short and obviously right. Given the agents (their whole resources and attributes), the hosts in
 * maintenance, a user's static rule and the tasks the scheduler placed, it says which placements
 * break a rule and which pending tasks would fit somewhere as the cluster stands.
 *
 * <p>The rules, from docs/concepts.md: an agent in maintenance takes no task; the task's cpus, ram,
 * disk and port count must be free; an agent with {@code dedicated=X} takes only tasks whose dedicated
 * constraint lists X, and such a task goes only there; a value constraint wants the agent's attribute
 * (never missing) among the values, a negated one not among them; a limit {@code attr:N} allows at
 * most N active tasks of the job per value of {@code attr} (an agent without the attribute takes
 * none); {@code host} is the hostname; every port is given once per agent.
 */
final class ReferencePlacement {
  /** An agent as the reference sees it: its whole resources, not what the scheduler thinks is free. */
  record Agent(String id, String hostname, Map<String, String> attributes, double cpus, long ramMb, long diskMb,
      int ports) {
    String attribute(String name) {
      return "host".equals(name) ? hostname : attributes.get(name);
    }
  }

  private final List<Agent> agents;
  private final Set<String> maintenance;
  private final BiPredicate<TaskConfig, Agent> userRule;
  private final Map<String, Agent> byId = new HashMap<>();
  // The cluster as the placed tasks make it.
  private final Map<String, double[]> used = new HashMap<>(); // agent id -> cpus, ram, disk, ports
  private final Map<String, Set<Integer>> portsUsed = new HashMap<>();
  private final Map<JobKey, Map<String, Integer>> countByJobAttrValue = new HashMap<>();
  private final List<String> violations = new ArrayList<>();

  ReferencePlacement(List<Agent> agents, Set<String> maintenance, BiPredicate<TaskConfig, Agent> userRule) {
    this.agents = agents;
    this.maintenance = maintenance;
    this.userRule = userRule;
    for (Agent a : agents) {
      byId.put(a.id(), a);
      used.put(a.id(), new double[4]);
      portsUsed.put(a.id(), new HashSet<>());
    }
  }

  /**
   * Takes in the active tasks the scheduler placed, checking each against the rules that hold for it
   * alone (the limits are checked once all are in). Maintenance is not checked here: a host may be
   * put in maintenance after its tasks were placed.
   */
  void place(List<ScheduledTask> active) {
    for (ScheduledTask t : active) {
      if (t.agent().isEmpty()) {
        continue;
      }
      Agent a = byId.get(t.agent().get());
      if (a == null) {
        violations.add(t.id() + " is on unknown agent " + t.agent().get());
        continue;
      }
      if (!t.host().orElse("").equals(a.hostname())) {
        violations.add(t.id() + " says host " + t.host() + " but agent " + a.id() + " is " + a.hostname());
      }
      TaskConfig c = t.config();
      String why = staticVeto(c, a);
      if (why != null) {
        violations.add(t.id() + " of " + t.job() + " on " + a.hostname() + ": " + why);
      }
      Resources r = c.resources();
      double[] u = used.get(a.id());
      u[0] += r.cpus();
      u[1] += r.ramMb();
      u[2] += r.diskMb();
      u[3] += r.ports().size();
      if (t.ports().size() != r.ports().size()) {
        violations.add(t.id() + " asked for ports " + r.ports() + " and got " + t.ports());
      }
      for (int port : t.ports().values()) {
        if (!portsUsed.get(a.id()).add(port)) {
          violations.add("port " + port + " given twice on " + a.hostname());
        }
      }
      for (Constraint k : c.constraints()) {
        if (k.isLimit()) {
          String v = a.attribute(k.attribute());
          countByJobAttrValue.computeIfAbsent(t.job(), j -> new HashMap<>())
              .merge(k.attribute() + "=" + v, 1, Integer::sum);
          if (v == null) {
            violations.add(t.id() + " is on " + a.hostname() + ", which lacks " + k.attribute() + " for " + k);
          }
        }
      }
    }
    for (Agent a : agents) {
      double[] u = used.get(a.id());
      if (u[0] > a.cpus() + 1e-9 || u[1] > a.ramMb() || u[2] > a.diskMb() || u[3] > a.ports()) {
        violations.add(a.hostname() + " over-committed: " + u[0] + " cpus, " + (long) u[1] + " MiB ram, "
            + (long) u[2] + " MiB disk, " + (int) u[3] + " ports");
      }
    }
    for (ScheduledTask t : active) {
      for (Constraint k : t.config().constraints()) {
        if (k.isLimit() && t.agent().isPresent() && byId.containsKey(t.agent().get())) {
          String v = byId.get(t.agent().get()).attribute(k.attribute());
          int n = countByJobAttrValue.get(t.job()).getOrDefault(k.attribute() + "=" + v, 0);
          if (n > k.limit().getAsInt()) {
            violations.add(t.job() + " breaks " + k + ": " + n + " tasks where " + k.attribute() + "=" + v);
          }
        }
      }
    }
  }

  /** What is wrong with the placements taken in, one line each; empty when every rule holds. */
  List<String> violations() {
    return List.copyOf(new java.util.LinkedHashSet<>(violations));
  }

  /** The agent a task of {@code config} of {@code job} could go on now, or null: the first that fits. */
  Agent fitFor(JobKey job, TaskConfig config) {
    Resources r = config.resources();
    for (Agent a : agents) {
      if (maintenance.contains(a.hostname()) || staticVeto(config, a) != null) {
        continue;
      }
      double[] u = used.get(a.id());
      if (u[0] + r.cpus() > a.cpus() + 1e-9 || u[1] + r.ramMb() > a.ramMb() || u[2] + r.diskMb() > a.diskMb()
          || u[3] + r.ports().size() > a.ports()) {
        continue;
      }
      boolean limitsHold = true;
      for (Constraint k : config.constraints()) {
        if (k.isLimit()) {
          String v = a.attribute(k.attribute());
          int n = countByJobAttrValue.getOrDefault(job, Map.of()).getOrDefault(k.attribute() + "=" + v, 0);
          limitsHold &= v != null && n < k.limit().getAsInt();
        }
      }
      if (limitsHold) {
        return a;
      }
    }
    return null;
  }

  /** Why {@code a} can never take a task of {@code c}, whatever else runs there; null if it may. */
  private String staticVeto(TaskConfig c, Agent a) {
    String dedicatedTo = a.attributes().get(Constraint.DEDICATED);
    Constraint wanted = null;
    for (Constraint k : c.constraints()) {
      if (k.isDedicated()) {
        wanted = k;
      }
    }
    if (wanted == null && dedicatedTo != null) {
      return "agent dedicated to " + dedicatedTo;
    }
    if (wanted != null && (dedicatedTo == null || !wanted.values().contains(dedicatedTo))) {
      return "not dedicated to " + wanted.values();
    }
    for (Constraint k : c.constraints()) {
      if (!k.isLimit() && !k.isDedicated()) {
        String v = a.attribute(k.attribute());
        boolean listed = v != null && k.values().contains(v);
        if (listed == k.negated()) {
          return "breaks " + k;
        }
      }
    }
    if (!userRule.test(c, a)) {
      return "refused by the user's rule";
    }
    return null;
  }
}
