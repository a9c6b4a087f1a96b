package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.core.PlacementTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A task config's value and limit constraints as {@link ConstraintRule}s, value constraints first: what
 * the built-in constraint filters judge an agent with, and what the engine narrows a group's candidate
 * agents with ({@link #narrow}). Built once per group.
 */
final class GroupRules {
  /** Value constraints, then limit constraints, each in the config's order. */
  final ConstraintRule[] rules;
  /** How many of {@link #rules} are value constraints. */
  final int valueRules;
  /** The config's first dedicated constraint, or null: what the dedicated-agents filter asks for. */
  final Constraint dedicated;

  private GroupRules(List<Constraint> constraints) {
    List<ConstraintRule> value = new ArrayList<>();
    List<ConstraintRule> limit = new ArrayList<>();
    for (Constraint c : constraints) {
      if (ConstraintRule.applies(c)) {
        (c.isLimit() ? limit : value).add(new ConstraintRule(c));
      }
    }
    valueRules = value.size();
    Constraint d = null;
    for (Constraint c : constraints) {
      if (c.isDedicated()) {
        d = c;
        break;
      }
    }
    dedicated = d;
    value.addAll(limit);
    rules = value.toArray(new ConstraintRule[0]);
  }

  static GroupRules of(TaskGroup g) {
    if (g.rules == null) {
      g.rules = new GroupRules(g.config.constraints());
    }
    return g.rules;
  }

  /** The rules of any task: a group's own, built once; for another task (a test's), built afresh. */
  static GroupRules of(PlacementTask task) {
    return task instanceof TaskGroup g ? of(g) : new GroupRules(task.config().constraints());
  }

  /** Limit attributes with more values than this (such as {@code host}) are not used to narrow. */
  private static final int MAX_VALUES_TO_NARROW = 1_024;

  /**
   * The agents that one of the group's constraints leaves open, if some constraint leaves at most
   * {@code max}: the agents whose value of its attribute it {@linkplain ConstraintRule#accepts accepts}
   * (among its listed values for a value constraint, among every value for a limit constraint). Every
   * other agent that constraint vetoes, so judging these alone is exact. Fills {@code out} and returns
   * true, or returns false (no constraint narrows enough).
   */
  boolean narrow(TaskGroup g, AgentPool pool, int max, List<AgentState> out) {
    int best = -1;
    long bestSize = Long.MAX_VALUE;
    for (int i = 0; i < rules.length; i++) {
      ConstraintRule r = rules[i];
      if (!r.needsAttribute()) {
        continue; // agents lacking the attribute pass it: the per-value lists do not hold them all
      }
      Map<String, List<AgentState>> byValue = pool.byValue(r.attribute);
      if (r.listedValues() == null && byValue.size() > MAX_VALUES_TO_NARROW) {
        continue;
      }
      long size = open(g, r, byValue, null);
      if (size < bestSize) {
        best = i;
        bestSize = size;
      }
    }
    if (bestSize > max) {
      return false;
    }
    out.clear();
    open(g, rules[best], pool.byValue(rules[best].attribute), out);
    return true;
  }

  /** How many agents {@code r} leaves open to the group; adds them to {@code out} if not null. */
  private static long open(TaskGroup g, ConstraintRule r, Map<String, List<AgentState>> byValue,
      List<AgentState> out) {
    long size = 0;
    Set<String> listed = r.listedValues();
    if (listed != null) {
      for (String v : listed) {
        List<AgentState> agents = byValue.get(v);
        if (agents != null && r.accepts(g, v)) {
          size += agents.size();
          if (out != null) {
            out.addAll(agents);
          }
        }
      }
    } else {
      for (Map.Entry<String, List<AgentState>> e : byValue.entrySet()) {
        if (r.accepts(g, e.getKey())) {
          size += e.getValue().size();
          if (out != null) {
            out.addAll(e.getValue());
          }
        }
      }
    }
    return size;
  }
}
