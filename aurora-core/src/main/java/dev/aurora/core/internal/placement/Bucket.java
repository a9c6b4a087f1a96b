package dev.aurora.core.internal.placement;

import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The free resources of one kind (regular or revocable) on one agent: the sum of the offers held
 * from it, less what this pass has placed. Port ranges are kept as parallel int arrays.
 */
final class Bucket {
  final List<Offer> offers = new ArrayList<>(2);
  long cpuMillis;
  long ramMb;
  long diskMb;
  int gpus;
  int[] portBegin = new int[0];
  int[] portEnd = new int[0];
  int freePorts;
  /** Whether this pass took anything from it (so its offers must be used in a launch). */
  boolean touched;
  /** What was taken since the bucket was last cleared: kept when an offer leaves a touched bucket. */
  private long takenCpu;
  private long takenRam;
  private long takenDisk;
  private int takenGpus;
  private int[] takenPorts = EMPTY;
  private int takenPortCount;

  void add(Offer o) {
    offers.add(o);
    cpuMillis += Math.round(o.cpus() * 1000);
    ramMb += o.ramMb();
    diskMb += o.diskMb();
    gpus += o.gpus();
    int n = portBegin.length;
    int[] b = java.util.Arrays.copyOf(portBegin, n + o.ports().size());
    int[] e = java.util.Arrays.copyOf(portEnd, n + o.ports().size());
    for (PortRange r : o.ports()) {
      b[n] = r.begin();
      e[n] = r.end();
      freePorts += r.size();
      n++;
    }
    portBegin = b;
    portEnd = e;
  }

  /**
   * Drops one offer (rescinded or declined) and recomputes the sums from the rest. If this pass
   * already took from the bucket, it stays touched and what was taken stays taken: the launch that
   * took it uses the offers left (the sums go below zero if they fall short, so nothing more fits).
   */
  boolean remove(String offerId) {
    boolean removed = offers.removeIf(o -> o.id().equals(offerId));
    if (removed) {
      List<Offer> rest = new ArrayList<>(offers);
      boolean wasTouched = touched;
      long cpu = takenCpu;
      long ram = takenRam;
      long disk = takenDisk;
      int g = takenGpus;
      int[] ports = java.util.Arrays.copyOf(takenPorts, takenPortCount);
      clear();
      rest.forEach(this::add);
      if (wasTouched) {
        takeAgain(cpu, ram, disk, g, ports);
      }
    }
    return removed;
  }

  /** Takes again what was taken before the sums were recomputed: amounts, and the port numbers. */
  private void takeAgain(long cpu, long ram, long disk, int g, int[] ports) {
    take(cpu, ram, disk, g, 0);
    for (int p : ports) {
      for (int i = 0; i < portBegin.length; i++) {
        if (p < portBegin[i] || p > portEnd[i]) {
          continue;
        }
        if (p == portBegin[i]) {
          portBegin[i]++;
        } else if (p == portEnd[i]) {
          portEnd[i]--;
        } else { // split [b, e] into [b, p - 1] and [p + 1, e]
          int n = portBegin.length;
          portBegin = java.util.Arrays.copyOf(portBegin, n + 1);
          portEnd = java.util.Arrays.copyOf(portEnd, n + 1);
          portBegin[n] = p + 1;
          portEnd[n] = portEnd[i];
          portEnd[i] = p - 1;
        }
        freePorts--;
        break;
      }
      recordPort(p);
    }
  }

  private void recordPort(int p) {
    if (takenPortCount == takenPorts.length) {
      takenPorts = java.util.Arrays.copyOf(takenPorts, Math.max(4, 2 * takenPortCount));
    }
    takenPorts[takenPortCount++] = p;
  }

  List<String> offerIds() {
    List<String> ids = new ArrayList<>(offers.size());
    for (Offer o : offers) {
      ids.add(o.id());
    }
    return ids;
  }

  void clear() {
    offers.clear();
    cpuMillis = 0;
    ramMb = 0;
    diskMb = 0;
    gpus = 0;
    portBegin = new int[0];
    portEnd = new int[0];
    freePorts = 0;
    touched = false;
    takenCpu = 0;
    takenRam = 0;
    takenDisk = 0;
    takenGpus = 0;
    takenPortCount = 0;
  }

  boolean isEmpty() {
    return offers.isEmpty();
  }

  /** Takes resources for one task and returns its port numbers (lowest free first). */
  int[] take(long cpu, long ram, long disk, int g, int ports) {
    cpuMillis -= cpu;
    ramMb -= ram;
    diskMb -= disk;
    gpus -= g;
    takenCpu += cpu;
    takenRam += ram;
    takenDisk += disk;
    takenGpus += g;
    touched = true;
    if (ports == 0) {
      return EMPTY;
    }
    int[] out = new int[ports];
    int k = 0;
    for (int i = 0; i < portBegin.length && k < ports; i++) {
      while (portBegin[i] <= portEnd[i] && k < ports) {
        out[k++] = portBegin[i]++;
      }
    }
    freePorts -= ports;
    for (int p : out) {
      recordPort(p);
    }
    return out;
  }

  private static final int[] EMPTY = new int[0];
}
