package dev.aurora.core.internal.backend;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Offer;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskStatus;
import dev.aurora.core.internal.Settings;
import dev.aurora.core.internal.lifecycle.TaskLifecycle;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import dev.aurora.core.internal.pass.PlacementCoordinator;
import dev.aurora.core.internal.placement.AgentPool;
import dev.aurora.core.internal.placement.AgentState;
import dev.aurora.core.internal.state.SchedulerState;
import dev.aurora.core.internal.state.TaskAccess;
import dev.aurora.core.internal.state.TaskStateMachine;
import dev.aurora.core.internal.tx.Transactions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's side of the scheduler: what the backend reports (offers, rescinded offers, task
 * status, lost agents) becomes work on the state loop, turned into offers held in the pool (declined
 * when held too long), task transitions and health, and kills of tasks the scheduler does not know.
 */
public final class BackendAdapter implements BackendListener {
  private static final Logger LOG = LoggerFactory.getLogger(BackendAdapter.class);
  private static final TaskAccess ACCESS = TaskAccess.get();

  private final ClusterBackend backend;
  private final SchedulerState state;
  private final AgentPool pool;
  private final Transactions tx;
  private final SchedulerMetrics metrics;
  private final Settings settings;
  private final TaskLifecycle lifecycle;
  private final PlacementCoordinator placement;
  /** Tasks recovered on an agent that the backend has not reported on since this start. */
  private Set<TaskId> unreconciled = new HashSet<>();
  /** An offer held until {@code due} (epoch millis on the scheduler's clock). */
  private record Held(String offerId, long due) {}

  /** The offers held, in the order they came, which is the order their holds end in. */
  private final ArrayDeque<Held> held = new ArrayDeque<>();
  /** The timer of the first held offer's hold; null with none held. */
  private StateLoop.Timer holdTimer;
  /** The backend's own durable properties. */
  private final BackendProperties properties = new BackendProperties();

  public BackendAdapter(ClusterBackend backend, SchedulerState state, Transactions tx, SchedulerMetrics metrics,
      Settings settings, TaskLifecycle lifecycle, PlacementCoordinator placement) {
    this.backend = backend;
    this.state = state;
    this.pool = state.pool();
    this.tx = tx;
    this.metrics = metrics;
    this.settings = settings;
    this.lifecycle = lifecycle;
    this.placement = placement;
    state.listeners().add(properties);
  }

  /**
   * Connects to the backend after recovery (call it after the recovery is stored): starts it with this
   * listener, asks it to reconcile {@code onAgent} (the tasks recovered on an agent), and sends again
   * the kills in flight before the restart.
   */
  public void connect(Set<TaskId> onAgent) {
    if (unreconciled.isEmpty()) {
      unreconciled = new HashSet<>(onAgent); // sized at once: a million recovered tasks rehash nothing
    } else {
      unreconciled.addAll(onAgent);
    }
    placement.backendStarted();
    tx.afterCommit(() -> {
      backend.start(this);
      backend.reconcile(onAgent);
      tx.submit(lifecycle::resendKills);
    });
    scheduleReconciliation(settings.reconcileExplicitInterval(), true);
    scheduleReconciliation(settings.reconcileImplicitInterval(), false);
  }

  /**
   * Reconciles every {@code interval} from now on (never if zero): explicitly, about every task
   * believed on an agent but just ASSIGNED (its launch may be on its way), or implicitly, about
   * whatever the backend runs.
   */
  private void scheduleReconciliation(Duration interval, boolean explicit) {
    if (interval.isZero()) {
      return;
    }
    tx.schedule(interval, () -> {
      Set<TaskId> known = new HashSet<>();
      if (explicit) {
        for (ScheduledTask t : state.tasks().values()) {
          if (t.status().isOnAgent() && (t.status() != ScheduleStatus.ASSIGNED || assignedFor(t, interval))) {
            known.add(t.id());
          }
        }
      }
      metrics.reconciliation(explicit ? "explicit" : "implicit");
      Set<TaskId> asked = Set.copyOf(known);
      tx.afterCommit(() -> backend.reconcile(asked));
      scheduleReconciliation(interval, explicit);
    });
  }

  /**
   * Whether an ASSIGNED task has been so for at least {@code interval}: its launch is no longer on its
   * way, and if every report of it was lost only explicit reconciliation will find it out.
   */
  private boolean assignedFor(ScheduledTask t, Duration interval) {
    long since = -1;
    for (var e : t.events()) {
      if (e.status() == ScheduleStatus.ASSIGNED) {
        since = e.time().toEpochMilli();
      }
    }
    return since >= 0 && tx.now() - since >= interval.toMillis();
  }

  @Override
  public void offers(List<Offer> offers) {
    tx.submit(() -> onOffers(offers));
  }

  @Override
  public void offerRescinded(String offerId) {
    tx.submit(() -> {
      if (pool.removeOffer(offerId)) {
        metrics.offerRescinded();
      }
    });
  }

  @Override
  public void statusUpdate(TaskStatus status) {
    tx.submit(() -> onStatus(status));
  }

  /** As {@link #statusUpdate(TaskStatus)}; {@code stored} runs after the transaction that took it is stored. */
  @Override
  public void statusUpdate(TaskStatus status, Runnable stored) {
    tx.submit(() -> {
      onStatus(status);
      tx.afterCommit(stored);
    });
  }

  @Override
  public java.util.Map<String, String> backendProperties() {
    return properties.get();
  }

  /** Stores the properties in a transaction of their own; {@code stored} runs after it is stored. */
  @Override
  public void storeBackendProperties(java.util.Map<String, String> changed, Runnable stored) {
    Op.SaveBackendProperties op = new Op.SaveBackendProperties(changed); // refuses nulls here, on the caller
    tx.submit(() -> {
      properties.apply(op);
      tx.store(op);
      tx.afterCommit(stored);
    });
  }

  @Override
  public void agentLost(String agentId) {
    tx.submit(() -> onAgentLost(agentId));
  }

  private void onOffers(List<Offer> offers) {
    metrics.offersReceived(offers.size());
    for (Offer o : offers) {
      if (pool.addOffer(o)) {
        tx.store(new Op.SaveAgent(o.agentId(), o.hostname(), o.attributes()));
      }
      hold(o.id());
    }
    placement.requestPass();
  }

  /**
   * Holds an offer until {@link Settings#offerHold} has passed, then declines it if it is still held and
   * unused. The hold is one duration for every offer, so offers come due in the order they came: they
   * wait in that order, behind one timer for the first of them (not a timer each).
   */
  private void hold(String offerId) {
    held.add(new Held(offerId, tx.now() + settings.offerHold().toMillis()));
    if (holdTimer == null) {
      armHoldTimer();
    }
  }

  private void armHoldTimer() {
    Held first = held.peekFirst();
    if (first == null) {
      holdTimer = null;
      return;
    }
    long wait = Math.min(settings.offerHold().toMillis(), Math.max(0, first.due() - tx.now()));
    holdTimer = tx.schedule(Duration.ofMillis(wait), this::holdsDue);
  }

  /** Declines every held offer whose hold has ended and that is neither used nor gone. */
  private void holdsDue() {
    long now = tx.now();
    long hold = settings.offerHold().toMillis();
    Held h;
    // a hold ending further away than a whole hold: the clock went back since; it ends now
    while ((h = held.peekFirst()) != null && (h.due() <= now || h.due() - now > hold)) {
      held.pollFirst();
      String id = h.offerId();
      // a pass of this same turn may have used it (the hold came due while the loop was busy): then
      // this turn's launch takes it, and a decline would void that launch
      if (!pool.inUse(id) && pool.removeOffer(id)) {
        metrics.offerDeclined();
        Duration backoff = settings.declineBackoff();
        tx.afterCommit(() -> backend.decline(id, backoff));
      }
    }
    armHoldTimer();
  }

  private void onStatus(TaskStatus status) {
    metrics.statusUpdate();
    ScheduledTask t = state.task(status.taskId());
    if (t == null) {
      if (!status.state().isTerminal() && !status.processesOnly()) {
        LOG.info("backend runs unknown task {}; killing it", status.taskId());
        lifecycle.sendKill(status.taskId());
      }
      return;
    }
    if (!status.processes().isEmpty()) {
      t = lifecycle.recordProcesses(t, status.processes());
    }
    if (status.processesOnly()) {
      return;
    }
    boolean firstSinceStart = unreconciled.remove(t.id());
    if (status.healthy().isPresent() && t.status() == ScheduleStatus.RUNNING) {
      boolean healthy = status.healthy().get();
      if (!t.healthy().equals(Optional.of(healthy))) {
        lifecycle.recordHealth(t, healthy);
      }
      return;
    }
    ScheduleStatus reported = status.state();
    if (firstSinceStart && reported == ScheduleStatus.KILLED && !TaskLifecycle.isKillInFlight(t.status())) {
      // Killed while no scheduler ran: most likely the backend stopping its tasks when this scheduler
      // closed (the local backend does). A stop, not a crash: replaced at once, never as flapping.
      lifecycle.transition(t, reported, status.message(), TaskLifecycle.Cause.STOPPED_WHILE_DOWN);
      return;
    }
    if (TaskStateMachine.isStale(t.status(), reported)) {
      if (TaskLifecycle.isKillInFlight(t.status()) && !reported.isTerminal() && reported != ScheduleStatus.PARTITIONED) {
        lifecycle.sendKill(t.id());
      } else if (t.status().isTerminal() && (reported == ScheduleStatus.STARTING || reported == ScheduleStatus.RUNNING)) {
        // Back from the dead: a task given up (LOST after a partition, and replaced) runs after all.
        LOG.info("task {} ended {} runs again; killing it", t.id(), t.status());
        lifecycle.sendKill(t.id());
      }
      return;
    }
    ScheduledTask next = lifecycle.transition(t, reported, status.message());
    if (next != t && status.healthy().isPresent() && reported == ScheduleStatus.RUNNING) {
      lifecycle.recordHealth(next, status.healthy().get());
    }
  }

  private void onAgentLost(String agentId) {
    AgentState agent = pool.agent(agentId);
    List<ScheduledTask> lost = new ArrayList<>();
    for (ScheduledTask t : state.tasks().values()) {
      if (t.status().isOnAgent() && agentId.equals(ACCESS.agentIdOrNull(t))) {
        lost.add(t);
      }
    }
    // in a stated order: the replacements (and their ids, drawn from the seeded random) follow it
    lost.sort(Comparator.comparing(ScheduledTask::job).thenComparingInt(ScheduledTask::instance)
        .thenComparing(ScheduledTask::id));
    for (ScheduledTask listed : lost) {
      // as it is now: moving an earlier one may have moved it (an update killing it, say)
      ScheduledTask t = state.task(listed.id());
      if (t != null && t.status().isOnAgent()) {
        lifecycle.transition(t, ScheduleStatus.LOST, "agent " + (agent != null ? agent.hostname() : agentId) + " lost");
      }
    }
    pool.removeAgent(agentId);
    tx.emit(new SchedulerEvent.AgentLost(tx.instant(), agentId, lost.size()));
  }
}
