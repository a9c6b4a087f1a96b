package dev.aurora.core.internal.placement;

/**
 * The agents holding regular offers, ordered by how full they would stay, with a fit query: {@link
 * #next} walks them from the fullest to the emptiest, skipping every agent whose free cpu or
 * ram is below a task's need.
 *
 * <p>An agent's key is {@code free cpu / capacity cpu + free ram / capacity ram} (0 = full, 2 = empty);
 * the bin-pack score falls as the key grows, so the first agent of the walk that passes the filters is
 * the bin-pack choice when agents have equal capacity. The structure is a treap stored in the agents'
 * own fields (no node objects), each node keeping the largest free cpu and ram of its subtree, so a walk
 * skips whole subtrees that cannot fit the task: a step costs O(log n) plus the agents it hands out.
 *
 * <p>Owned by the state loop; not thread-safe. Call {@link #update} whenever an agent's regular offers or
 * capacity change; the one exception is a placement's take, re-keyed once per agent when its group's
 * placement ends ({@link AgentPool#took}).
 */
final class AgentIndex {
  private AgentState root;
  private int size;
  private int seq;
  private int rng = 0x2545F491;
  /** Bumped by every change, so that a walk's cursor knows when it must find its place again. */
  private int modCount;
  // The cursor of the last walk: the path (ancestors still to hand out) below the last agent handed out.
  private AgentState[] stack = new AgentState[64];
  private int depth;
  private AgentState cursorLast;
  private int cursorMod;
  private long cursorCpu;
  private long cursorRam;

  int size() {
    return size;
  }

  /**
   * Re-keys the agent after its regular bucket or capacity changed (nothing moves if its key is the same);
   * drops it if it holds no regular offers.
   */
  void update(AgentState a) {
    if (a.indexed && !a.regular.isEmpty() && a.indexCpu == a.regular.cpuMillis && a.indexRam == a.regular.ramMb
        && a.indexKey == key(a)) {
      return; // the same key (an agent {@linkplain #park parked} and offered again what it had): nothing moves
    }
    modCount++;
    if (a.indexed) {
      root = delete(root, a);
      a.indexed = false;
      size--;
    }
    if (a.regular.isEmpty()) {
      return;
    }
    if (a.indexSeq == 0) {
      // Ties (equally full agents, such as empty ones) go in a scrambled but fixed order: the agents of
      // one rack or zone, offered one after another, do not come one after another in a walk, so a
      // group limited per rack finds an open rack within a few steps instead of walking whole racks.
      // Multiplying by an odd constant is a bijection on int: the order stays total and unique.
      a.indexSeq = ++seq * 0x9E3779B1;
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      a.indexPriority = rng;
    }
    a.indexCpu = a.regular.cpuMillis;
    a.indexRam = a.regular.ramMb;
    a.indexKey = key(a);
    a.indexLeft = null;
    a.indexRight = null;
    a.maxCpu = a.indexCpu;
    a.maxRam = a.indexRam;
    root = insert(root, a);
    a.indexed = true;
    size++;
  }

  /** The agent's key for its regular offers now. */
  private static double key(AgentState a) {
    return fraction(a.regular.cpuMillis, a.capacityCpuMillis) + fraction(a.regular.ramMb, a.capacityRamMb);
  }

  /**
   * Leaves an agent whose regular offers a launch just consumed where it is, under the key of what they
   * left: a backend offers that remainder again soon (the simulated cluster in its next turn), and the
   * agent then re-keys to the same place with nothing moved. Until then it is <em>parked</em>: indexed
   * with no regular offer. A walk that meets a parked agent removes it ({@link #remove}), and any other
   * change re-keys or removes it as usual ({@link #update}).
   */
  void park(AgentState a) {
    if (a.indexed && a.regular.isEmpty()) {
      return; // stays where it is
    }
    update(a);
  }

  /** Removes the agent (gone, or its offers were consumed). */
  void remove(AgentState a) {
    modCount++;
    if (a.indexed) {
      root = delete(root, a);
      a.indexed = false;
      size--;
    }
  }

  /** The free share of one resource; 1 where the capacity is unknown (bin-pack then scores it 0). */
  static double fraction(long free, long capacity) {
    return capacity <= 0 ? 1 : (double) free / capacity;
  }

  /**
   * The first agent after position ({@code afterKey}, {@code afterSeq}) in key order with at least
   * {@code cpuMillis} and {@code ramMb} free, or null. Position (-infinity, 0) is before every agent.
   */
  AgentState next(double afterKey, int afterSeq, long cpuMillis, long ramMb) {
    AgentState last = cursorLast;
    if (last != null && cursorMod == modCount && cursorCpu == cpuMillis && cursorRam == ramMb
        && last.indexKey == afterKey && last.indexSeq == afterSeq) {
      // the walk goes on from the last agent it was handed, and nothing changed since: no search
      descend(last.indexRight, cpuMillis, ramMb);
    } else {
      depth = 0;
      AgentState n = root;
      while (n != null && n.maxCpu >= cpuMillis && n.maxRam >= ramMb) {
        int c = Double.compare(n.indexKey, afterKey);
        if (c < 0 || (c == 0 && n.indexSeq <= afterSeq)) {
          n = n.indexRight;
        } else {
          push(n);
          n = n.indexLeft;
        }
      }
    }
    while (depth > 0) {
      AgentState n = stack[--depth];
      if (n.indexCpu >= cpuMillis && n.indexRam >= ramMb) {
        cursorLast = n;
        cursorMod = modCount;
        cursorCpu = cpuMillis;
        cursorRam = ramMb;
        return n;
      }
      descend(n.indexRight, cpuMillis, ramMb);
    }
    cursorLast = null;
    return null;
  }

  /** Pushes the path to the first agent of {@code n}'s subtree, leaving out subtrees that cannot fit. */
  private void descend(AgentState n, long cpu, long ram) {
    while (n != null && n.maxCpu >= cpu && n.maxRam >= ram) {
      push(n);
      n = n.indexLeft;
    }
  }

  private void push(AgentState n) {
    if (depth == stack.length) {
      stack = java.util.Arrays.copyOf(stack, depth * 2);
    }
    stack[depth++] = n;
  }

  private static int compare(AgentState a, AgentState b) {
    int c = Double.compare(a.indexKey, b.indexKey);
    return c != 0 ? c : Integer.compare(a.indexSeq, b.indexSeq);
  }

  private static AgentState insert(AgentState n, AgentState a) {
    if (n == null) {
      return a;
    }
    if (compare(a, n) < 0) {
      n.indexLeft = insert(n.indexLeft, a);
      if (n.indexLeft.indexPriority > n.indexPriority) {
        n = rotateRight(n);
      }
    } else {
      n.indexRight = insert(n.indexRight, a);
      if (n.indexRight.indexPriority > n.indexPriority) {
        n = rotateLeft(n);
      }
    }
    pull(n);
    return n;
  }

  private static AgentState delete(AgentState n, AgentState a) {
    if (n == null) {
      return null;
    }
    if (n == a) {
      return merge(n.indexLeft, n.indexRight);
    }
    if (compare(a, n) < 0) {
      n.indexLeft = delete(n.indexLeft, a);
    } else {
      n.indexRight = delete(n.indexRight, a);
    }
    pull(n);
    return n;
  }

  private static AgentState merge(AgentState l, AgentState r) {
    if (l == null) {
      return r;
    }
    if (r == null) {
      return l;
    }
    if (l.indexPriority > r.indexPriority) {
      l.indexRight = merge(l.indexRight, r);
      pull(l);
      return l;
    }
    r.indexLeft = merge(l, r.indexLeft);
    pull(r);
    return r;
  }

  private static AgentState rotateRight(AgentState n) {
    AgentState l = n.indexLeft;
    n.indexLeft = l.indexRight;
    l.indexRight = n;
    pull(n);
    pull(l);
    return l;
  }

  private static AgentState rotateLeft(AgentState n) {
    AgentState r = n.indexRight;
    n.indexRight = r.indexLeft;
    r.indexLeft = n;
    pull(n);
    pull(r);
    return r;
  }

  private static void pull(AgentState n) {
    long cpu = n.indexCpu;
    long ram = n.indexRam;
    AgentState l = n.indexLeft;
    AgentState r = n.indexRight;
    if (l != null) {
      cpu = Math.max(cpu, l.maxCpu);
      ram = Math.max(ram, l.maxRam);
    }
    if (r != null) {
      cpu = Math.max(cpu, r.maxCpu);
      ram = Math.max(ram, r.maxRam);
    }
    n.maxCpu = cpu;
    n.maxRam = ram;
  }
}
