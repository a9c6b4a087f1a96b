package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;
import java.util.Set;

/**
 * The one definition of a value or limit constraint: whether an agent whose attribute has a given value
 * is open to a task ({@link #accepts}). The built-in constraint filters judge an agent with it, and the
 * engine narrows a group's candidates with it ({@link GroupRules#narrow}): both ask the same question,
 * once per agent or once per attribute value.
 */
final class ConstraintRule {
  final String attribute;
  private final Set<String> values;
  private final boolean negated;
  /** The limit of a limit constraint, or -1 for a value constraint. */
  private final int limit;
  private final Constraint constraint;
  private Veto veto;

  ConstraintRule(Constraint c) {
    this.attribute = c.attribute();
    this.values = c.values();
    this.negated = c.negated();
    this.limit = c.isLimit() ? c.limit().getAsInt() : -1;
    this.constraint = c;
  }

  /** The veto of an agent the constraint refuses ({@code constraint zone=z1}, {@code limit host:1}). */
  Veto veto() {
    if (veto == null) {
      veto = Veto.of((limit >= 0 ? "limit " : "constraint ") + constraint);
    }
    return veto;
  }

  /** Whether the constraint is a value or limit constraint (dedicated ones have their own filter). */
  static boolean applies(Constraint c) {
    return c.isLimit() || !c.isDedicated();
  }

  boolean isLimit() {
    return limit >= 0;
  }

  /**
   * Whether an agent whose {@link #attribute} is {@code value} (null: the agent lacks it) is open to
   * {@code task}: a listed value (an unlisted one when negated); below the limit of the task's job.
   */
  boolean accepts(PlacementTask task, String value) {
    if (limit >= 0) {
      return value != null && task.countOn(attribute, value) < limit;
    }
    boolean listed = value != null && values.contains(value);
    return listed != negated;
  }

  /** The pool {@link #slot} is of, and the attribute's slot there. */
  private AgentPool slotPool;
  private int slot;

  /**
   * Whether {@code agent}, known to a pool, is open to {@code task}: the same as {@link
   * #accepts(PlacementTask, String)} with the agent's value, asked by the value's id (for a limit, the
   * group's counts by id: no string is hashed nor compared).
   */
  boolean acceptsAgent(PlacementTask task, AgentState agent) {
    AgentPool pool = agent.pool;
    if (pool != slotPool) {
      slot = pool.attributeSlot(attribute);
      slotPool = pool;
      verdicts = null;
    }
    if (limit < 0) {
      return acceptsValueOf(agent, pool);
    }
    if (!(task instanceof TaskGroup g)) {
      return accepts(task, agent.attribute(attribute, null));
    }
    int id = agent.valueId(slot);
    return id >= 0 && g.counts.countOn(agent, slot, id) < limit;
  }

  /** A value constraint's verdict by value id: 0 not asked yet, 1 accepted, 2 refused; of {@link #verdictsGeneration}. */
  private byte[] verdicts;
  private int verdictsGeneration;

  /** {@link #accepts} of a value constraint for the agent's value, asked once per value id. */
  private boolean acceptsValueOf(AgentState agent, AgentPool pool) {
    int id = agent.valueId(slot);
    if (id < 0) {
      return negated; // the agent lacks the attribute: listed nowhere
    }
    byte[] v = verdicts;
    if (v == null || verdictsGeneration != pool.valueIdGeneration() || id >= v.length) {
      v = verdicts = v == null || verdictsGeneration != pool.valueIdGeneration()
          ? new byte[Math.max(16, id + 1)] : java.util.Arrays.copyOf(v, Math.max(id + 1, 2 * v.length));
      verdictsGeneration = pool.valueIdGeneration();
    }
    byte b = v[id];
    if (b == 0) {
      b = v[id] = values.contains(agent.attribute(attribute, null)) != negated ? (byte) 1 : (byte) 2;
    }
    return b == 1;
  }

  /**
   * The values among which every agent it accepts lies, when that can be listed without looking at the
   * cluster: the listed values of a value constraint; null otherwise (a limit constraint: any value of
   * the attribute; a negated one: not listable, since agents lacking the attribute pass too).
   */
  Set<String> listedValues() {
    return limit < 0 && !negated ? values : null;
  }

  /** Whether every agent it accepts has the attribute (so the pool's per-value lists hold them all). */
  boolean needsAttribute() {
    return limit >= 0 || !negated;
  }
}
