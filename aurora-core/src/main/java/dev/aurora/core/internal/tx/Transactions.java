package dev.aurora.core.internal.tx;

import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.core.internal.Settings;
import dev.aurora.core.internal.events.EventBus;
import dev.aurora.core.internal.metrics.SchedulerMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction loop: user calls, backend reports and timers become work queued for the state loop;
 * each turn of the loop runs its queued work as one transaction whose ops are appended to storage
 * together (group commit) before any side effect (launch, kill, event, reply) happens. A storage
 * failure stops the scheduler: nothing after it is applied, and waiting callers get the error.
 */
public final class Transactions {
  private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
  private static final int MAX_WORK_PER_TURN = 10_000;

  private final StateLoop loop;
  private final Storage storage;
  private final Settings settings;
  private final SchedulerMetrics metrics;
  private final EventBus events;
  private final Supplier<List<Op>> snapshot;
  /** Runs at the end of each transaction, before its ops are stored (a pass's launches join it). */
  private Runnable beforeCommit = () -> {};

  // --- owned by the loop ---
  private Transaction tx;
  private long opsSinceSnapshot;

  // --- coordination ---
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** Replies of calls from other threads not yet answered: failed when the scheduler stops. */
  private final java.util.Set<CompletableFuture<?>> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean closed;
  private volatile StorageException failure;

  /** Ops and side effects of one turn of the loop; side effects run only after the ops are stored. */
  private static final class Transaction {
    final List<Op> ops = new ArrayList<>();
    /** Tasks created in this transaction, each run stored as one op at its place in {@code ops}. */
    final List<Creation> creations = new ArrayList<>();
    /** The creation {@code ops} ends with, which the next created task of its job and config joins. */
    Creation open;
    /** How many tasks the next creation is expected to hold ({@link #expectCreated}), 0 if unknown. */
    int expected;
    final List<Runnable> afterCommit = new ArrayList<>();
    final List<CompletableFuture<?>> replies = new ArrayList<>();
  }

  /**
   * Tasks of one job and config created one after another in a transaction at one time: stored as one
   * {@link Op.CreateTasks} in the place of the first ({@code ops} holds null there until commit).
   */
  private static final class Creation {
    final int at;
    final ScheduledTask first;
    final long timeMillis;
    int[] instances;
    TaskId[] ids;
    int size;

    Creation(int at, ScheduledTask first, long timeMillis, int capacity) {
      this.at = at;
      this.first = first;
      this.timeMillis = timeMillis;
      this.instances = new int[capacity];
      this.ids = new TaskId[capacity];
    }

    boolean joins(ScheduledTask t, long timeMillis) {
      return t.config() == first.config() && t.status() == first.status() && t.job().equals(first.job())
          && timeMillis == this.timeMillis;
    }

    void add(ScheduledTask t) {
      if (size == ids.length) {
        instances = Arrays.copyOf(instances, size * 2);
        ids = Arrays.copyOf(ids, size * 2);
      }
      instances[size] = t.instance();
      ids[size++] = t.id();
    }

    Op.CreateTasks op() {
      // arrays of the expected size are handed over as they are; List.of copies the ids once and the op
      // keeps that list (List.copyOf of an unmodifiable List.of list is the list itself)
      return new Op.CreateTasks(first.job(), first.config(), first.status(), timeMillis,
          size == instances.length ? instances : Arrays.copyOf(instances, size),
          List.of(size == ids.length ? ids : Arrays.copyOf(ids, size)));
    }
  }

  /**
   * @param snapshot the ops that rebuild the whole state, written when enough ops were stored since
   *     the last snapshot
   */
  public Transactions(StateLoop loop, Storage storage, Settings settings, SchedulerMetrics metrics,
      EventBus events, Supplier<List<Op>> snapshot) {
    this.loop = loop;
    this.storage = storage;
    this.settings = settings;
    this.metrics = metrics;
    this.events = events;
    this.snapshot = snapshot;
  }

  /** Sets what runs at the end of each transaction, before its ops are stored. */
  public void beforeCommit(Runnable hook) {
    this.beforeCommit = hook;
  }

  /** Marks the scheduler started; fails if it is closed or started already. */
  public synchronized void open() {
    if (closed) {
      throw new IllegalStateException("scheduler is closed");
    }
    if (started) {
      throw new IllegalStateException("scheduler is started already");
    }
    started = true;
  }

  /** Marks the scheduler closed: queued and later work is dropped. Returns false if it was closed already. */
  public synchronized boolean close() {
    if (closed) {
      return false;
    }
    closed = true;
    failWaiting(new IllegalStateException("scheduler is closed"));
    return true;
  }

  /** Fails every call still waiting for the loop: its work was (or will be) dropped. */
  private void failWaiting(RuntimeException why) {
    for (CompletableFuture<?> reply : waiting) {
      reply.completeExceptionally(why);
    }
  }

  /** Work queued for the loop and not yet run. */
  public int queued() {
    return queue.size();
  }

  /** Runs {@code op} on the loop as (part of) a transaction and returns its result once durable. */
  public <T> T call(Supplier<T> op) {
    checkUsable();
    if (loop.inLoop()) {
      if (tx != null) {
        return op.get();
      }
      begin();
      T result;
      try {
        result = op.get();
      } catch (RuntimeException e) {
        commit();
        throw e;
      }
      commit();
      checkUsable();
      return result;
    }
    CompletableFuture<T> reply = new CompletableFuture<>();
    waiting.add(reply);
    reply.whenComplete((r, x) -> waiting.remove(reply));
    if (closed) {
      reply.completeExceptionally(new IllegalStateException("scheduler is closed"));
    }
    submit(() -> {
      try {
        T result = op.get();
        tx.replies.add(reply);
        tx.afterCommit.add(() -> reply.complete(result));
      } catch (RuntimeException e) {
        reply.completeExceptionally(e);
      }
    });
    try {
      return reply.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the scheduler", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void checkUsable() {
    if (failure != null) {
      throw new StorageException("scheduler stopped after a storage failure; restart it to recover", failure);
    }
    if (!started) {
      throw new IllegalStateException("scheduler is not started: call start()");
    }
    if (closed) {
      throw new IllegalStateException("scheduler is closed");
    }
  }

  /** Queues work for the loop; queued work of one turn is committed together. */
  public void submit(Runnable work) {
    if (closed || failure != null) {
      return;
    }
    queue.add(work);
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
  }

  /**
   * Runs queued work as one transaction. The turn stays scheduled until it ends: work queued meanwhile
   * (by this turn, or by a caller its side effects answered) goes to a turn queued at its end, behind
   * what those side effects queued on the loop (a backend's offer of what a launch left), never to a
   * turn queued ahead of them.
   */
  private void drain() {
    if (closed || failure != null) {
      drainScheduled.set(false);
      queue.clear();
      return;
    }
    try {
      begin();
      Runnable work;
      int n = 0;
      while (n++ < MAX_WORK_PER_TURN && (work = queue.poll()) != null) {
        try {
          work.run();
        } catch (RuntimeException e) {
          LOG.error("scheduler work failed", e);
        }
      }
      commit();
    } finally {
      drainScheduled.set(false);
    }
    if (!queue.isEmpty() && drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
  }

  private void begin() {
    tx = new Transaction();
  }

  private void commit() {
    beforeCommit.run();
    Transaction t = tx;
    tx = null;
    // a createTasks op stands for a task each, as the whole-task ops it replaces did, for snapshots
    long weight = t.ops.size();
    for (Creation c : t.creations) {
      t.ops.set(c.at, c.op());
      weight += c.size - 1;
    }
    if (!t.ops.isEmpty()) {
      try {
        storage.append(t.ops);
        metrics.stored(t.ops.size());
      } catch (RuntimeException e) {
        fail(t, e);
        return;
      }
      opsSinceSnapshot += weight;
    }
    for (Runnable r : t.afterCommit) {
      try {
        r.run();
      } catch (RuntimeException e) {
        LOG.error("side effect after commit failed", e);
      }
    }
    if (opsSinceSnapshot >= settings.snapshotEveryOps()) {
      snapshot();
    }
  }

  private void fail(Transaction t, RuntimeException e) {
    StorageException se = e instanceof StorageException s ? s : new StorageException("storage append failed", e);
    failure = se;
    LOG.error("storage failed; the scheduler stops. Restart it to recover the last stored state.", e);
    for (CompletableFuture<?> reply : t.replies) {
      reply.completeExceptionally(se);
    }
    queue.clear();
    failWaiting(se);
    loop.stop();
    events.close(); // whatever was awaited fails: the scheduler stopped
  }

  private void snapshot() {
    List<Op> snap = snapshot.get();
    try {
      storage.snapshot(snap);
      opsSinceSnapshot = 0;
    } catch (RuntimeException e) {
      LOG.warn("snapshot failed; the log keeps growing until one succeeds", e);
    }
  }

  /** Runs {@code work} in a transaction of its own once {@code delay} has passed. */
  public StateLoop.Timer schedule(Duration delay, Runnable work) {
    return loop.schedule(delay, () -> submit(work));
  }

  /** Now, in epoch millis, on the scheduler's clock. */
  public long now() {
    return loop.clock().millis();
  }

  /** Now, on the scheduler's clock. */
  public Instant instant() {
    return loop.clock().instant();
  }

  /** Adds an op to the current transaction. */
  public void store(Op op) {
    tx.open = null;
    tx.ops.add(op);
  }

  /**
   * Adds to the current transaction a task just created at {@code timeMillis} and moved at once to its
   * first state, with no failures, flaps or message: stored with the tasks of the same job and config
   * created right before it (no other op between) as one {@link Op.CreateTasks}, which names the config
   * once.
   */
  public void storeCreated(ScheduledTask t, long timeMillis) {
    Transaction x = tx;
    Creation c = x.open;
    if (c == null || !c.joins(t, timeMillis)) {
      c = new Creation(x.ops.size(), t, timeMillis, Math.max(8, x.expected));
      x.expected = 0;
      x.ops.add(null);
      x.creations.add(c);
      x.open = c;
    }
    c.add(t);
  }

  /**
   * Says that the next {@code count} tasks created in this transaction are created one after another, of
   * one job and config (a job's instances): their {@link #storeCreated} op is sized for them at once.
   */
  public void expectCreated(int count) {
    tx.expected = count;
  }

  /** Runs {@code action} after the current transaction is stored. */
  public void afterCommit(Runnable action) {
    tx.afterCommit.add(action);
  }

  /** Whether anyone listens to events now (so one need not be made for {@link #emit} to drop). */
  public boolean eventsHeard() {
    return events.hasSubscribers();
  }

  /** Publishes an event after the current transaction is stored (if anyone listens). */
  public void emit(SchedulerEvent e) {
    if (events.hasSubscribers()) {
      tx.afterCommit.add(() -> events.publish(e));
    }
  }
}
