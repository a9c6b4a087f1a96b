package dev.aurora.core.internal.preemption;

import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.Veto;
import dev.aurora.core.internal.placement.TransientFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Room made by preemption, held for its preemptor: a placement filter that refuses a reserved agent
 * to every task but the preemptor's (its job and config: identical pending tasks are placed as one
 * group), until a task of that group is placed on the agent, the preemptor is placed elsewhere or
 * leaves PENDING, or the reservation expires.
 */
public final class Reservations implements PlacementFilter, TransientFilter {
  private static final Veto RESERVED = Veto.of("reserved for a preempting task", 90);

  private record Reservation(TaskId task, JobKey job, TaskConfig config, long untilMillis) {}

  private final Map<String, Reservation> byAgent = new HashMap<>();
  private final Map<TaskId, String> agentByTask = new HashMap<>();
  private final LongSupplier now;

  Reservations(LongSupplier now) {
    this.now = now;
  }

  @Override
  public Veto filter(PlacementTask task, AgentView agent) {
    if (byAgent.isEmpty()) {
      return Veto.none();
    }
    Reservation r = byAgent.get(agent.id());
    if (r == null || r.untilMillis <= now.getAsLong()
        || (r.job.equals(task.job()) && (r.config == task.config() || r.config.equals(task.config())))) {
      return Veto.none();
    }
    return RESERVED;
  }

  @Override
  public boolean vetoesNothing() {
    return byAgent.isEmpty();
  }

  /** Holds {@code agentId} for {@code task} until {@code untilMillis}. */
  void reserve(String agentId, TaskId task, JobKey job, TaskConfig config, long untilMillis) {
    release(task);
    Reservation old = byAgent.put(agentId, new Reservation(task, job, config, untilMillis));
    if (old != null) {
      agentByTask.remove(old.task);
    }
    agentByTask.put(task, agentId);
  }

  /** Whether {@code task} holds a live reservation. */
  boolean holds(TaskId task) {
    String agent = agentByTask.get(task);
    return agent != null && byAgent.get(agent).untilMillis > now.getAsLong();
  }

  /** Whether {@code agentId} is held for some task. */
  boolean isHeld(String agentId) {
    Reservation r = byAgent.get(agentId);
    return r != null && r.untilMillis > now.getAsLong();
  }

  /** Drops {@code task}'s reservation, if any. */
  void release(TaskId task) {
    if (agentByTask.isEmpty()) {
      return; // usually: every placed task passes here
    }
    String agent = agentByTask.remove(task);
    if (agent != null) {
      byAgent.remove(agent);
    }
  }

  /**
   * Drops the reservation of {@code agentId} (null: none) if it is held for {@code job}'s tasks of
   * {@code config}: a task of the preemptor's group was placed there and took the room, which the
   * preemptor, if it is still pending, may no longer fit in. Holding the agent on would keep out every
   * other task until the reservation expired, for nothing.
   */
  void usedBy(JobKey job, TaskConfig config, String agentId) {
    if (agentId == null || byAgent.isEmpty()) {
      return;
    }
    Reservation r = byAgent.get(agentId);
    if (r != null && r.job.equals(job) && (r.config == config || r.config.equals(config))) {
      byAgent.remove(agentId);
      agentByTask.remove(r.task);
    }
  }

  /** The agents held now for tasks of {@code job}, whatever their config; usually none. */
  List<String> agentsHeldFor(JobKey job) {
    if (byAgent.isEmpty()) {
      return List.of();
    }
    long t = now.getAsLong();
    List<String> out = new ArrayList<>(0);
    byAgent.forEach((agent, r) -> {
      if (r.untilMillis > t && r.job.equals(job)) {
        out.add(agent);
      }
    });
    return out;
  }

  /** Drops expired reservations. */
  void expire() {
    long t = now.getAsLong();
    byAgent.values().removeIf(r -> {
      if (r.untilMillis <= t) {
        agentByTask.remove(r.task);
        return true;
      }
      return false;
    });
  }

  /** How many agents are held now. */
  int size() {
    return byAgent.size();
  }
}
