package dev.aurora.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Why tasks are pending: for each veto reason, how many agents gave it, most common first; or a
 * message when the answer is not about agents ("no pending tasks", "no agents have offered
 * resources"). Its {@code toString()} reads like {@code insufficient ram: 812 agents; limit host:1: 40
 * agents}.
 */
public record PendingReason(int pendingTasks, Map<String, Integer> vetoes, String message) {

  /** Creates the value, keeping the order of {@code vetoes}. */
  public PendingReason {
    vetoes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vetoes));
  }

  /** Whether nothing is pending. */
  public boolean nothingPending() {
    return pendingTasks == 0;
  }

  @Override
  public String toString() {
    if (vetoes.isEmpty()) {
      return message;
    }
    return vetoes.entrySet().stream()
        .map(e -> e.getKey() + ": " + e.getValue() + (e.getValue() == 1 ? " agent" : " agents"))
        .collect(Collectors.joining("; "));
  }
}
