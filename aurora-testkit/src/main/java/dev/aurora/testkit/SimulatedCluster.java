package dev.aurora.testkit;

import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Offer;
import dev.aurora.core.OfferBook;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A cluster in memory: agents with attributes and resources that offer them, run tasks through
 * STARTING and RUNNING on the state loop's clock, and finish, fail or stay up as scripted. Tests kill
 * tasks, lose and restore agents, partition agents away and heal them, and read what runs where.
 *
 * <pre>{@code
 * SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(120).attributes(SimulatedCluster.racks(10)).build();
 * cluster.behave(t -> t.instance().job().equals(key), TaskBehavior.failAfter(Duration.ofSeconds(5)));
 * }</pre>
 *
 * <p>By default a task whose last process is {@code true} or {@code exit 0} finishes, {@code false} or
 * {@code exit N} fails, and anything else runs until killed; tasks with a health check are healthy.
 * Not thread-safe: drive it from the loop's thread.
 */
public final class SimulatedCluster implements ClusterBackend {

  /** How a simulated task behaves once launched. */
  public record TaskBehavior(Optional<Duration> endsAfter, ScheduleStatus endsAs, boolean healthy, String message) {
    /** Runs until killed, healthy. */
    public static TaskBehavior runForever() {
      return new TaskBehavior(Optional.empty(), ScheduleStatus.FINISHED, true, "");
    }

    /** Runs until killed, failing its health checks. */
    public static TaskBehavior unhealthy() {
      return new TaskBehavior(Optional.empty(), ScheduleStatus.FINISHED, false, "health check failed");
    }

    /** Exits 0 after running for {@code d}. */
    public static TaskBehavior finishAfter(Duration d) {
      return new TaskBehavior(Optional.of(d), ScheduleStatus.FINISHED, true, "exited 0");
    }

    /** Exits non-zero after running for {@code d}. */
    public static TaskBehavior failAfter(Duration d) {
      return new TaskBehavior(Optional.of(d), ScheduleStatus.FAILED, true, "exited 1");
    }
  }

  /** One simulated agent; its resources and offers are kept in the cluster's {@link OfferBook}. */
  public static final class Agent {
    final String id;
    final String hostname;
    final Map<String, String> attributes;
    /**
     * The tasks on the agent in launch order, each at its {@link Running#slot}; an ended task leaves a null
     * until the list is compacted. No map per task: launching a task only appends it.
     */
    private final ArrayList<@Nullable Running> tasks = new ArrayList<>();
    private int ended;
    private final OfferBook book;

    Agent(String id, String hostname, Map<String, String> attributes, OfferBook book) {
      this.id = id;
      this.hostname = hostname;
      this.attributes = attributes;
      this.book = book;
    }

    /** The agent's id. */
    public String id() {
      return id;
    }

    /** The agent's hostname. */
    public String hostname() {
      return hostname;
    }

    /** The agent's attributes. */
    public Map<String, String> attributes() {
      return attributes;
    }

    /** Free cpus now. */
    public double freeCpus() {
      return book.free(id).cpus();
    }

    /** Free ram now. */
    public long freeRamMb() {
      return book.free(id).ramMb();
    }

    /** Tasks on the agent now. */
    public Set<TaskId> tasks() {
      return Set.copyOf(taskIds());
    }

    void add(Running r) {
      r.slot = tasks.size();
      tasks.add(r);
    }

    void remove(Running r) {
      if (r.slot < 0 || r.slot >= tasks.size() || tasks.get(r.slot) != r) {
        return;
      }
      tasks.set(r.slot, null);
      r.slot = -1;
      if (++ended > 16 && ended > tasks.size() / 2) {
        compact();
      }
    }

    private void compact() {
      int to = 0;
      for (int i = 0; i < tasks.size(); i++) {
        Running r = tasks.get(i);
        if (r != null) {
          r.slot = to;
          tasks.set(to++, r);
        }
      }
      tasks.subList(to, tasks.size()).clear();
      ended = 0;
    }

    /** The tasks on the agent, in launch order. */
    List<Running> running() {
      List<Running> live = new ArrayList<>(tasks.size() - ended);
      for (Running r : tasks) {
        if (r != null) {
          live.add(r);
        }
      }
      return live;
    }

    private List<TaskId> taskIds() {
      List<TaskId> ids = new ArrayList<>(tasks.size() - ended);
      for (Running r : tasks) {
        if (r != null) {
          ids.add(r.launch.taskId());
        }
      }
      return ids;
    }

    private void clear() {
      tasks.clear();
      ended = 0;
    }
  }

  private final class Running implements Runnable {
    final TaskLaunch launch;
    final Agent agent;
    final OfferBook.Allocation allocation;
    ScheduleStatus state = ScheduleStatus.STARTING;
    /** The last health it reported (health-checked tasks that run), as a reconciled status carries it. */
    Optional<Boolean> healthy = Optional.empty();
    StateLoop.@Nullable Timer endTimer;
    /** Whether it runs still (not ended, killed or lost with its agent). */
    boolean live = true;
    /** Whether it is in the cluster's index by id (see {@link SimulatedCluster#running()}). */
    boolean indexed;
    /** Where it is in its agent's list of tasks. */
    int slot = -1;

    Running(TaskLaunch launch, Agent agent, OfferBook.Allocation allocation) {
      this.launch = launch;
      this.agent = agent;
      this.allocation = allocation;
    }

    /** The start timer. */
    @Override
    public void run() {
      starting(this);
    }
  }

  private final StateLoop loop;
  private final List<Agent> agents = new ArrayList<>();
  private final Map<String, Agent> byId = new HashMap<>();
  /**
   * Every agent's resources and offers, as Mesos keeps them, with one outstanding offer per agent at a
   * time and offers only of some cpu or memory.
   */
  private final OfferBook book;
  /**
   * Running tasks by id, for the lookups tests and the scheduler make (kills, reconciliation, queries).
   * A launch only appends its task to {@link #unindexed} and its agent's list; the index takes the
   * launches in at the next lookup, so placing tasks touches no map keyed by task id.
   */
  private final Map<TaskId, Running> running = new HashMap<>();
  private final ArrayList<Running> unindexed = new ArrayList<>();
  /** Tasks running now (launched and not ended or lost). */
  private int live;
  private final List<Map.Entry<Predicate<TaskLaunch>, TaskBehavior>> behaviors = new ArrayList<>();
  private final Duration startDelay;
  private final Duration runDelay;
  private final boolean containers;
  private @Nullable BackendListener listener;
  private long offerSeq;
  private boolean offerFlushQueued;
  private final List<Agent> dirty = new ArrayList<>();
  /** Partitioned agents, with the reports of their tasks held back until the partition heals. */
  private final Map<String, LinkedHashMap<TaskId, TaskStatus>> partitioned = new HashMap<>();
  private int launched;
  private boolean closed;
  private boolean dropStatusUpdates;

  private SimulatedCluster(Builder b) {
    this.loop = b.loop;
    this.startDelay = b.startDelay;
    this.runDelay = b.runDelay;
    this.containers = b.containers;
    OfferBook.Builder books = OfferBook.builder(OfferBook.Timer.on(loop)).oneOfferPerAgent()
        .offerOnlyIf(r -> r.cpus() > 0 || r.ramMb() > 0).offerIds(agentId -> "offer-" + (++offerSeq))
        .onRefusalEnd(agentId -> markDirty(byId.get(agentId)));
    List<OfferBook.AgentSpec> specs = new ArrayList<>();
    for (int i = 0; i < b.agents; i++) {
      Map<String, String> attrs = new LinkedHashMap<>(b.attributes.apply(i));
      String host = attrs.getOrDefault("host", "host-" + i);
      attrs.remove("host");
      specs.add(new OfferBook.AgentSpec("agent-" + i, host, Map.copyOf(attrs), b.cpus, b.ramMb, b.diskMb, b.gpus,
          b.portCount > 0 ? Optional.of(PortRange.of(b.portBase, b.portBase + b.portCount - 1)) : Optional.empty()));
    }
    this.book = books.agents(specs).build();
    for (OfferBook.AgentSpec spec : specs) {
      addAgent(new Agent(spec.id(), spec.hostname(), spec.attributes(), book));
    }
  }

  /** A builder whose timers run on {@code loop}. */
  public static Builder builder(StateLoop loop) {
    return new Builder(loop);
  }

  /** Attributes for agent i: rack {@code r<i mod racks>} and zone {@code z<i mod 3>}. */
  public static IntFunction<Map<String, String>> racks(int racks) {
    return i -> Map.of("rack", "r" + (i % racks), "zone", "z" + (i % 3));
  }

  /** Builds a {@link SimulatedCluster}. */
  public static final class Builder {
    private final StateLoop loop;
    private int agents = 10;
    private double cpus = 8;
    private long ramMb = 16_384;
    private long diskMb = 100_000;
    private int gpus;
    private int portBase = 31_000;
    private int portCount = 1_000;
    private IntFunction<Map<String, String>> attributes = i -> Map.of();
    private Duration startDelay = Duration.ofSeconds(1);
    private Duration runDelay = Duration.ofSeconds(1);
    private boolean containers = true;

    Builder(StateLoop loop) {
      this.loop = Objects.requireNonNull(loop, "loop");
    }

    /** How many agents (default 10). */
    public Builder agents(int agents) {
      this.agents = agents;
      return this;
    }

    /** Each agent's resources (default 8 cpus, 16 GiB ram, 100 GB disk, no gpus). */
    public Builder resources(double cpus, long ramMb, long diskMb, int gpus) {
      this.cpus = cpus;
      this.ramMb = ramMb;
      this.diskMb = diskMb;
      this.gpus = gpus;
      return this;
    }

    /** Each agent's ports: {@code count} from {@code base} (default 1000 from 31000). */
    public Builder ports(int base, int count) {
      this.portBase = base;
      this.portCount = count;
      return this;
    }

    /** The attributes of agent i ({@code host} sets the hostname; else {@code host-i}). */
    public Builder attributes(IntFunction<Map<String, String>> attributes) {
      this.attributes = attributes;
      return this;
    }

    /** How long after launch a task reports STARTING, and then RUNNING (default 1s each). */
    public Builder delays(Duration startDelay, Duration runDelay) {
      this.startDelay = startDelay;
      this.runDelay = runDelay;
      return this;
    }

    /**
     * Whether the cluster runs tasks with a {@code container} (default true); without, it refuses them
     * ({@link ClusterBackend#cannotRun}), as a backend with no container runtime does.
     */
    public Builder containers(boolean containers) {
      this.containers = containers;
      return this;
    }

    /** Builds the cluster. */
    public SimulatedCluster build() {
      return new SimulatedCluster(this);
    }
  }

  // ---------------------------------------------------------------- ClusterBackend

  @Override
  public java.util.Optional<String> cannotRun(dev.aurora.api.TaskConfig config) {
    if (!containers && config.container().isPresent()) {
      return java.util.Optional.of("the backend cannot run task.container " + config.container().get()
          + ": the simulated cluster is built without containers");
    }
    return java.util.Optional.empty();
  }

  @Override
  public void start(BackendListener listener) {
    // A (re)started framework gets fresh offers: whatever a previous one held is void, as on Mesos.
    this.listener = listener;
    this.closed = false;
    book.withdrawAll();
    for (Agent a : agents) {
      markDirty(a);
    }
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    OfferBook.Launch launch = book.use(offerIds);
    // the launch's agent, looked up once (null: the launch has a problem, and each task is LOST)
    Agent agent = launch.problem().isPresent() ? null : byId.get(launch.agentId().orElseThrow());
    // the launch's tasks start together: one start timer for all of them, in launch order
    Running[] started = new Running[agent == null ? 0 : tasks.size()];
    int n = 0;
    for (TaskLaunch t : tasks) {
      if (agent == null) {
        report(t.taskId(), ScheduleStatus.LOST, "offer no longer valid");
      } else {
        Running r = start(agent, launch, t);
        if (r != null) {
          started[n++] = r;
        }
      }
    }
    if (n == 1) {
      loop.schedule(startDelay, started[0]); // a lone task is its own start timer
    } else if (n > 1) {
      int count = n;
      loop.schedule(startDelay, () -> {
        for (int i = 0; i < count; i++) {
          starting(started[i]);
        }
      });
    }
    launch.agents().forEach(id -> markDirty(byId.get(id)));
  }

  /** Starts a launched task (its start timer is the caller's); null if it does not fit. */
  private Running start(Agent agent, OfferBook.Launch launch, TaskLaunch t) {
    OfferBook.Allocation allocation;
    try {
      allocation = launch.take(t);
    } catch (OfferBook.Shortfall e) {
      report(t.taskId(), ScheduleStatus.FAILED, "over-committed: the agent does not have the resources");
      return null;
    }
    Running r = new Running(t, agent, allocation);
    if (unindexed.size() >= 1024 && unindexed.size() > 2 * live) {
      running(); // most of those waiting ended unseen (no lookup since): let them go
    }
    unindexed.add(r);
    live++;
    agent.add(r);
    launched++;
    return r;
  }

  /** A launched task's start timer: it reports STARTING, and RUNNING after the run delay. */
  private void starting(Running r) {
    TaskId id = r.launch.taskId();
    if (r.live && r.state == ScheduleStatus.STARTING) {
      deliver(r.agent, TaskStatus.of(id, ScheduleStatus.STARTING, ""));
      loop.schedule(runDelay, () -> toRunning(r));
    }
  }

  private void toRunning(Running r) {
    if (!r.live || r.state != ScheduleStatus.STARTING) {
      return;
    }
    r.state = ScheduleStatus.RUNNING;
    TaskBehavior b = behaviorOf(r.launch);
    if (r.launch.config().healthCheck().isPresent()) {
      r.healthy = Optional.of(b.healthy());
    }
    TaskStatus s = r.launch.config().healthCheck().isPresent()
        ? dev.aurora.core.ImmutableTaskStatus.builder().taskId(r.launch.taskId()).state(ScheduleStatus.RUNNING)
            .healthy(b.healthy()).message(b.healthy() ? "" : b.message()).build()
        : TaskStatus.of(r.launch.taskId(), ScheduleStatus.RUNNING, "");
    deliver(r.agent, s);
    b.endsAfter().ifPresent(d -> r.endTimer = loop.schedule(d, () -> end(r, b.endsAs(), b.message())));
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    // As Mesos' refusal filter: no offer the declined resources cover until the refusal ends; an agent
    // with more free than that (a task ended there since) is offered again at once.
    book.decline(offerId, refuseFor).ifPresent(id -> markDirty(byId.get(id)));
  }

  @Override
  public void kill(TaskId taskId) {
    Running r = running().get(taskId);
    if (r == null) {
      report(taskId, ScheduleStatus.LOST, "unknown to the cluster");
      return;
    }
    if (partitioned.containsKey(r.agent.id)) {
      return; // the kill does not reach the agent; the scheduler sends it again when the task reports
    }
    end(r, ScheduleStatus.KILLED, "killed");
  }

  @Override
  public void reconcile(Set<TaskId> known) {
    List<Running> all = new ArrayList<>();
    for (Agent a : agents) {
      all.addAll(a.running());
    }
    for (Running r : all) { // agent by agent, each agent's in launch order
      if (partitioned.containsKey(r.agent.id)) {
        report(r.launch.taskId(), ScheduleStatus.PARTITIONED, "agent unreachable");
      } else if (r.state == ScheduleStatus.RUNNING && r.healthy.isPresent()) {
        emit(dev.aurora.core.ImmutableTaskStatus.builder().taskId(r.launch.taskId()).state(ScheduleStatus.RUNNING)
            .healthy(r.healthy.get()).message("reconciliation").build());
      } else {
        report(r.launch.taskId(), r.state, "reconciliation");
      }
    }
    Map<TaskId, Running> byTask = running();
    for (TaskId id : known) {
      if (!byTask.containsKey(id)) {
        report(id, ScheduleStatus.LOST, "unknown to the cluster");
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  // ---------------------------------------------------------------- test controls

  /** Scripts how launched tasks that {@code which} matches behave (the latest matching rule wins). */
  public SimulatedCluster behave(Predicate<TaskLaunch> which, TaskBehavior behavior) {
    behaviors.add(Map.entry(which, behavior));
    return this;
  }

  /** Scripts how tasks of one job behave. */
  public SimulatedCluster behave(JobKey job, TaskBehavior behavior) {
    return behave(t -> t.instance().job().equals(job), behavior);
  }

  /** Ends a running task from outside, as if its process were killed (reported KILLED). */
  public void killTask(TaskId id) {
    end(requireRunning(id), ScheduleStatus.KILLED, "killed outside the scheduler");
  }

  /** Makes a running task fail with {@code message}. */
  public void failTask(TaskId id, String message) {
    end(requireRunning(id), ScheduleStatus.FAILED, message);
  }

  /** Makes a running task exit 0. */
  public void finishTask(TaskId id) {
    end(requireRunning(id), ScheduleStatus.FINISHED, "exited 0");
  }

  /**
   * Reports the state of some of a running task's processes, as a backend running the task runner does
   * ({@link TaskStatus#processes(TaskId, List)}).
   */
  public void reportProcesses(TaskId id, List<dev.aurora.core.ProcessRecord> processes) {
    deliver(requireRunning(id).agent, TaskStatus.processes(id, processes));
  }

  /** Reports a running task's health. */
  public void setHealthy(TaskId id, boolean healthy) {
    Running r = requireRunning(id);
    if (r.launch.config().healthCheck().isPresent()) {
      r.healthy = Optional.of(healthy);
    }
    deliver(r.agent, TaskStatus.health(id, healthy, healthy ? "" : "health check failed"));
  }

  /**
   * Partitions an agent away from the scheduler, as a network partition does: its tasks run on, but
   * the scheduler is told each is unreachable ({@link TaskStatus#unreachable}), the agent offers
   * nothing, kills sent to it are lost, and what its tasks report is held back until {@link
   * #healAgent}.
   */
  public void partitionAgent(String agentId) {
    Agent a = requireAgent(agentId);
    if (partitioned.containsKey(agentId)) {
      return;
    }
    for (String offer : book.withdraw(agentId)) {
      if (listener != null) {
        listener.offerRescinded(offer);
      }
    }
    partitioned.put(agentId, new LinkedHashMap<>());
    for (TaskId id : a.taskIds()) {
      emit(TaskStatus.unreachable(id, "agent " + a.hostname + " unreachable"));
    }
  }

  /**
   * Heals an agent's partition: what its tasks reported meanwhile is delivered, each task still on it
   * reports its state again, and the agent offers again.
   */
  public void healAgent(String agentId) {
    Agent a = requireAgent(agentId);
    Map<TaskId, TaskStatus> held = partitioned.remove(agentId);
    if (held == null) {
      return;
    }
    held.values().forEach(this::emit);
    for (Running r : a.running()) {
      if (!held.containsKey(r.launch.taskId()) || held.get(r.launch.taskId()).state() != r.state) {
        emit(TaskStatus.of(r.launch.taskId(), r.state, "agent " + a.hostname + " reachable again"));
      }
    }
    markDirty(a);
  }

  /** Whether the agent is partitioned away now. */
  public boolean isPartitioned(String agentId) {
    return partitioned.containsKey(requireAgent(agentId).id);
  }

  /** Loses an agent with every task on it; the scheduler is told. */
  public void loseAgent(String agentId) {
    Agent a = requireAgent(agentId);
    partitioned.remove(agentId);
    for (String offer : book.lose(agentId)) {
      if (listener != null) {
        listener.offerRescinded(offer);
      }
    }
    for (Running r : a.running()) {
      forget(r);
    }
    a.clear();
    if (listener != null) {
      listener.agentLost(agentId);
    }
  }

  /** Brings a lost agent back, empty; it offers its resources again. */
  public void restoreAgent(String agentId) {
    Agent a = requireAgent(agentId);
    book.restore(agentId);
    markDirty(a);
  }

  /** Rescinds an agent's outstanding offer, if it has one. */
  public void rescindOffer(String agentId) {
    Agent a = requireAgent(agentId);
    List<String> offers = book.withdraw(agentId);
    for (String offer : offers) {
      listener.offerRescinded(offer);
    }
    if (!offers.isEmpty()) {
      loop.schedule(Duration.ofSeconds(1), () -> markDirty(a));
    }
  }

  /**
   * While {@code drop} is set, every status update is lost in transit: tasks go on (start, run, end)
   * but the scheduler hears nothing of it until it reconciles.
   */
  public void dropStatusUpdates(boolean drop) {
    this.dropStatusUpdates = drop;
  }

  /** Every agent. */
  public List<Agent> agents() {
    return List.copyOf(agents);
  }

  /** One agent by id. */
  public Agent agent(String agentId) {
    return requireAgent(agentId);
  }

  /** The agent with this hostname. */
  public Agent agentOnHost(String hostname) {
    return agents.stream().filter(a -> a.hostname.equals(hostname)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no agent on host " + hostname));
  }

  /** The ids of tasks the cluster runs now (STARTING or RUNNING). */
  public Set<TaskId> runningTasks() {
    return Set.copyOf(running().keySet());
  }

  /** The launch of a running task, if it runs. */
  public Optional<TaskLaunch> launchOf(TaskId id) {
    return Optional.ofNullable(running().get(id)).map(r -> r.launch);
  }

  /** The agent a task runs on, if it runs. */
  public Optional<Agent> agentOf(TaskId id) {
    return Optional.ofNullable(running().get(id)).map(r -> r.agent);
  }

  /** How many tasks were launched so far. */
  public int launchedCount() {
    return launched;
  }

  /** Offers outstanding now. */
  public int outstandingOffers() {
    return book.outstanding();
  }

  // ---------------------------------------------------------------- internals

  private void addAgent(Agent a) {
    agents.add(a);
    byId.put(a.id, a);
  }

  private Agent requireAgent(String agentId) {
    Agent a = byId.get(agentId);
    if (a == null) {
      throw new IllegalArgumentException("no agent " + agentId);
    }
    return a;
  }

  private Running requireRunning(TaskId id) {
    Running r = running().get(id);
    if (r == null) {
      throw new IllegalArgumentException("task " + id + " does not run on the cluster");
    }
    return r;
  }

  /** Running tasks by id, with the tasks launched since the last lookup taken in. */
  private Map<TaskId, Running> running() {
    if (!unindexed.isEmpty()) {
      for (Running r : unindexed) {
        if (r.live) {
          Running before = running.put(r.launch.taskId(), r);
          if (before != null && before != r) {
            before.indexed = false; // a task launched again under the same id: the later launch is found
          }
          r.indexed = true;
        }
      }
      unindexed.clear();
    }
    return running;
  }

  /** A task stops running (ended, killed, lost): no more reports from it, and no lookup finds it. */
  private void forget(Running r) {
    r.live = false;
    live--;
    if (r.endTimer != null) {
      r.endTimer.cancel();
    }
    if (r.indexed) {
      running.remove(r.launch.taskId(), r);
      r.indexed = false;
    }
  }

  private static final java.util.regex.Pattern EXIT_NON_ZERO = java.util.regex.Pattern.compile("exit [1-9][0-9]*");

  private TaskBehavior behaviorOf(TaskLaunch t) {
    for (int i = behaviors.size() - 1; i >= 0; i--) {
      if (behaviors.get(i).getKey().test(t)) {
        return behaviors.get(i).getValue();
      }
    }
    List<ProcessConfig> ps = t.processes();
    String last = ps.isEmpty() ? "" : ps.get(ps.size() - 1).command().trim();
    if (last.equals("true") || last.equals("exit 0")) {
      return TaskBehavior.finishAfter(Duration.ZERO);
    }
    if (last.equals("false") || EXIT_NON_ZERO.matcher(last).matches()) {
      return new TaskBehavior(Optional.of(Duration.ZERO), ScheduleStatus.FAILED, true,
          last.equals("false") ? "exited 1" : "exited " + last.substring(5));
    }
    return TaskBehavior.runForever();
  }

  private void end(Running r, ScheduleStatus as, String message) {
    if (!r.live) {
      return;
    }
    forget(r);
    Agent a = r.agent;
    a.remove(r);
    book.release(r.allocation);
    deliver(a, TaskStatus.of(r.launch.taskId(), as, message));
    markDirty(a);
  }

  private void report(TaskId id, ScheduleStatus state, String message) {
    emit(TaskStatus.of(id, state, message));
  }

  /** Reports on a task of agent {@code a}: now, or when its partition heals. */
  private void deliver(Agent a, TaskStatus s) {
    Map<TaskId, TaskStatus> held = partitioned.get(a.id);
    if (held != null) {
      held.put(s.taskId(), s);
    } else {
      emit(s);
    }
  }

  private void emit(TaskStatus s) {
    if (listener != null && !closed && !dropStatusUpdates) {
      listener.statusUpdate(s);
    }
  }

  /** Marks an agent to re-offer; offers go out together on the loop's next turn. */
  private void markDirty(Agent a) {
    dirty.add(a);
    if (!offerFlushQueued) {
      offerFlushQueued = true;
      loop.execute(this::flushOffers);
    }
  }

  private void flushOffers() {
    offerFlushQueued = false;
    if (listener == null || closed) {
      dirty.clear();
      return;
    }
    List<Offer> offers = new ArrayList<>();
    for (Agent a : dirty) {
      if (!partitioned.containsKey(a.id)) {
        book.offer(a.id).ifPresent(offers::add);
      }
    }
    dirty.clear();
    if (!offers.isEmpty()) {
      listener.offers(offers);
    }
  }

}
