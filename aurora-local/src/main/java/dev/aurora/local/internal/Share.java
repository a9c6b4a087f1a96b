package dev.aurora.local.internal;

import java.util.BitSet;

/**
 * An amount of one agent's resources: thousandths of cpus, memory and disk in MiB, and a set of its
 * ports (bit i: the i-th port of the agent's range). What tasks hold, what an offer reserves, what a
 * launch may use. Mutable; guarded by the lock of the {@link AgentPool} that owns the agent.
 */
final class Share {
  long milliCpus;
  long ramMb;
  long diskMb;
  final BitSet ports;

  Share() {
    this(0, 0, 0, new BitSet());
  }

  Share(long milliCpus, long ramMb, long diskMb, BitSet ports) {
    this.milliCpus = milliCpus;
    this.ramMb = ramMb;
    this.diskMb = diskMb;
    this.ports = ports;
  }

  Share copy() {
    return new Share(milliCpus, ramMb, diskMb, (BitSet) ports.clone());
  }

  void add(Share other) {
    milliCpus += other.milliCpus;
    ramMb += other.ramMb;
    diskMb += other.diskMb;
    ports.or(other.ports);
  }

  /** Takes {@code other} away; it must be part of this share. */
  void subtract(Share other) {
    milliCpus -= other.milliCpus;
    ramMb -= other.ramMb;
    diskMb -= other.diskMb;
    ports.andNot(other.ports);
  }

  /** Makes it hold nothing. */
  void clear() {
    milliCpus = 0;
    ramMb = 0;
    diskMb = 0;
    ports.clear();
  }

  /** Whether it holds nothing at all. */
  boolean isEmpty() {
    return milliCpus <= 0 && ramMb <= 0 && diskMb <= 0 && ports.isEmpty();
  }

  /** Whether every amount is at least zero and at most {@code whole}'s, and every port one of {@code whole}'s. */
  boolean within(Share whole) {
    BitSet outside = (BitSet) ports.clone();
    outside.andNot(whole.ports);
    return milliCpus >= 0 && ramMb >= 0 && diskMb >= 0 && milliCpus <= whole.milliCpus
        && ramMb <= whole.ramMb && diskMb <= whole.diskMb && outside.isEmpty();
  }

  @Override
  public String toString() {
    return "cpus " + milliCpus / 1000.0 + ", ramMb " + ramMb + ", diskMb " + diskMb + ", ports " + ports;
  }
}
