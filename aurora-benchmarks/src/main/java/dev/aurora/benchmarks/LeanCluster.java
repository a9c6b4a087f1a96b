package dev.aurora.benchmarks;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A backend that keeps nothing per task, so that heap measured around a scheduler is the scheduler's
 * and time measured around it is the scheduler's too: per agent it keeps only what is free and what
 * its outstanding offers hold (ports are handed out upwards and never return). A launch is answered at
 * once with STARTING and RUNNING; {@link #finish} ends a task. What an agent has free and not yet
 * offered is offered on the loop's next turn. Reconciliation answers RUNNING for every task the
 * scheduler names, as a Mesos master would.
 *
 * <p>It keeps its own few arrays instead of the core's {@code OfferBook} (which the local backend and
 * the simulated cluster share) on purpose: the book's per-agent port sets and per-task checks would be
 * time and heap of the backend inside W3's and W4's measurements. Declines hold nothing back here.
 */
public final class LeanCluster implements ClusterBackend {
  private final Workload w;
  private final StateLoop loop;
  private final long[] freeCpuMillis;
  private final long[] freeRamMb;
  private final long[] freeDiskMb;
  /** What the agent's outstanding offers hold: offers never overlap. */
  private final long[] offeredCpuMillis;
  private final long[] offeredRamMb;
  private final long[] offeredDiskMb;
  private final boolean[] portsOffered;
  private final int[] nextPort;
  private final Map<String, Outstanding> byOffer = new HashMap<>();
  private final List<Integer> dirty = new ArrayList<>();
  private final List<Map<String, String>> attributes = new ArrayList<>();
  private BackendListener listener;
  private long offerSeq;

  private record Outstanding(int agent, long cpuMillis, long ramMb, long diskMb, boolean ports) {}

  public LeanCluster(Workload w, StateLoop loop) {
    this.w = w;
    this.loop = loop;
    freeCpuMillis = new long[w.agents];
    freeRamMb = new long[w.agents];
    freeDiskMb = new long[w.agents];
    offeredCpuMillis = new long[w.agents];
    offeredRamMb = new long[w.agents];
    offeredDiskMb = new long[w.agents];
    portsOffered = new boolean[w.agents];
    nextPort = new int[w.agents];
    for (int a = 0; a < w.agents; a++) {
      freeCpuMillis[a] = Math.round(w.agentCpus * 1000);
      freeRamMb[a] = w.agentRamMb;
      freeDiskMb[a] = w.agentDiskMb;
      nextPort[a] = w.portBase;
      attributes.add(w.attributes(a));
    }
  }

  @Override
  public void start(BackendListener listener) {
    this.listener = listener;
    byOffer.clear();
    java.util.Arrays.fill(offeredCpuMillis, 0);
    java.util.Arrays.fill(offeredRamMb, 0);
    java.util.Arrays.fill(offeredDiskMb, 0);
    java.util.Arrays.fill(portsOffered, false);
    List<Offer> offers = new ArrayList<>(w.agents);
    for (int a = 0; a < w.agents; a++) {
      Offer o = offer(a);
      if (o != null) {
        offers.add(o);
      }
    }
    listener.offers(offers);
  }

  /** An offer of what agent {@code a} has free and not yet offered; null if that is nothing. */
  private Offer offer(int a) {
    long cpu = freeCpuMillis[a] - offeredCpuMillis[a];
    long ram = freeRamMb[a] - offeredRamMb[a];
    long disk = freeDiskMb[a] - offeredDiskMb[a];
    int end = w.portBase + w.portCount - 1;
    boolean ports = !portsOffered[a] && nextPort[a] <= end;
    if (cpu <= 0 || ram <= 0) {
      return null;
    }
    String id = "lean-" + (++offerSeq);
    byOffer.put(id, new Outstanding(a, cpu, ram, disk, ports));
    offeredCpuMillis[a] += cpu;
    offeredRamMb[a] += ram;
    offeredDiskMb[a] += disk;
    portsOffered[a] |= ports;
    return Offer.builder().id(id).agentId("agent-" + a).hostname(w.hostname(a)).attributes(attributes.get(a))
        .cpus(cpu / 1000.0).ramMb(ram).diskMb(disk)
        .ports(ports ? List.of(PortRange.of(nextPort[a], end)) : List.of()).build();
  }

  /** The offer is gone (used or declined): what it held may be offered again. */
  private int retire(String offerId) {
    Outstanding o = byOffer.remove(offerId);
    if (o == null) {
      return -1;
    }
    offeredCpuMillis[o.agent] -= o.cpuMillis;
    offeredRamMb[o.agent] -= o.ramMb;
    offeredDiskMb[o.agent] -= o.diskMb;
    if (o.ports) {
      portsOffered[o.agent] = false;
    }
    return o.agent;
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    int a = -1;
    for (String id : offerIds) {
      int agent = retire(id);
      if (agent >= 0) {
        a = agent;
      }
    }
    for (TaskLaunch t : tasks) {
      if (a < 0) {
        listener.statusUpdate(TaskStatus.of(t.taskId(), ScheduleStatus.LOST, "offer no longer valid"));
        continue;
      }
      freeCpuMillis[a] -= Math.round(t.config().resources().cpus() * 1000);
      freeRamMb[a] -= t.config().resources().ramMb();
      freeDiskMb[a] -= t.config().resources().diskMb();
      for (int port : t.ports().values()) {
        nextPort[a] = Math.max(nextPort[a], port + 1);
      }
      listener.statusUpdate(TaskStatus.of(t.taskId(), ScheduleStatus.STARTING, ""));
      listener.statusUpdate(TaskStatus.of(t.taskId(), ScheduleStatus.RUNNING, ""));
    }
    if (a >= 0) {
      markDirty(a);
    }
  }

  /**
   * The task ends on its own: its agent gets its cpu, ram and disk back (offered on the loop's next
   * turn) and the scheduler hears FINISHED.
   */
  public void finish(dev.aurora.core.ScheduledTask t) {
    String agentId = t.agent().orElseThrow(() -> new IllegalArgumentException(t.id() + " is on no agent"));
    int a = Integer.parseInt(agentId, "agent-".length(), agentId.length(), 10);
    dev.aurora.api.Resources r = t.config().resources();
    freeCpuMillis[a] += Math.round(r.cpus() * 1000);
    freeRamMb[a] += r.ramMb();
    freeDiskMb[a] += r.diskMb();
    markDirty(a);
    listener.statusUpdate(TaskStatus.of(t.id(), ScheduleStatus.FINISHED, "done"));
  }

  private void markDirty(int a) {
    if (dirty.isEmpty()) {
      loop.execute(this::reoffer);
    }
    dirty.add(a);
  }

  private void reoffer() {
    List<Offer> offers = new ArrayList<>(dirty.size());
    for (int a : dirty) {
      Offer o = offer(a);
      if (o != null) {
        offers.add(o);
      }
    }
    dirty.clear();
    if (!offers.isEmpty()) {
      listener.offers(offers);
    }
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    retire(offerId);
  }

  @Override
  public void kill(TaskId taskId) {
    listener.statusUpdate(TaskStatus.of(taskId, ScheduleStatus.KILLED, "killed"));
  }

  @Override
  public void reconcile(Set<TaskId> known) {
    for (TaskId id : known) {
      listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.RUNNING, "reconciliation"));
    }
  }

  @Override
  public void close() {}
}
