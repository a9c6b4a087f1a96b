package dev.aurora.core.internal.placement;

/** A job's count of active tasks on agents per attribute value, kept up to date incrementally. */
public interface LimitCounts {
  /** Active tasks of the job on agents whose {@code attribute} is {@code value}. */
  int countOn(String attribute, String value);

  /**
   * Active tasks of the job on agents whose attribute at {@code slot} of {@code agent}'s pool has the
   * value {@code agent} has, whose id there is {@code valueId} ({@link AgentState#valueId}, not -1): the
   * same as {@link #countOn(String, String)} with the names, which is what this default asks; counts
   * kept by value id answer without looking at a string.
   */
  default int countOn(AgentState agent, int slot, int valueId) {
    String attribute = agent.pool.attributeName(slot);
    return countOn(attribute, agent.attribute(attribute, null));
  }
}
