package dev.aurora.core.internal.metrics;

import dev.aurora.core.ScheduleStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The scheduler's Micrometer meters, all named {@code aurora.*}. Gauges read values the state loop
 * publishes, so a scrape never touches loop-owned state.
 */
public final class SchedulerMetrics {
  private final MeterRegistry registry;
  private final AtomicLongArray tasksByState = new AtomicLongArray(ScheduleStatus.values().length);
  private final Timer passTimer;
  private final Counter placed;
  private final Counter offersReceived;
  private final Counter offersUsed;
  private final Counter offersDeclined;
  private final Counter offersRescinded;
  private final Counter statusUpdates;
  private final Counter storageOps;
  private final Map<String, Counter> illegal = new ConcurrentHashMap<>();
  private final Map<String, Counter> vetoes = new ConcurrentHashMap<>();
  private volatile long oldestPendingMillis = -1;
  // Micrometer holds a gauge's state object weakly: the suppliers are kept here, and every gauge's
  // state object is one this scheduler holds, so no gauge reads NaN after a collection.
  private final Supplier<Integer> queueDepth;
  private final Supplier<Integer> offersHeld;

  public SchedulerMetrics(MeterRegistry registry, LongSupplier nowMillis, Supplier<Integer> queueDepth,
      Supplier<Integer> offersHeld) {
    this.registry = registry;
    this.queueDepth = queueDepth;
    this.offersHeld = offersHeld;
    for (ScheduleStatus s : ScheduleStatus.values()) {
      Gauge.builder("aurora.tasks", tasksByState, a -> a.get(s.ordinal()))
          .description("tasks held by the scheduler, by state").tag("state", s.name()).register(registry);
    }
    Gauge.builder("aurora.tasks.pending", tasksByState,
            a -> a.get(ScheduleStatus.PENDING.ordinal()) + a.get(ScheduleStatus.THROTTLED.ordinal()))
        .description("tasks waiting to be placed (PENDING or THROTTLED)").register(registry);
    Gauge.builder("aurora.tasks.pending.oldest.age", this, m -> {
          long since = m.oldestPendingMillis;
          return since < 0 ? 0 : Math.max(0, nowMillis.getAsLong() - since) / 1000.0;
        }).baseUnit("seconds").description("how long the task pending longest has been PENDING").register(registry);
    Gauge.builder("aurora.loop.queue.depth", this, m -> m.queueDepth.get())
        .description("work queued on the state loop").register(registry);
    Gauge.builder("aurora.offers.held", this, m -> m.offersHeld.get()).description("offers held now").register(registry);
    passTimer = Timer.builder("aurora.placement.pass").description("placement pass latency").register(registry);
    placed = Counter.builder("aurora.placement.tasks.placed").description("tasks placed on an agent").register(registry);
    offersReceived = Counter.builder("aurora.offers.received").description("resource offers received from the backend").register(registry);
    offersUsed = Counter.builder("aurora.offers.used").description("offers used to launch tasks").register(registry);
    offersDeclined = Counter.builder("aurora.offers.declined").description("offers declined").register(registry);
    offersRescinded = Counter.builder("aurora.offers.rescinded").description("offers the backend took back").register(registry);
    statusUpdates = Counter.builder("aurora.status.updates").description("task status updates from the backend").register(registry);
    storageOps = Counter.builder("aurora.storage.ops").description("operations appended to storage").register(registry);
  }

  public void moved(ScheduleStatus from, ScheduleStatus to) {
    if (from != null) {
      tasksByState.decrementAndGet(from.ordinal());
    }
    if (to != null) {
      tasksByState.incrementAndGet(to.ordinal());
    }
  }

  /** {@code count} tasks created and moved at once to {@code to}: as {@code moved(null, INIT)} then {@code moved(INIT, to)} each. */
  public void created(ScheduleStatus to, int count) {
    tasksByState.addAndGet(to.ordinal(), count);
  }

  public void resetStates() {
    for (int i = 0; i < tasksByState.length(); i++) {
      tasksByState.set(i, 0);
    }
  }

  public void illegalTransition(ScheduleStatus from, ScheduleStatus to) {
    illegal.computeIfAbsent(from + ">" + to, k -> Counter.builder("aurora.task.transitions.illegal")
        .tag("from", from.name()).tag("to", to.name()).register(registry)).increment();
  }

  public double illegalTransitions() {
    return illegal.values().stream().mapToDouble(Counter::count).sum();
  }

  public void pass(Duration took, int placedTasks, Map<String, Long> vetoCounts) {
    passTimer.record(took);
    placed.increment(placedTasks);
    vetoCounts.forEach((reason, n) -> vetoes.computeIfAbsent(reason, r -> Counter.builder("aurora.placement.vetoes")
        .tag("reason", r).register(registry)).increment(n));
  }

  public void offersReceived(int n) {
    offersReceived.increment(n);
  }

  public void offersUsed(int n) {
    offersUsed.increment(n);
  }

  public void offerDeclined() {
    offersDeclined.increment();
  }

  public void offerRescinded() {
    offersRescinded.increment();
  }

  /** A periodic reconciliation was asked of the backend: {@code kind} explicit or implicit. */
  public void reconciliation(String kind) {
    registry.counter("aurora.reconciliations", "kind", kind).increment();
  }

  public void statusUpdate() {
    statusUpdates.increment();
  }

  public void stored(int ops) {
    storageOps.increment(ops);
  }

  public void oldestPending(long millis) {
    oldestPendingMillis = millis;
  }

  /** No task group is pending. */
  public void noPending() {
    oldestPendingMillis = -1;
  }
}
