package dev.aurora.core;

import dev.aurora.api.Resources;
import java.util.BitSet;

/**
 * An amount of one agent's resources: thousandths of cpus, memory and disk in MiB, gpus, and a set of
 * its ports (bit i: the i-th port of the agent's range). Mutable.
 */
final class OfferShare {
  long milliCpus;
  long ramMb;
  long diskMb;
  int gpus;
  final BitSet ports;

  OfferShare() {
    this(0, 0, 0, 0, new BitSet());
  }

  OfferShare(long milliCpus, long ramMb, long diskMb, int gpus, BitSet ports) {
    this.milliCpus = milliCpus;
    this.ramMb = ramMb;
    this.diskMb = diskMb;
    this.gpus = gpus;
    this.ports = ports;
  }

  OfferShare copy() {
    return new OfferShare(milliCpus, ramMb, diskMb, gpus, (BitSet) ports.clone());
  }

  void add(OfferShare other) {
    milliCpus += other.milliCpus;
    ramMb += other.ramMb;
    diskMb += other.diskMb;
    gpus += other.gpus;
    ports.or(other.ports);
  }

  void subtract(OfferShare other) {
    milliCpus -= other.milliCpus;
    ramMb -= other.ramMb;
    diskMb -= other.diskMb;
    gpus -= other.gpus;
    ports.andNot(other.ports);
  }

  boolean isEmpty() {
    return milliCpus <= 0 && ramMb <= 0 && diskMb <= 0 && gpus <= 0 && ports.isEmpty();
  }

  Resources resources() {
    return Resources.builder().cpus(milliCpus / 1000.0).ramMb(ramMb).diskMb(diskMb).gpus(gpus).build();
  }

  void clear() {
    milliCpus = 0;
    ramMb = 0;
    diskMb = 0;
    gpus = 0;
    ports.clear();
  }

  /** Whether every amount is at least zero and at most {@code whole}'s, and every port one of its. */
  boolean within(OfferShare whole) {
    BitSet outside = (BitSet) ports.clone();
    outside.andNot(whole.ports);
    return milliCpus >= 0 && ramMb >= 0 && diskMb >= 0 && gpus >= 0 && milliCpus <= whole.milliCpus
        && ramMb <= whole.ramMb && diskMb <= whole.diskMb && gpus <= whole.gpus && outside.isEmpty();
  }
}
