package dev.aurora.benchmarks;

import java.util.Arrays;

/**
 * Where one engine put the tasks of a {@link Workload}, and how long it took. Tasks are numbered job by
 * job: task {@code j * instances + i} is instance {@code i} of job {@code j}.
 */
public final class Outcome {
  public final String engine;
  public final Workload workload;
  /** The agent index each task was placed on, or -1. */
  public final int[] agentOf;
  /** The port each task was given, or -1. */
  public final int[] portOf;
  /** Whether the engine tried each task (a time-boxed run may stop before trying some). */
  public final boolean[] tried;
  /** Wall time of the timed part, in nanoseconds. */
  public long nanos;

  public Outcome(String engine, Workload workload) {
    this.engine = engine;
    this.workload = workload;
    int n = workload.taskCount();
    this.agentOf = new int[n];
    this.portOf = new int[n];
    this.tried = new boolean[n];
    Arrays.fill(agentOf, -1);
    Arrays.fill(portOf, -1);
  }

  public int instances() {
    return workload.jobs.isEmpty() ? 0 : workload.jobs.get(0).instances();
  }

  public int placed() {
    int n = 0;
    for (int a : agentOf) {
      if (a >= 0) {
        n++;
      }
    }
    return n;
  }

  public int triedCount() {
    int n = 0;
    for (boolean t : tried) {
      if (t) {
        n++;
      }
    }
    return n;
  }

  /** Tried but not placed. */
  public int unplaced() {
    return triedCount() - placed();
  }

  /** Whether every task was tried (placed or found unplaceable). */
  public boolean complete() {
    return triedCount() == agentOf.length;
  }

  public double seconds() {
    return nanos / 1e9;
  }

  public double tasksPerSecond() {
    return placed() / seconds();
  }

  /** How many agents hold at least one placed task (fewer is tighter packing). */
  public int hostsUsed() {
    boolean[] used = new boolean[workload.agents];
    int n = 0;
    for (int a : agentOf) {
      if (a >= 0 && !used[a]) {
        used[a] = true;
        n++;
      }
    }
    return n;
  }

  /** Share of the cluster's cpus the placed tasks hold. */
  public double cpuAllocation() {
    double sum = 0;
    int inst = instances();
    for (int t = 0; t < agentOf.length; t++) {
      if (agentOf[t] >= 0) {
        sum += workload.jobs.get(t / inst).task().resources().cpus();
      }
    }
    return sum / workload.totalCpus();
  }

  /** Share of the cluster's ram the placed tasks hold. */
  public double ramAllocation() {
    double sum = 0;
    int inst = instances();
    for (int t = 0; t < agentOf.length; t++) {
      if (agentOf[t] >= 0) {
        sum += workload.jobs.get(t / inst).task().resources().ramMb();
      }
    }
    return sum / workload.totalRamMb();
  }
}
