package dev.aurora.testkit.internal.sim;

/**
 * One entry of a run's plan, drawn from the seed before the run: a workload action, a step-level fault
 * or an advance of the clock. {@code slot}, {@code n} and {@code arg} are the action's random
 * parameters; the run resolves them against what exists when the step runs.
 */
public record Step(String kind, int slot, int n, int arg) {
  @Override
  public String toString() {
    return kind + "(" + slot + "," + n + "," + arg + ")";
  }
}
