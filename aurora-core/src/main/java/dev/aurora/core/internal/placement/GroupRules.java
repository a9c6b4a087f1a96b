package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.core.Veto;
import java.util.ArrayList;
import java.util.List;
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
