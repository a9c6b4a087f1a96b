package dev.aurora.api;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * A configuration was rejected; {@link #problems()} lists every problem found, each starting with the
 * path of the field it concerns (for example {@code task.resources.cpus: must be > 0}). Nothing was
 * built or changed.
 */
public class InvalidConfigException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final ImmutableList<String> problems;

  /** Creates the exception from a non-empty list of problems. */
  public InvalidConfigException(List<String> problems) {
    super(format(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an InvalidConfigException needs at least one problem");
    }
    this.problems = ImmutableList.copyOf(problems);
  }

  /** Creates the exception for a single problem. */
  public InvalidConfigException(String problem) {
    this(ImmutableList.of(problem));
  }

  /** Every problem found, in the order the configuration was checked. */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0);
    }
    StringBuilder sb = new StringBuilder("invalid configuration, ").append(problems.size()).append(" problems:");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
