package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.core.Veto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A group's value and limit constraints in arrays, for a quick check the engine runs before the filter
 * pipeline: an agent that breaks one of them is vetoed with the same reason the built-in {@code
 * ValueConstraintFilter} or {@code LimitConstraintFilter} would give, without calling the other filters.
 * Agents that pass still go through every filter.
 */
final class GroupRules {
  private final String[] valueAttributes;
  private final Set<?>[] values;
  private final boolean[] negated;
  private final Veto[] valueVetoes;
  private final String[] limitAttributes;
  private final int[] limits;
  private final Veto[] limitVetoes;

  private GroupRules(List<Constraint> valueConstraints, List<Constraint> limitConstraints) {
    int n = valueConstraints.size();
    valueAttributes = new String[n];
    values = new Set<?>[n];
    negated = new boolean[n];
    valueVetoes = new Veto[n];
    for (int i = 0; i < n; i++) {
      Constraint c = valueConstraints.get(i);
      valueAttributes[i] = c.attribute();
      values[i] = c.values();
      negated[i] = c.negated();
      valueVetoes[i] = Veto.of("constraint " + c);
    }
    int m = limitConstraints.size();
    limitAttributes = new String[m];
    limits = new int[m];
    limitVetoes = new Veto[m];
    for (int i = 0; i < m; i++) {
      Constraint c = limitConstraints.get(i);
      limitAttributes[i] = c.attribute();
      limits[i] = c.limit().getAsInt();
      limitVetoes[i] = Veto.of("limit " + c);
    }
  }

  static GroupRules of(TaskGroup g) {
    if (g.rules == null) {
      List<Constraint> value = new ArrayList<>();
      List<Constraint> limit = new ArrayList<>();
      for (Constraint c : g.config.constraints()) {
        if (c.isLimit()) {
          limit.add(c);
        } else if (!c.isDedicated()) {
          value.add(c);
        }
      }
      g.rules = new GroupRules(value, limit);
    }
    return g.rules;
  }

  /** Limit attributes with more values than this (such as {@code host}) are not used to narrow. */
  private static final int MAX_VALUES_TO_NARROW = 1_024;

  /**
   * The agents that one of the group's constraints leaves open, if some constraint leaves at most
   * {@code max}: for a value constraint the agents with a listed value, for a limit constraint the
   * agents whose value is below its limit. Every other agent that constraint vetoes, so judging these
   * alone is exact. Fills {@code out} and returns true, or returns false (no constraint narrows enough).
   */
  boolean narrow(TaskGroup g, AgentPool pool, int max, List<AgentState> out) {
    int bestKind = 0;
    int bestIndex = -1;
    long bestSize = Long.MAX_VALUE;
    for (int i = 0; i < valueAttributes.length; i++) {
      if (negated[i]) {
        continue;
      }
      Map<String, List<AgentState>> byValue = pool.byValue(valueAttributes[i]);
      long size = 0;
      for (Object v : values[i]) {
        List<AgentState> agents = byValue.get(v);
        size += agents == null ? 0 : agents.size();
      }
      if (size < bestSize) {
        bestKind = 1;
        bestIndex = i;
        bestSize = size;
      }
    }
    for (int i = 0; i < limitAttributes.length; i++) {
      Map<String, List<AgentState>> byValue = pool.byValue(limitAttributes[i]);
      if (byValue.size() > MAX_VALUES_TO_NARROW) {
        continue;
      }
      long size = 0;
      for (Map.Entry<String, List<AgentState>> e : byValue.entrySet()) {
        if (g.countOn(limitAttributes[i], e.getKey()) < limits[i]) {
          size += e.getValue().size();
        }
      }
      if (size < bestSize) {
        bestKind = 2;
        bestIndex = i;
        bestSize = size;
      }
    }
    if (bestSize > max) {
      return false;
    }
    out.clear();
    if (bestKind == 1) {
      Map<String, List<AgentState>> byValue = pool.byValue(valueAttributes[bestIndex]);
      for (Object v : values[bestIndex]) {
        List<AgentState> agents = byValue.get(v);
        if (agents != null) {
          out.addAll(agents);
        }
      }
    } else if (bestKind == 2) {
      for (Map.Entry<String, List<AgentState>> e : pool.byValue(limitAttributes[bestIndex]).entrySet()) {
        if (g.countOn(limitAttributes[bestIndex], e.getKey()) < limits[bestIndex]) {
          out.addAll(e.getValue());
        }
      }
    }
    return true;
  }

  /** The veto of the first value or limit constraint the agent breaks, or null. */
  Veto check(TaskGroup g, AgentState a) {
    for (int i = 0; i < valueAttributes.length; i++) {
      String v = a.attribute(valueAttributes[i], null);
      boolean listed = v != null && values[i].contains(v);
      if (listed == negated[i]) {
        return valueVetoes[i];
      }
    }
    for (int i = 0; i < limitAttributes.length; i++) {
      String v = a.attribute(limitAttributes[i], null);
      if (v == null || g.countOn(limitAttributes[i], v) >= limits[i]) {
        return limitVetoes[i];
      }
    }
    return null;
  }
}
