package dev.aurora.core.internal.election;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskId;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.AuditEntry;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.EventStream;
import dev.aurora.core.LeaderElection;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.NotLeaderException;
import dev.aurora.core.Offer;
import dev.aurora.core.Op;
import dev.aurora.core.PendingReason;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.core.internal.events.EventBus;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler that schedules only while its {@link LeaderElection} says it leads. Each time it is
 * elected it builds a fresh scheduler (a <em>term</em>) over the same backend and storage, which
 * recovers the stored state, reconciles with the backend and schedules; when it is deposed the term
 * is closed at once, without closing the backend (tasks keep running) or the storage. Operations
 * between terms throw {@link NotLeaderException}. Events of every term reach {@link #events()}.
 */
public final class ElectedScheduler implements Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(ElectedScheduler.class);

  /** Builds one term's scheduler over the given views. */
  public interface TermFactory {
    Scheduler create(ClusterBackend backend, Storage storage, StateLoop loop);
  }

  private final LeaderElection election;
  private final ClusterBackend backend;
  private final Storage storage;
  private final @Nullable StateLoop sharedLoop;
  private final Clock clock;
  private final MeterRegistry registry;
  private final TermFactory factory;
  private final EventBus events = new EventBus();
  /** Elections are handled here, one at a time, off the election's threads. */
  private final ExecutorService transitions = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "aurora-leadership");
    t.setDaemon(true);
    return t;
  });
  private final List<Meter> termMeters = new CopyOnWriteArrayList<>();
  private volatile @Nullable Term term;
  private volatile @Nullable RuntimeException failure;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean collectingMeters;
  /** What the election said last: set on its thread, before the term is built or ended. */
  private volatile boolean leadingNow;
  private volatile int terms;

  /**
   * @param sharedLoop the loop the user gave, shared by every term and never stopped by a term's end;
   *     if null each term runs a loop of its own on {@code clock}
   */
  public ElectedScheduler(LeaderElection election, ClusterBackend backend, Storage storage,
      @Nullable StateLoop sharedLoop, Clock clock, MeterRegistry registry, TermFactory factory) {
    this.election = election;
    this.backend = backend;
    this.storage = storage;
    this.sharedLoop = sharedLoop;
    this.clock = clock;
    this.registry = registry;
    this.factory = factory;
    registry.config().onMeterAdded(m -> {
      if (collectingMeters && m.getId().getName().startsWith("aurora.")) {
        termMeters.add(m);
      }
    });
  }

  /** A loop given by the user, shared by the terms: a term's end does not stop it. */
  private static StateLoop shared(StateLoop loop) {
    return new StateLoop() {
      @Override
      public Clock clock() {
        return loop.clock();
      }

      @Override
      public void execute(Runnable work) {
        loop.execute(work);
      }

      @Override
      public Timer schedule(Duration delay, Runnable work) {
        return loop.schedule(delay, work);
      }

      @Override
      public boolean inLoop() {
        return loop.inLoop();
      }

      @Override
      public void start() {
        loop.start();
      }

      @Override
      public void stop() {}

      @Override
      public int queueDepth() {
        return loop.queueDepth();
      }
    };
  }

  /**
   * Runs a change of leadership: in place where the caller may run loop work directly (a manual
   * loop driven by a test), else on the leadership thread, one at a time, off the election's threads.
   */
  private void transition(Runnable change) {
    if (sharedLoop != null && sharedLoop.inLoop()) {
      synchronized (transitions) {
        change.run();
      }
    } else {
      try {
        transitions.execute(change);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        LOG.debug("closed: a change of leadership was ignored");
      }
    }
  }

  // ------------------------------------------------------------------ terms

  /** One time of leading: its scheduler and whether it still acts. */
  private final class Term {
    final int number = ++terms;
    volatile boolean active = true;
    /** Set once the term's scheduler has started: until then the term does not lead yet. */
    volatile boolean started;
    @Nullable Scheduler scheduler;
    EventStream.@Nullable Subscription forward;

    void checkActive(String what) {
      if (!active) {
        throw new StorageException("not the leader any more (term " + number + " ended): " + what + " refused");
      }
    }
  }

  private void elected() {
    if (closed || !leadingNow || failure != null) {
      return; // deposed again before this ran, or stopped
    }
    Term t = new Term();
    term = t;
    LOG.info("elected leader (term {}): recovering storage and reconciling with the backend", t.number);
    try {
      collectingMeters = true;
      Scheduler s;
      try {
        s = factory.create(new TermBackend(t), new TermStorage(t), sharedLoop != null ? shared(sharedLoop) : StateLoop.singleThread(clock));
      } finally {
        collectingMeters = false;
      }
      t.scheduler = s;
      t.forward = s.events().subscribe(events::publish);
      s.start();
      t.started = true; // only now: a call before this would find a scheduler not started yet
      LOG.info("leading (term {}): scheduling", t.number);
    } catch (RuntimeException e) {
      if (!t.active || !election.isLeader()) {
        // deposed while recovering (the failure may be just that): the next election tries again
        LOG.warn("term {} ended while starting: {}", t.number, e.toString());
        endTerm(t);
        return;
      }
      // never half-recovered: the term ends, and this scheduler leaves the election
      LOG.error("term {} could not start; leaving the leader election. The scheduler stops: {}", t.number,
          e.toString(), e);
      failure = e;
      endTerm(t);
      election.close();
    }
  }

  private void deposed() {
    if (dev.aurora.core.internal.Mutations.on("deposed-leader-keeps-acting")) {
      return; // a bug put back for the testkit's simulation: a lost session not acted on
    }
    leadingNow = false;
    Term t = term;
    if (t != null) {
      t.active = false; // at once, on the election's thread: nothing more is launched or stored
    }
    transition(() -> {
      Term current = term;
      if (current != null) {
        LOG.info("deposed (term {}): scheduling stopped; tasks keep running", current.number);
        endTerm(current);
      }
    });
  }

  private void endTerm(Term t) {
    t.active = false;
    if (term == t) {
      term = null;
    }
    Scheduler s = t.scheduler;
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.warn("closing term {} failed", t.number, e);
      }
    }
    if (t.forward != null) {
      t.forward.close();
    }
    termMeters.forEach(registry::remove);
    termMeters.clear();
  }

  /** The term's storage failed (for example a fenced write): hand leadership on. */
  private void termFailed(Term t, RuntimeException e) {
    if (!t.active) {
      return;
    }
    t.active = false;
    LOG.error("storage failed while leading (term {}); giving up leadership", t.number, e);
    Runnable handOn = () -> transition(() -> {
      endTerm(t);
      if (!closed) {
        election.relinquish();
      }
    });
    if (sharedLoop != null && sharedLoop.inLoop()) {
      sharedLoop.execute(handOn); // after the failed transaction has unwound
    } else {
      handOn.run();
    }
  }

  /** The backend as one term sees it: its reports reach the term only while it is active. */
  private final class TermBackend extends dev.aurora.core.ForwardingClusterBackend {
    private final Term t;

    TermBackend(Term t) {
      this.t = t;
    }

    @Override
    protected ClusterBackend delegate() {
      return backend;
    }

    @Override
    public void start(BackendListener listener) {
      backend.start(new BackendListener() {
        @Override
        public void offers(List<Offer> offers) {
          if (t.active) {
            listener.offers(offers);
          }
        }

        @Override
        public void offerRescinded(String offerId) {
          if (t.active) {
            listener.offerRescinded(offerId);
          }
        }

        @Override
        public void statusUpdate(TaskStatus status) {
          if (t.active) {
            listener.statusUpdate(status);
          }
        }

        @Override
        public void statusUpdate(TaskStatus status, Runnable stored) {
          // acknowledged only once this term stored it; a report a deposed term drops is never
          // acknowledged, so the cluster manager sends it again to the next leader
          if (t.active) {
            listener.statusUpdate(status, stored);
          }
        }

        @Override
        public void agentLost(String agentId) {
          if (t.active) {
            listener.agentLost(agentId);
          }
        }

        @Override
        public Map<String, String> backendProperties() {
          return listener.backendProperties();
        }

        @Override
        public void storeBackendProperties(Map<String, String> properties, Runnable stored) {
          // stored only by the term that leads: a deposed term's write never runs stored
          if (t.active) {
            listener.storeBackendProperties(properties, stored);
          }
        }
      });
    }

    @Override
    public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
      if (t.active) {
        backend.launch(offerIds, tasks);
      } else {
        LOG.warn("not the leader: {} launches dropped", tasks.size());
      }
    }

    @Override
    public void decline(String offerId, Duration refuseFor) {
      if (t.active) {
        backend.decline(offerId, refuseFor);
      }
    }

    @Override
    public void kill(TaskId taskId) {
      if (t.active) {
        backend.kill(taskId);
      } else {
        LOG.warn("not the leader: kill of {} dropped", taskId);
      }
    }

    @Override
    public void reconcile(Set<TaskId> known) {
      if (t.active) {
        backend.reconcile(known);
      }
    }

    @Override
    public void demand(boolean anythingPending) {
      if (t.active) {
        backend.demand(anythingPending);
      }
    }

    @Override
    public void close() {}
  }

  /** The storage as one term sees it: every write is refused once the term ended. */
  private final class TermStorage implements Storage {
    private final Term t;

    TermStorage(Term t) {
      this.t = t;
    }

    @Override
    public Stored recover() {
      t.checkActive("recovery");
      return storage.recover();
    }

    @Override
    public void append(List<Op> ops) {
      t.checkActive("append");
      try {
        storage.append(ops);
      } catch (RuntimeException e) {
        termFailed(t, e);
        throw e;
      }
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      t.checkActive("snapshot");
      storage.snapshot(snapshot);
    }

    @Override
    public void close() {}
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void start() {
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("scheduler is closed");
      }
      if (started) {
        throw new IllegalStateException("scheduler is started already");
      }
      started = true;
    }
    election.start(new LeaderElection.Listener() {
      @Override
      public void elected() {
        leadingNow = true;
        transition(ElectedScheduler.this::elected);
      }

      @Override
      public void deposed() {
        ElectedScheduler.this.deposed();
      }
    });
    if (election.isLeader()) {
      // elected at once (a single node): start returns once the first term runs, or throws as it would
      try {
        transitions.submit(() -> {}).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
      RuntimeException f = failure;
      if (f != null) {
        throw f;
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      election.close();
    } catch (RuntimeException e) {
      LOG.warn("leaving the leader election failed", e);
    }
    Term t = term;
    if (t != null) {
      t.active = false;
    }
    transition(() -> {
      if (t != null) {
        endTerm(t);
      }
    });
    transitions.shutdown();
    try {
      transitions.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      backend.close();
    } catch (RuntimeException e) {
      LOG.warn("backend close failed", e);
    }
    try {
      storage.close();
    } catch (RuntimeException e) {
      LOG.warn("storage close failed", e);
    }
    events.close();
  }

  @Override
  public boolean isLeader() {
    Term t = term;
    return t != null && t.active && t.started && election.isLeader();
  }

  @Override
  public Optional<String> leader() {
    return election.leader();
  }

  /** The current term, or {@link NotLeaderException}. */
  private Term leading() {
    RuntimeException f = failure;
    if (f != null) {
      throw new IllegalStateException("the scheduler stopped: it could not recover when elected: " + f.getMessage(), f);
    }
    Term t = term;
    if (t == null || !t.started || !t.active) {
      throw new NotLeaderException(election.leader());
    }
    return t;
  }

  /**
   * Runs {@code op} on the current term's scheduler. A call cut short because the term ended (deposed
   * meanwhile: the scheduler it waited for closed) throws {@link NotLeaderException}: it did not run.
   */
  private <T> T call(Function<Scheduler, T> op) {
    Term t = leading();
    try {
      return op.apply(t.scheduler);
    } catch (IllegalStateException e) {
      if (!t.active) {
        NotLeaderException n = new NotLeaderException(election.leader());
        n.initCause(e);
        throw n;
      }
      throw e;
    }
  }

  private void run(java.util.function.Consumer<Scheduler> op) {
    call(s -> {
      op.accept(s);
      return null;
    });
  }

  // ------------------------------------------------------------------ delegation

  @Override
  public void createJob(JobConfig job, Principal by) {
    run(s -> s.createJob(job, by));
  }

  @Override
  public void createJobs(List<JobConfig> jobs, Principal by) {
    run(s -> s.createJobs(jobs, by));
  }

  @Override
  public void killJob(JobKey job, Principal by) {
    run(s -> s.killJob(job, by));
  }

  @Override
  public void killInstances(JobKey job, Set<Integer> instances, Principal by) {
    run(s -> s.killInstances(job, instances, by));
  }

  @Override
  public void restartInstances(JobKey job, Set<Integer> instances, Principal by) {
    run(s -> s.restartInstances(job, instances, by));
  }

  @Override
  public void addInstances(JobKey job, int count, Principal by) {
    run(s -> s.addInstances(job, count, by));
  }

  @Override
  public void setMaintenance(Set<String> hosts, MaintenanceMode mode, Principal by) {
    run(s -> s.setMaintenance(hosts, mode, by));
  }

  @Override
  public Map<String, MaintenanceMode> maintenance() {
    return call(Scheduler::maintenance);
  }

  @Override
  public Optional<JobConfig> job(JobKey job) {
    return call(s -> s.job(job));
  }

  @Override
  public List<JobConfig> jobs() {
    return call(Scheduler::jobs);
  }

  @Override
  public List<ScheduledTask> tasks(TaskQuery query) {
    return call(s -> s.tasks(query));
  }

  @Override
  public Optional<ScheduledTask> task(TaskId id) {
    return call(s -> s.task(id));
  }

  @Override
  public PendingReason whyPending(JobKey job) {
    return call(s -> s.whyPending(job));
  }

  @Override
  public PendingReason whyPending(TaskId task) {
    return call(s -> s.whyPending(task));
  }

  @Override
  public EventStream events() {
    return events;
  }

  @Override
  public UpdateId startUpdate(JobKey job, JobConfig to, Principal by, String message) {
    return call(s -> s.startUpdate(job, to, by, message));
  }

  @Override
  public UpdateId startUpdate(JobKey job, JobConfig to, UpdateSettings settings, Principal by, String message) {
    return call(s -> s.startUpdate(job, to, settings, by, message));
  }

  @Override
  public void pauseUpdate(JobKey job, Principal by) {
    run(s -> s.pauseUpdate(job, by));
  }

  @Override
  public void resumeUpdate(JobKey job, Principal by) {
    run(s -> s.resumeUpdate(job, by));
  }

  @Override
  public void abortUpdate(JobKey job, Principal by) {
    run(s -> s.abortUpdate(job, by));
  }

  @Override
  public void rollbackUpdate(JobKey job, Principal by) {
    run(s -> s.rollbackUpdate(job, by));
  }

  @Override
  public void pauseUpdate(UpdateId update, Principal by) {
    run(s -> s.pauseUpdate(update, by));
  }

  @Override
  public void resumeUpdate(UpdateId update, Principal by) {
    run(s -> s.resumeUpdate(update, by));
  }

  @Override
  public void abortUpdate(UpdateId update, Principal by) {
    run(s -> s.abortUpdate(update, by));
  }

  @Override
  public void rollbackUpdate(UpdateId update, Principal by) {
    run(s -> s.rollbackUpdate(update, by));
  }

  @Override
  public void pulseUpdate(UpdateId update, Principal by) {
    run(s -> s.pulseUpdate(update, by));
  }

  @Override
  public Optional<UpdateDetails> update(UpdateId update) {
    return call(s -> s.update(update));
  }

  @Override
  public List<UpdateDetails> updates(JobKey job) {
    return call(s -> s.updates(job));
  }

  @Override
  public void startCronJob(JobKey job, Principal by) {
    run(s -> s.startCronJob(job, by));
  }

  @Override
  public void replaceCronTemplate(JobConfig job, Principal by) {
    run(s -> s.replaceCronTemplate(job, by));
  }

  @Override
  public List<Instant> nextCronRuns(JobKey job, int count) {
    return call(s -> s.nextCronRuns(job, count));
  }

  @Override
  public void setQuota(String role, ResourceQuota quota, Principal by) {
    run(s -> s.setQuota(role, quota, by));
  }

  @Override
  public void removeQuota(String role, Principal by) {
    run(s -> s.removeQuota(role, by));
  }

  @Override
  public Optional<ResourceQuota> quota(String role) {
    return call(s -> s.quota(role));
  }

  @Override
  public Map<String, ResourceQuota> quotas() {
    return call(Scheduler::quotas);
  }

  @Override
  public Resources quotaConsumption(String role) {
    return call(s -> s.quotaConsumption(role));
  }

  @Override
  public List<AuditEntry> audit() {
    return call(Scheduler::audit);
  }

  @Override
  public void clearCrashLoop(JobKey job, Principal by) {
    run(s -> s.clearCrashLoop(job, by));
  }

  @Override
  public dev.aurora.core.JobSla jobSla(JobKey job) {
    return call(s -> s.jobSla(job));
  }

  @Override
  public List<dev.aurora.core.AgentUtilization> utilization() {
    return call(Scheduler::utilization);
  }

  @Override
  public Optional<dev.aurora.core.TaskOutput> taskOutput() {
    // reading output is the backend's, and needs no leadership
    return backend.taskOutput();
  }
}
