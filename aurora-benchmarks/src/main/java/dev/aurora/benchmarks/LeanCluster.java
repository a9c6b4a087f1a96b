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
 * A backend that keeps nothing per task, so that heap measured around a scheduler is the scheduler's:
 * per agent it keeps only what is free (ports are handed out upwards and never return). A launch is
 * answered at once with STARTING and RUNNING; what is left on the agent is offered again on the loop's
 * next turn. Reconciliation answers RUNNING for every task the scheduler names, as a Mesos master would.
 */
public final class LeanCluster implements ClusterBackend {
  private final Workload w;
  private final StateLoop loop;
  private final long[] freeCpuMillis;
  private final long[] freeRamMb;
  private final long[] freeDiskMb;
  private final int[] nextPort;
  private final Map<String, Integer> byOffer = new HashMap<>();
  private final List<Integer> dirty = new ArrayList<>();
  private final List<Map<String, String>> attributes = new ArrayList<>();
  private BackendListener listener;
  private long offerSeq;

  public LeanCluster(Workload w, StateLoop loop) {
    this.w = w;
    this.loop = loop;
    freeCpuMillis = new long[w.agents];
    freeRamMb = new long[w.agents];
    freeDiskMb = new long[w.agents];
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
    List<Offer> offers = new ArrayList<>(w.agents);
    for (int a = 0; a < w.agents; a++) {
      offers.add(offer(a));
    }
    listener.offers(offers);
  }

  private Offer offer(int a) {
    String id = "lean-" + (++offerSeq);
    byOffer.put(id, a);
    int end = w.portBase + w.portCount - 1;
    List<PortRange> ports = nextPort[a] <= end ? List.of(PortRange.of(nextPort[a], end)) : List.of();
    return Offer.builder().id(id).agentId("agent-" + a).hostname(w.hostname(a)).attributes(attributes.get(a))
        .cpus(freeCpuMillis[a] / 1000.0).ramMb(freeRamMb[a]).diskMb(freeDiskMb[a]).ports(ports).build();
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    int a = -1;
    for (String id : offerIds) {
      Integer agent = byOffer.remove(id);
      if (agent != null) {
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
      if (dirty.isEmpty()) {
        loop.execute(this::reoffer);
      }
      dirty.add(a);
    }
  }

  private void reoffer() {
    List<Offer> offers = new ArrayList<>(dirty.size());
    for (int a : dirty) {
      if (freeCpuMillis[a] > 0 && freeRamMb[a] > 0) {
        offers.add(offer(a));
      }
    }
    dirty.clear();
    if (!offers.isEmpty()) {
      listener.offers(offers);
    }
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    byOffer.remove(offerId);
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
