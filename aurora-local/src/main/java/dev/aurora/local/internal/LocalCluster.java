package dev.aurora.local.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code LocalBackend}: the agents and their offers, the running tasks, the
 * sandbox root it holds a lock on, the orphan reaping at start and the memory sampling. Not public
 * API.
 */
public final class LocalCluster {
  private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);
  /** How many ended tasks' statuses are remembered for reconciliation. */
  private static final int ENDED_REMEMBERED = 1024;

  private enum State { NEW, STARTED, CLOSED }

  private final BackendConfig config;
  private final ProcessLauncher launcher = ProcessLauncher.detect();
  private final Reporter reporter = new Reporter();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(Threads.named("timer"));
  private final ExecutorService workers = Executors.newCachedThreadPool(Threads.named("worker"));
  /**
   * One thread per agent that starts the agent's tasks (sandbox, launch record) and runs their process
   * graphs' bookkeeping (starts, exits, restarts): a launch only queues work there, so the caller (the
   * scheduler's loop) never waits for a process to start, and a task holds no thread of its own.
   */
  private final Map<String, ScheduledExecutorService> agentLoops = new LinkedHashMap<>();
  private final AgentPool pool;
  private final SandboxRetention retention;
  private final Map<TaskId, LocalTask> tasks = new ConcurrentHashMap<>();
  private final Map<TaskId, TaskStatus> ended = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TaskId, TaskStatus> eldest) {
      return size() > ENDED_REMEMBERED;
    }
  };
  // guarded by ended
  private final Map<TaskId, List<dev.aurora.runner.ProcessReport>> endedProcesses = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<TaskId, List<dev.aurora.runner.ProcessReport>> eldest) {
      return size() > ENDED_REMEMBERED;
    }
  };
  /** Tasks an earlier backend left running, held until reconciliation says whether to adopt them. */
  private final Map<TaskId, OrphanReaper.Adoptable> adoptable = new LinkedHashMap<>();
  private final Map<TaskId, Allocation> adoptableHolds = new LinkedHashMap<>();
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread shutdownHook = new Thread(this::close, "aurora-local-shutdown");
  private volatile HttpClient httpClient;
  private FileChannel lockChannel;
  private FileLock lock;

  /** An engine for {@code config}; nothing happens until {@link #start}. */
  public LocalCluster(BackendConfig config) {
    this.config = config;
    this.pool = new AgentPool(config.agents(), reporter, timer);
    this.retention = new SandboxRetention(config.sandboxMaxAge(), config.sandboxMaxCount(), timer);
    for (AgentSpec agent : config.agents()) {
      ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1, Threads.named("agent-" + agent.id()));
      // on close, work queued now still runs (a run's last records), but no timer of a run fires
      loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      loop.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
      loop.setRemoveOnCancelPolicy(true);
      agentLoops.put(agent.id(), loop);
    }
  }

  /**
   * Locks the sandbox root, reaps orphans (reporting each LOST), and offers every agent.
   *
   * @throws IllegalStateException if started before or another backend holds the root
   * @throws UncheckedIOException if the sandbox root cannot be made or read
   */
  public void start(BackendListener listener) {
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException("a local backend starts once; it is " + state.get());
    }
    try {
      Files.createDirectories(config.sandboxRoot());
      lockRoot();
      reporter.start(listener);
      Runtime.getRuntime().addShutdownHook(shutdownHook);
      Map<TaskId, OrphanReaper.Adoptable> left = new LinkedHashMap<>();
      List<OrphanReaper.Found> reaped = OrphanReaper.reap(config.sandboxRoot(), config.killGracePeriod(),
          config.keepTasksOnClose() ? left : null);
      Map<Sandbox, List<ProcessGroup>> unplaceable = new LinkedHashMap<>();
      for (OrphanReaper.Adoptable a : left.values()) {
        LaunchRecord r = a.record();
        Optional<Allocation> hold = pool.hold(r.launch().agentId(), r.milliCpus(), r.ramMb(), r.diskMb(), r.ports());
        if (hold.isPresent()) {
          adoptable.put(r.launch().taskId(), a);
          adoptableHolds.put(r.launch().taskId(), hold.get());
        } else {
          unplaceable.put(a.sandbox(), a.groups());
        }
      }
      if (!unplaceable.isEmpty()) {
        OrphanReaper.end(unplaceable, config.killGracePeriod(), "left running by an earlier local backend on this"
            + " sandbox root, on an agent or resources this backend does not have", reaped);
      }
      if (!adoptable.isEmpty()) {
        LOG.info("{} task(s) left running by an earlier local backend; adopting those the scheduler knows",
            adoptable.size());
      }
      for (OrphanReaper.Found found : reaped) {
        remember(found.status());
        if (found.orphan()) {
          reporter.status(found.status());
        }
        retention.add(found.taskId(), found.dir(), found.endedAt());
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot use the sandbox root " + config.sandboxRoot(), e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    long sample = config.memoryCheckInterval().toNanos();
    timer.scheduleWithFixedDelay(this::checkMemory, sample, sample, TimeUnit.NANOSECONDS);
    pool.start();
    LOG.info("local backend started: {} agents, sandboxes in {}", config.agents().size(), config.sandboxRoot());
  }

  /** Places and starts {@code launches}, or reports why each cannot run. */
  public void launch(List<String> offerIds, List<TaskLaunch> launches) {
    if (!isStarted("launch")) {
      return;
    }
    List<TaskLaunch> fresh = new ArrayList<>();
    Set<TaskId> seen = new HashSet<>();
    for (TaskLaunch launch : launches) {
      if (tasks.containsKey(launch.taskId()) || !seen.add(launch.taskId())) {
        LOG.warn("ignoring a second launch of task {}: it runs already", launch.taskId());
      } else {
        fresh.add(launch);
      }
    }
    for (Placement placement : pool.place(List.copyOf(offerIds), fresh)) {
      if (placement.rejection().isPresent()) {
        remember(placement.rejection().get());
        reporter.status(placement.rejection().get());
        continue;
      }
      LocalTask task = new LocalTask(placement.launch(), placement.allocation().get(), this);
      tasks.put(task.id(), task);
      reporter.status(TaskStatus.of(task.id(), ScheduleStatus.STARTING,
          "starting on " + placement.launch().agentId()));
      agentLoop(placement.launch().agentId()).execute(task::start);
    }
  }

  /** Withdraws an offer for {@code refuseFor}. */
  public void decline(String offerId, Duration refuseFor) {
    if (isStarted("decline")) {
      pool.decline(offerId, refuseFor);
    }
  }

  /** Kills a running task; reports a task it does not run as it last ended, or LOST. */
  public void kill(TaskId taskId) {
    if (!isStarted("kill")) {
      return;
    }
    LocalTask task = tasks.get(taskId);
    if (task != null) {
      task.kill();
    } else {
      reporter.status(endedOrLost(taskId));
    }
  }

  /** Reports every running task, and each of {@code known} it does not run as it ended, or LOST. */
  public void reconcile(Set<TaskId> known) {
    if (!isStarted("reconcile")) {
      return;
    }
    adoptOrReap(known);
    for (LocalTask task : tasks.values()) {
      reporter.status(task.status());
    }
    for (TaskId id : known) {
      if (!tasks.containsKey(id)) {
        reporter.status(endedOrLost(id));
      }
    }
  }

  /** The latest state of each process of a task that runs, or ended recently; empty if unknown. */
  public List<dev.aurora.runner.ProcessReport> processes(TaskId taskId) {
    LocalTask task = tasks.get(taskId);
    if (task != null) {
      return task.processReports();
    }
    synchronized (ended) {
      return endedProcesses.getOrDefault(taskId, List.of());
    }
  }

  /** Why this backend cannot run tasks of {@code config}: a container without a container runtime. */
  public Optional<String> cannotRun(dev.aurora.api.TaskConfig config) {
    if (config.container().isPresent() && config().containerRuntime().isEmpty()) {
      return Optional.of("the local backend has no container runtime for task.container "
          + config.container().get() + ": build it with LocalBackend.builder().containerRuntime(\"podman\")"
          + " (or \"docker\")");
    }
    return Optional.empty();
  }

  BackendConfig config() {
    return config;
  }

  /** The pid of the process a running task runs now. */
  public OptionalLong pid(TaskId taskId) {
    LocalTask task = tasks.get(taskId);
    return task != null ? task.pid() : OptionalLong.empty();
  }

  /**
   * Adopts every task an earlier backend left running whose id is in {@code known}: it runs on,
   * RUNNING, with its health checks resumed. Ends the others' processes (on a worker) and reports them
   * LOST.
   */
  private void adoptOrReap(Set<TaskId> known) {
    Map<TaskId, OrphanReaper.Adoptable> pending;
    Map<TaskId, Allocation> holds;
    synchronized (adoptable) {
      pending = new LinkedHashMap<>(adoptable);
      holds = new LinkedHashMap<>(adoptableHolds);
      adoptable.clear();
      adoptableHolds.clear();
    }
    for (Map.Entry<TaskId, OrphanReaper.Adoptable> e : pending.entrySet()) {
      OrphanReaper.Adoptable a = e.getValue();
      Allocation allocation = holds.get(e.getKey());
      if (known.contains(e.getKey())) {
        LocalTask task = LocalTask.adopt(a.record(), allocation, a.sandbox(), a.groups(), this);
        tasks.put(task.id(), task);
        LOG.info("task {}: adopted, with its {} process group(s)", task.id(), a.groups().size());
      } else {
        workers.execute(() -> {
          try {
            for (OrphanReaper.Found found : OrphanReaper.end(Map.of(a.sandbox(), a.groups()),
                config.killGracePeriod(), "left running by an earlier local backend, but unknown to the scheduler",
                new ArrayList<>())) {
              remember(found.status());
              reporter.status(found.status());
              retention.add(found.taskId(), found.dir(), found.endedAt());
            }
          } catch (IOException | RuntimeException ex) {
            LOG.warn("task {}: cannot end what an earlier backend left running", e.getKey(), ex);
          }
          pool.release(allocation);
        });
      }
    }
  }

  /** The sandbox of a running task or of an ended one that is still kept. */
  public Optional<Path> sandbox(TaskId taskId) {
    LocalTask task = tasks.get(taskId);
    return task != null ? task.sandboxDir() : retention.find(taskId);
  }

  /**
   * Stops reporting and offering, ends every process it started (SIGTERM, the grace period, SIGKILL)
   * and records each task's end in its sandbox. Idempotent, and a second caller waits for the first
   * to finish; the shutdown hook calls it too.
   */
  public void close() {
    State was = state.getAndSet(State.CLOSED);
    if (was == State.CLOSED) {
      awaitClosed();
      return;
    }
    try {
      stopEverything(was);
    } finally {
      closed.countDown();
    }
  }

  private void stopEverything(State was) {
    reporter.stop();
    pool.stop();
    List<ProcessGroup> groups = new ArrayList<>();
    List<LocalTask> running = List.copyOf(tasks.values());
    if (config.keepTasksOnClose()) {
      running.forEach(LocalTask::leaveRunning); // their sandboxes record enough for the next backend to adopt them
    } else {
      running.forEach(task -> groups.addAll(task.closing()));
      boolean forced = ProcessKiller.terminate(groups, config.killGracePeriod());
      running.forEach(task -> task.finish(forced));
    }
    timer.shutdownNow();
    agentLoops.values().forEach(ExecutorService::shutdown);
    workers.shutdown();
    // a worker may still be ending what an earlier backend left running (OrphanReaper writes the
    // sandbox's end record after the grace period): close returns once that is done, so nothing
    // writes into the sandbox root after close (a caller may delete it at once)
    try {
      Duration bound = config.killGracePeriod().plusSeconds(10);
      long deadline = System.nanoTime() + bound.toNanos();
      if (!workers.awaitTermination(bound.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("local backend closing: workers still busy after {}; not waiting longer", bound);
      }
      for (ExecutorService loop : agentLoops.values()) {
        if (!loop.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          LOG.warn("local backend closing: an agent's thread still busy after {}; not waiting longer", bound);
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    unlockRoot();
    if (was == State.STARTED && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    if (was == State.STARTED) {
      LOG.info("local backend closed; it {} {} running task(s)",
          config.keepTasksOnClose() ? "left running" : "stopped", running.size());
    }
  }

  private void awaitClosed() {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // -- for LocalTask

  Path sandboxRoot() {
    return config.sandboxRoot();
  }

  Duration killGracePeriod() {
    return config.killGracePeriod();
  }

  ProcessLauncher launcher() {
    return launcher;
  }

  Reporter reporter() {
    return reporter;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  ExecutorService workers() {
    return workers;
  }

  /** The thread that starts and runs the tasks of agent {@code agentId}; see {@link #agentLoops}. */
  ScheduledExecutorService agentLoop(String agentId) {
    ScheduledExecutorService loop = agentLoops.get(agentId);
    if (loop == null) {
      throw new IllegalStateException("no agent " + agentId); // placement gives only this backend's agents
    }
    return loop;
  }

  HttpClient httpClient() {
    HttpClient client = httpClient;
    if (client == null) {
      synchronized (this) {
        if (httpClient == null) {
          httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        client = httpClient;
      }
    }
    return client;
  }

  /** A task has ended with {@code status}: report it, give back its resources, keep its sandbox. */
  void ended(LocalTask task, TaskStatus status, Optional<Path> sandbox) {
    synchronized (ended) {
      endedProcesses.put(task.id(), task.processReports());
    }
    // the sandbox is findable as an ended task's before the task leaves the running ones and before
    // anyone hears it ended: a reader of its output between the two found neither
    sandbox.ifPresent(dir -> retention.add(task.id(), dir, Instant.now()));
    tasks.remove(task.id(), task);
    remember(status);
    reporter.status(status);
    pool.release(task.allocation());
  }

  /** Measures every task against its memory limit; one scan of the process table serves all. */
  private void checkMemory() {
    try {
      if (!tasks.isEmpty()) {
        ProcessTable table = ProcessTable.snapshot();
        tasks.values().forEach(task -> task.checkMemory(table));
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot check the tasks' memory", e); // and try again next time
    }
  }

  private TaskStatus endedOrLost(TaskId taskId) {
    synchronized (ended) {
      TaskStatus last = ended.get(taskId);
      if (last != null) {
        return last;
      }
    }
    return TaskStatus.of(taskId, ScheduleStatus.LOST, "task " + taskId + " is unknown to the local backend");
  }

  private void remember(TaskStatus status) {
    synchronized (ended) {
      ended.put(status.taskId(), status);
    }
  }

  private boolean isStarted(String what) {
    State now = state.get();
    if (now == State.NEW) {
      throw new IllegalStateException("cannot " + what + ": the local backend is not started");
    }
    if (now == State.CLOSED) {
      LOG.debug("ignoring {}: the local backend is closed", what);
    }
    return now == State.STARTED;
  }

  private void lockRoot() throws IOException {
    Path file = config.sandboxRoot().resolve(".lock");
    lockChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      lockChannel = null;
      throw new IllegalStateException("the sandbox root " + config.sandboxRoot()
          + " is in use by another local backend; give each backend a root of its own");
    }
    lockChannel.truncate(0);
    lockChannel.write(StandardCharsets.UTF_8.encode("pid " + ProcessHandle.current().pid() + "\n"));
  }

  private void unlockRoot() {
    try {
      if (lock != null) {
        lock.release();
      }
      if (lockChannel != null) {
        lockChannel.close();
      }
    } catch (IOException e) {
      LOG.warn("cannot release the lock on {}", config.sandboxRoot(), e);
    }
  }
}
