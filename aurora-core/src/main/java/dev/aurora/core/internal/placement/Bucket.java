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

  /** Drops one offer (rescinded or declined) and recomputes the sums from the rest. */
  boolean remove(String offerId) {
    boolean removed = offers.removeIf(o -> o.id().equals(offerId));
    if (removed) {
      List<Offer> rest = new ArrayList<>(offers);
      clear();
      rest.forEach(this::add);
    }
    return removed;
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
    return out;
  }

  private static final int[] EMPTY = new int[0];
}
