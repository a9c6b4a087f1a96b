package dev.aurora.core.internal.preemption;

import dev.aurora.core.AgentView;
import dev.aurora.core.MaintenanceMode;

/**
 * An agent as it would be once some of its tasks ended: its free resources plus theirs. Filters judge
 * it like a real agent, so a preemption satisfies every placement rule of the preemptor, the user's
 * too. Reused across judgements; not thread-safe.
 */
final class HypotheticalAgent implements AgentView {
  private AgentView base;
  private double cpus;
  private long ramMb;
  private long diskMb;
  private int gpus;
  private int ports;
  private int tasksGone;

  /** Shows {@code base} with these resources of {@code tasks} of its tasks freed. */
  HypotheticalAgent set(AgentView base, double cpus, long ramMb, long diskMb, int gpus, int ports, int tasks) {
    this.base = base;
    this.cpus = cpus;
    this.ramMb = ramMb;
    this.diskMb = diskMb;
    this.gpus = gpus;
    this.ports = ports;
    this.tasksGone = tasks;
    return this;
  }

  @Override
  public String id() {
    return base.id();
  }

  @Override
  public String hostname() {
    return base.hostname();
  }

  @Override
  public String attribute(String name, String otherwise) {
    return base.attribute(name, otherwise);
  }

  @Override
  public double freeCpus() {
    return base.freeCpus() + cpus;
  }

  @Override
  public long freeRamMb() {
    return base.freeRamMb() + ramMb;
  }

  @Override
  public long freeDiskMb() {
    return base.freeDiskMb() + diskMb;
  }

  @Override
  public int freeGpus() {
    return base.freeGpus() + gpus;
  }

  @Override
  public int freePorts() {
    return base.freePorts() + ports;
  }

  @Override
  public double capacityCpus() {
    return base.capacityCpus();
  }

  @Override
  public long capacityRamMb() {
    return base.capacityRamMb();
  }

  @Override
  public boolean revocable() {
    return base.revocable();
  }

  @Override
  public MaintenanceMode maintenance() {
    return base.maintenance();
  }

  @Override
  public int taskCount() {
    return Math.max(0, base.taskCount() - tasksGone);
  }

  @Override
  public String toString() {
    return base.hostname() + " (hypothetical)";
  }
}
