package dev.aurora.testkit.mesos;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Mesos master for tests, as OkHttp's MockWebServer is an HTTP server: a real HTTP server on loopback
 * that speaks the v1 scheduler API (protobuf, RecordIO events) with simulated agents that run launched
 * tasks to RUNNING and on as scripted. It checks every call against the protocol (the body parses, the
 * {@code Mesos-Stream-Id} and framework id are the subscription's, offer ids were issued, a launch
 * stays within its offers and names their agent, acknowledgements name updates that were sent) and
 * records each violation; {@link #close()} (or, registered as an extension, the end of the test) fails
 * with the list. Faults are scripted: a dropped connection, silent heartbeats, a failover to another
 * master that the old one redirects to, duplicate, reordered and lost updates, rescinded offers, a lost
 * agent, a partitioned agent and its heal ({@link #partitionAgent}, {@link #healAgent}), a task that never
 * reports, error answers, unparsable events, statuses of unknown tasks.
 *
 * <p>Status updates behave as a Mesos agent's status update manager sends them: one update per task in
 * flight at a time; the task's next update is sent once the framework acknowledges the one before, and
 * an unacknowledged update is sent again with a doubling back-off ({@link Builder#updateRetry}).
 * Updates the master makes itself (an agent lost, a launch dropped, reconciliation) do not wait.
 *
 * <p>The server is a small HTTP/1.1 server of the testkit's own, one thread per connection, that answers
 * pipelined calls in order as a Mesos master (libprocess) does and streams the chunked event stream;
 * its handler is written against the JDK's {@code com.sun.net.httpserver.HttpExchange}, and it adds no
 * dependency to the testkit. Agents'
 * tasks do not run anything: each task's command chooses its script ({@code true} finishes, {@code
 * exit N} fails, anything else runs until killed) unless {@link #behave} says otherwise.
 *
 * <pre>{@code
 * @RegisterExtension FakeMesosMaster master = FakeMesosMaster.builder().agents(3).build();
 * MesosBackend backend = MesosBackend.builder().masters(master.detector()...)...
 * }</pre>
 */
public final class FakeMesosMaster implements AutoCloseable, AfterEachCallback {

  /** What a launched task does. */
  public enum Script {
    /** STARTING, RUNNING, and runs until killed. */
    RUN_FOREVER,
    /** STARTING, RUNNING, FINISHED. */
    FINISH,
    /** STARTING, RUNNING, FAILED with exit code 3. */
    FAIL,
    /** Sends no status at all (it stays STAGING). */
    NEVER_REPORT
  }

  /** What a launched task's health check reports once the task runs. */
  public enum Health {
    /** A first check passes: a RUNNING update with {@code healthy=true} (the default). */
    HEALTHY,
    /** A first check fails: a RUNNING update with {@code healthy=false}. */
    UNHEALTHY,
    /** No check reports (until {@link #setHealth}). */
    SILENT
  }

  /** A simulated agent. */
  public static final class Agent {
    final String id;
    /** The id as sent in each of its tasks' updates. */
    final Protos.AgentID agentId;
    final String hostname;
    final Map<String, String> attributes;
    final double cpus;
    final double mem;
    final double disk;
    final int portBegin;
    final int portEnd;
    double usedCpus;
    double usedMem;
    double usedDisk;
    final BitSet usedPorts = new BitSet();
    String offer;
    long refusedUntilNanos;
    boolean lost;
    /**
     * When the master marked the agent unreachable (a partition), or null while it is reachable: it
     * offers nothing, its updates wait at the agent, and it re-registers with {@link #healAgent}.
     */
    Protos.TimeInfo unreachableSince;
    /** The tasks the master reported unreachable (or lost) when the partition began. */
    final List<FakeTask> unreachable = new ArrayList<>();

    Agent(String id, String hostname, Map<String, String> attributes, double cpus, double mem, double disk,
        int portBegin, int portEnd) {
      this.id = id;
      this.agentId = Protos.AgentID.newBuilder().setValue(id).build();
      this.hostname = hostname;
      this.attributes = attributes;
      this.cpus = cpus;
      this.mem = mem;
      this.disk = disk;
      this.portBegin = portBegin;
      this.portEnd = portEnd;
    }

    /** The agent's id. */
    public String id() {
      return id;
    }

    /** The agent's hostname. */
    public String hostname() {
      return hostname;
    }
  }

  /**
   * An unacknowledged update is sent again after {@code updateRetry}, then after twice as long each
   * time, up to this many times {@code updateRetry} (a Mesos agent: 10 s doubling up to 10 min).
   */
  private static final long MAX_RETRY_FACTOR = 60;

  private static final class FakeTask {
    final Protos.TaskInfo info;
    final Agent agent;
    TaskState state = TaskState.TASK_STAGING;
    final Script script;
    /** For a task of a LAUNCH_GROUP: its executor on the agent (see {@code executors}); else null. */
    String executor;
    /** The last verdict of its health check, if it has one and one was reported. */
    Boolean healthy;
    /** The framework that launched it: only that framework hears of it, reconciles it or kills it. */
    String framework;

    FakeTask(Protos.TaskInfo info, Agent agent, Script script) {
      this.info = info;
      this.agent = agent;
      this.script = script;
    }
  }

  /** One subscription's event stream. */
  private static final class Stream {
    static final byte[] END = new byte[0];
    final String id = UUID.randomUUID().toString();
    final BlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
    volatile boolean open = true;

    void close() {
      open = false;
      out.add(END);
    }
  }

  private static final class Pending {
    final Protos.TaskStatus status;
    long sentNanos = System.nanoTime();
    /** How long after {@link #sentNanos} it is sent again; doubles with each retry, as a Mesos agent's. */
    long retryNanos;

    Pending(Protos.TaskStatus status) {
      this.status = status;
    }

    Protos.TaskStatus status() {
      return status;
    }
  }

  private record ErrorAnswer(Call.Type type, int status, String body) {}

  /** The status of an {@link ErrorAnswer} that closes the connection with no answer. */
  private static final int BREAK = -1;
  /** The status of an {@link ErrorAnswer} that never answers, the connection left open. */
  private static final int NEVER = -2;

  /** Guards {@link #callsPaused}; calls held by a pause or never answered wait on it. */
  private final Object held = new Object();
  private volatile boolean callsPaused;

  /** A default executor on an agent, running the tasks of its groups; its resources are used while it runs. */
  private static final class GroupExecutor {
    final Protos.ExecutorInfo info;
    int tasks;

    GroupExecutor(Protos.ExecutorInfo info) {
      this.info = info;
    }
  }


  private final Object lock = new Object();
  private final List<PipelinedHttpServer> servers = new ArrayList<>();
  private final ExecutorService handlers = Executors.newCachedThreadPool(daemon("fake-mesos-http"));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("fake-mesos"));
  private final Builder settings;
  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private final Map<String, Agent> offers = new HashMap<>();
  private final Map<String, Protos.Offer> offered = new HashMap<>();
  private final Set<String> issuedOffers = new HashSet<>();
  private final Map<String, FakeTask> tasks = new LinkedHashMap<>();
  private final Map<ByteString, Pending> pending = new LinkedHashMap<>();
  /**
   * Per task, the updates of its agent's status update stream not yet acknowledged, oldest first: only
   * the first is sent (and retried) until the framework acknowledges it, as a Mesos agent's status
   * update manager does.
   */
  private final Map<String, java.util.ArrayDeque<Protos.TaskStatus>> streams = new HashMap<>();
  private final Set<ByteString> issuedUuids = new HashSet<>();
  private final Set<String> pastStreams = new HashSet<>();
  private final List<String> violations = new ArrayList<>();
  private final List<Call> calls = new ArrayList<>();
  private final Map<Call.Type, AtomicInteger> callCounts = new EnumMap<>(Call.Type.class);
  /** The scheduler's end (address and port) of each connection that carried calls but SUBSCRIBE. */
  private final Set<java.net.InetSocketAddress> callPeers = new HashSet<>();
  private final List<Protos.FrameworkInfo> subscriptions = new ArrayList<>();
  private final List<Map.Entry<Predicate<Protos.TaskInfo>, Script>> behaviours = new ArrayList<>();
  private final List<ErrorAnswer> errorAnswers = new ArrayList<>();
  private final List<Map.Entry<Predicate<Protos.TaskInfo>, Health>> healthOnStart = new ArrayList<>();
  private final Map<String, Integer> launchesByName = new HashMap<>();
  /** The last update sent per task, if calls are recorded. */
  private final Map<String, Protos.TaskStatus> lastUpdates = new HashMap<>();
  /** Default executors running task groups, by agent id + "/" + executor id. */
  private final Map<String, GroupExecutor> executors = new HashMap<>();
  private final AtomicInteger seq = new AtomicInteger();
  /** The status updates' uuids: this master's random prefix and a counter (guarded by lock). */
  private final long uuidPrefix = new java.util.Random().nextLong();
  private long uuidSeq;
  private int leader;
  private Stream stream;
  private String frameworkId;
  private Protos.FrameworkInfo framework;
  private boolean suppressed;
  /** Agents with a maintenance window (Mesos's unavailability), by agent id. */
  private final Map<String, Protos.Unavailability> maintenance = new LinkedHashMap<>();
  /** Agents whose offers carry an unavailability (Offer.unavailability), by agent id. */
  private final Map<String, Protos.Unavailability> unavailable = new LinkedHashMap<>();
  /** Outstanding inverse offers of the current subscription: id to agent id. */
  private final Map<String, String> inverseOffers = new HashMap<>();
  private final Set<String> issuedInverseOffers = new HashSet<>();
  /** Agents whose inverse offer the framework accepted. */
  private final Set<String> acceptedInverseOffers = new HashSet<>();
  private boolean heartbeats = true;
  private boolean duplicateUpdates;
  private boolean reorderUpdates;
  private int dropUpdates;
  /** How many of the next acknowledged updates are sent once more as their acknowledgement arrives. */
  private int resendOnAcknowledge;
  private int duplicateAcknowledgements;
  private int droppedAcknowledgements;
  /** Written under the lock, read without it (the views are polled by benchmarks while calls go on). */
  private volatile long tasksRunning;
  private volatile int tasksLaunched;
  private volatile boolean closed;

  private FakeMesosMaster(Builder b) {
    this.settings = b;
    for (int i = 0; i < b.agents; i++) {
      String id = "agent-" + i;
      agents.put(id, new Agent(id, "host-" + i, b.attributes.apply(i), b.cpus, b.mem, b.disk, b.portBegin,
          b.portEnd));
    }
    try {
      for (int i = 0; i < b.masters; i++) {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        int index = i;
        PipelinedHttpServer server = new PipelinedHttpServer(at, 1000, b.tls, exchange -> {
          if (!"/api/v1/scheduler".equals(exchange.getRequestURI().getPath())) {
            respond(exchange, 404, "no such endpoint");
            return;
          }
          handle(index, exchange);
        }, handlers);
        server.start();
        servers.add(server);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot start the fake master", e);
    }
    long alloc = b.allocationInterval.toNanos();
    timer.scheduleWithFixedDelay(this::allocate, alloc, alloc, TimeUnit.NANOSECONDS);
    long hb = b.heartbeatInterval.toNanos();
    timer.scheduleWithFixedDelay(this::heartbeat, hb, hb, TimeUnit.NANOSECONDS);
    long retry = b.updateRetry.toNanos();
    timer.scheduleWithFixedDelay(this::retryUpdates, retry, retry, TimeUnit.NANOSECONDS);
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  // ------------------------------------------------------------------ views

  /**
   * Each master's base URI ({@code http://127.0.0.1:port}, {@code https://} with {@link Builder#https});
   * the first leads until {@link #failover()}.
   */
  public List<URI> uris() {
    List<URI> out = new ArrayList<>();
    for (PipelinedHttpServer s : servers) {
      out.add(URI.create((settings.tls != null ? "https" : "http") + "://127.0.0.1:" + s.getAddress().getPort()));
    }
    return out;
  }

  /** The leading master's base URI. */
  public URI leader() {
    synchronized (lock) {
      return uris().get(leader);
    }
  }

  /** The simulated agents. */
  public List<Agent> agents() {
    synchronized (lock) {
      return List.copyOf(agents.values());
    }
  }

  /** The framework id assigned, once a framework subscribed. */
  public Optional<String> frameworkId() {
    synchronized (lock) {
      return Optional.ofNullable(frameworkId);
    }
  }

  /** The FrameworkInfo of every SUBSCRIBE, in order. */
  public List<Protos.FrameworkInfo> subscriptions() {
    synchronized (lock) {
      return List.copyOf(subscriptions);
    }
  }

  /** Whether a subscription's stream is open. */
  public boolean connected() {
    synchronized (lock) {
      return stream != null && stream.open;
    }
  }

  /**
   * Whether the subscribed framework asked for no offers (SUPPRESS, not REVIVEd since); a new
   * subscription starts unsuppressed, as with a SUBSCRIBE naming no suppressed roles.
   */
  public boolean suppressed() {
    synchronized (lock) {
      return suppressed;
    }
  }

  /** Every call received (if the builder records them), in order. */
  public List<Call> calls() {
    synchronized (lock) {
      return List.copyOf(calls);
    }
  }

  /** The calls of one type received (if recorded). */
  public List<Call> calls(Call.Type type) {
    synchronized (lock) {
      return calls.stream().filter(c -> c.getType() == type).toList();
    }
  }

  /** How many calls of {@code type} were received. */
  public int callCount(Call.Type type) {
    synchronized (lock) {
      AtomicInteger n = callCounts.get(type);
      return n == null ? 0 : n.get();
    }
  }

  /**
   * How many TCP connections (by the scheduler's address and port) carried calls other than SUBSCRIBE
   * so far. A scheduler that pipelines its calls on one persistent connection, as Mesos's own scheduler
   * library does, uses one per subscription (and one more each time a connection breaks).
   */
  public int callConnections() {
    synchronized (lock) {
      return callPeers.size();
    }
  }

  /** The protocol violations seen so far. */
  public List<String> violations() {
    synchronized (lock) {
      return List.copyOf(violations);
    }
  }

  /** The state of a task the master knows. */
  public Optional<TaskState> state(String taskId) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      return t == null ? Optional.empty() : Optional.of(t.state);
    }
  }

  /**
   * The ids of tasks that are staging, starting or running on an agent that is not lost (a partitioned
   * agent's tasks still run there, and count).
   */
  public Set<String> activeTasks() {
    synchronized (lock) {
      Set<String> out = new HashSet<>();
      tasks.forEach((id, t) -> {
        if (!terminal(t.state) && !t.agent.lost) {
          out.add(id);
        }
      });
      return out;
    }
  }

  /** How many tasks are RUNNING. */
  public long runningCount() {
    return tasksRunning;
  }

  /** How many tasks were launched. */
  public int launchedCount() {
    return tasksLaunched;
  }

  /**
   * The active tasks (as {@link #activeTasks()}) by TaskInfo name (the scheduler's instance key): more
   * than one is an instance run twice.
   */
  public Map<String, Integer> activeByName() {
    synchronized (lock) {
      Map<String, Integer> out = new HashMap<>();
      tasks.values().forEach(t -> {
        if (!terminal(t.state) && !t.agent.lost) {
          out.merge(t.info.getName(), 1, Integer::sum);
        }
      });
      return out;
    }
  }

  /**
   * The id of the framework that launched a task. A framework hears only of its own tasks: a scheduler
   * that subscribes without its earlier framework id is a new framework, which neither reconciles nor
   * kills the earlier framework's tasks; those keep running (as Mesos keeps them for {@code
   * failover_timeout}) until {@link #failoverTimeoutPassed()}.
   */
  public Optional<String> frameworkOf(String taskId) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      return t == null ? Optional.empty() : Optional.ofNullable(t.framework);
    }
  }

  /**
   * The {@code failover_timeout} of every framework other than the subscribed one has passed: the
   * master kills their tasks that are still active, as Mesos does to a framework that did not
   * re-subscribe in time (no update goes to the subscribed framework). Returns how many were killed.
   */
  public int failoverTimeoutPassed() {
    synchronized (lock) {
      int killed = 0;
      for (FakeTask t : tasks.values()) {
        if (!ours(t) && !terminal(t.state)) {
          update(t, TaskState.TASK_KILLED, "framework removed: failover timeout", null);
          killed++;
        }
      }
      return killed;
    }
  }

  /** The agent a task was launched on. */
  public Optional<String> agentOf(String taskId) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      return t == null ? Optional.empty() : Optional.of(t.agent.id);
    }
  }

  /** The task as launched. */
  public Optional<Protos.TaskInfo> taskInfo(String taskId) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      return t == null ? Optional.empty() : Optional.of(t.info);
    }
  }

  /** How many status updates were sent and not acknowledged yet. */
  public int unacknowledged() {
    synchronized (lock) {
      return pending.size();
    }
  }

  /**
   * How many ACKNOWLEDGE calls named an update that was acknowledged already. A Mesos master answers
   * such a call 202 Accepted and passes it on to the agent, whose status update manager ignores it
   * ("Duplicate status update acknowledgment"): it happens whenever a retried update crosses the
   * acknowledgement of its first copy, and is no violation. This master does the same: it counts it.
   */
  public int duplicateAcknowledgements() {
    synchronized (lock) {
      return duplicateAcknowledgements;
    }
  }

  /**
   * How many ACKNOWLEDGE calls named an update of an agent that was lost or partitioned when the call
   * came. A Mesos master drops those (its agent is not registered: "Cannot send status update
   * acknowledgement ... agent is not registered"); a partitioned agent sends the update again when it
   * re-registers, to be acknowledged again. No violation: the scheduler cannot know.
   */
  public int droppedAcknowledgements() {
    synchronized (lock) {
      return droppedAcknowledgements;
    }
  }

  /** How many offers are outstanding. */
  public int outstandingOffers() {
    synchronized (lock) {
      return offers.size();
    }
  }

  /** How many offers of the agent are outstanding (none while it is partitioned). */
  public int outstandingOffers(String agentId) {
    synchronized (lock) {
      return (int) offers.values().stream().filter(a -> a.id.equals(agentId)).count();
    }
  }

  /**
   * The last status update sent to the framework for a task (if the builder records calls): the
   * agent's, or one the master made itself (an unreachable agent, a re-registration, reconciliation).
   */
  public Optional<Protos.TaskStatus> lastUpdate(String taskId) {
    synchronized (lock) {
      return Optional.ofNullable(lastUpdates.get(taskId));
    }
  }

  /** Whether the agent is partitioned from the master ({@link #partitionAgent}, not healed since). */
  public boolean partitioned(String agentId) {
    synchronized (lock) {
      return agent(agentId).unreachableSince != null;
    }
  }

  // ------------------------------------------------------------------ scripting

  /** Tasks matching {@code which}, launched from now on, follow {@code script}. */
  public FakeMesosMaster behave(Predicate<Protos.TaskInfo> which, Script script) {
    synchronized (lock) {
      behaviours.add(0, Map.entry(which, script));
    }
    return this;
  }

  /**
   * Tasks with a health check ({@code TaskInfo.health_check}) matching {@code which}, launched from now
   * on, report {@code health} once RUNNING (by default a first check passes).
   */
  public FakeMesosMaster healthOnStart(Predicate<Protos.TaskInfo> which, Health health) {
    synchronized (lock) {
      healthOnStart.add(0, Map.entry(which, health));
    }
    return this;
  }

  /**
   * One check of a running task's health check passes ({@code true}) or fails: a TASK_RUNNING update
   * with {@code healthy} set (reason {@code REASON_TASK_HEALTH_CHECK_STATUS_UPDATED}), as Mesos's
   * executors send on each failure and on a pass after failures. Script a task healthy, then unhealthy,
   * then healthy again with three calls.
   *
   * @throws IllegalStateException if the task is not running or has no health check
   */
  public void setHealth(String taskId, boolean healthy) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      if (t == null || t.state != TaskState.TASK_RUNNING || !t.info.hasHealthCheck()) {
        throw new IllegalStateException("task " + taskId + " is not running with a health check");
      }
      reportHealth(t, healthy);
    }
  }

  /** The last health a task reported, if it has a health check and reported one. */
  public Optional<Boolean> health(String taskId) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      return t == null ? Optional.empty() : Optional.ofNullable(t.healthy);
    }
  }

  private void reportHealth(FakeTask t, boolean healthy) {
    t.healthy = healthy;
    Protos.TaskStatus s = status(t, TaskState.TASK_RUNNING,
        healthy ? "" : "health check failed", Protos.TaskStatus.Reason.REASON_TASK_HEALTH_CHECK_STATUS_UPDATED, true)
        .toBuilder().setHealthy(healthy).setSource(Protos.TaskStatus.Source.SOURCE_EXECUTOR).build();
    forward(s);
  }

  /** A running task ends FINISHED. */
  public void finishTask(String taskId) {
    end(taskId, TaskState.TASK_FINISHED, "exit 0", null);
  }

  /**
   * The task's executor sends an update (source SOURCE_EXECUTOR) in {@code state} carrying {@code data},
   * as a custom executor does, e.g. the task runner's with its per-process records; the master
   * forwards it to the scheduler like any other. Ignored for an unknown or ended task.
   */
  public void executorUpdate(String taskId, TaskState state, String message, byte[] data) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      if (t != null && !terminal(t.state)) {
        update(t, state, message, null, ByteString.copyFrom(data));
      }
    }
  }

  /** A running task ends FAILED. */
  public void failTask(String taskId, String message) {
    end(taskId, TaskState.TASK_FAILED, message, Protos.TaskStatus.Reason.REASON_COMMAND_EXECUTOR_FAILED);
  }

  // ------------------------------------------------------------------ faults

  /** Drops the subscription's connection (the scheduler should subscribe again). */
  public void dropConnection() {
    synchronized (lock) {
      if (stream != null) {
        stream.close();
        stream = null;
      }
    }
  }

  /** Stops sending heartbeats (and offers) on an open stream, as a hung master or network would. */
  public void stopHeartbeats() {
    synchronized (lock) {
      heartbeats = false;
    }
  }

  /** Sends heartbeats again. */
  public void resumeHeartbeats() {
    synchronized (lock) {
      heartbeats = true;
    }
  }

  /**
   * The next master leads: the subscription is dropped, outstanding offers are gone, and the old leader
   * answers 307 to the new one. Tasks and their states survive, as agents re-register with a new master.
   */
  public void failover() {
    synchronized (lock) {
      leader = (leader + 1) % servers.size();
      dropConnection();
      offers.values().forEach(a -> a.offer = null);
      offers.clear();
    }
  }

  /** Each status update is sent twice (same uuid) while on. */
  public void duplicateUpdates(boolean on) {
    synchronized (lock) {
      duplicateUpdates = on;
    }
  }

  /** A task's STARTING is sent after its RUNNING while on. */
  public void reorderUpdates(boolean on) {
    synchronized (lock) {
      reorderUpdates = on;
    }
  }

  /** The next {@code n} status updates are lost on the way (they are retried until acknowledged). */
  public void loseUpdates(int n) {
    synchronized (lock) {
      dropUpdates += n;
    }
  }

  /**
   * The next {@code n} updates the framework acknowledges are each sent once more just as their
   * acknowledgement arrives, before it is handled: an agent's retry that crosses the acknowledgement
   * on the way, as happens when acknowledgements lag behind the retry interval. The copy reaches the
   * framework after (or, on another connection, about when) the answer to its acknowledgement.
   */
  public void resendOnAcknowledge(int n) {
    synchronized (lock) {
      resendOnAcknowledge += n;
    }
  }

  /** Rescinds every outstanding offer. */
  public void rescindOffers() {
    synchronized (lock) {
      for (String id : new ArrayList<>(offers.keySet())) {
        Agent a = offers.remove(id);
        a.offer = null;
        emit(Event.newBuilder().setType(Event.Type.RESCIND).setRescind(Event.Rescind.newBuilder()
            .setOfferId(Protos.OfferID.newBuilder().setValue(id))).build());
      }
    }
  }

  /**
   * The agent is gone: its offers are rescinded, a FAILURE names it, and each of its tasks is reported
   * TASK_LOST (TASK_UNREACHABLE to a partition-aware framework). It never offers again.
   */
  public void loseAgent(String agentId) {
    synchronized (lock) {
      Agent a = agents.get(agentId);
      a.lost = true;
      if (a.offer != null) {
        offers.remove(a.offer);
        emit(Event.newBuilder().setType(Event.Type.RESCIND).setRescind(Event.Rescind.newBuilder()
            .setOfferId(Protos.OfferID.newBuilder().setValue(a.offer))).build());
        a.offer = null;
      }
      emit(Event.newBuilder().setType(Event.Type.FAILURE).setFailure(Event.Failure.newBuilder()
          .setAgentId(Protos.AgentID.newBuilder().setValue(agentId))).build());
      TaskState state = partitionAware() ? TaskState.TASK_UNREACHABLE : TaskState.TASK_LOST;
      for (FakeTask t : tasks.values()) {
        if (t.agent != a) {
          continue;
        }
        // the updates the gone agent kept never come, and one it sent is not retried (retries are the
        // agent's)
        java.util.ArrayDeque<Protos.TaskStatus> q = streams.remove(t.info.getTaskId().getValue());
        if (q != null) {
          q.forEach(s -> pending.remove(s.getUuid()));
        }
        if (!terminal(t.state)) {
          // the master says so itself, at once, with no uuid and nothing to acknowledge (a Mesos
          // master's update for a removed or unreachable agent has none)
          enter(t, state);
          if (ours(t)) {
            sendUpdate(status(t, state, "agent " + agentId + " lost", Protos.TaskStatus.Reason.REASON_AGENT_REMOVED,
                false));
          }
        }
      }
    }
  }

  /**
   * The agent is cut off from the master by a network partition, as when it fails the master's health
   * checks: the master marks it unreachable, rescinds its offers and makes none, reports each of its
   * tasks TASK_UNREACHABLE (TASK_LOST to a framework that is not PARTITION_AWARE) with the {@code
   * unreachable_time}, reason {@code REASON_AGENT_REMOVED}, and sends a FAILURE naming the agent. The
   * tasks run on behind the partition: their updates wait at the agent ({@link #finishTask} there is
   * reported after the heal), a KILL does not reach them (the master answers with the task's
   * unreachable state, as it answers a kill of a task it cannot find by reconciling it), and
   * reconciliation reports them unreachable. Ended with {@link #healAgent}.
   *
   * @throws IllegalArgumentException if there is no such agent
   * @throws IllegalStateException if the agent is lost or already partitioned
   */
  public void partitionAgent(String agentId) {
    synchronized (lock) {
      Agent a = agent(agentId);
      if (a.lost || a.unreachableSince != null) {
        throw new IllegalStateException("agent " + agentId + " is " + (a.lost ? "lost" : "partitioned already"));
      }
      long now = System.currentTimeMillis();
      a.unreachableSince = Protos.TimeInfo.newBuilder().setNanoseconds(now * 1_000_000L).build();
      if (a.offer != null) {
        offers.remove(a.offer);
        offered.remove(a.offer);
        emit(Event.newBuilder().setType(Event.Type.RESCIND).setRescind(Event.Rescind.newBuilder()
            .setOfferId(Protos.OfferID.newBuilder().setValue(a.offer))).build());
        a.offer = null;
      }
      TaskState state = partitionAware() ? TaskState.TASK_UNREACHABLE : TaskState.TASK_LOST;
      for (FakeTask t : tasks.values()) {
        if (t.agent == a && !terminal(t.state)) {
          a.unreachable.add(t);
          if (!ours(t)) {
            continue; // another framework's task: this framework hears nothing of it
          }
          // the master's own update, not the agent's: no uuid, nothing to acknowledge (as Mesos's)
          sendUpdate(status(t, state, "agent " + agentId + " is unreachable",
              Protos.TaskStatus.Reason.REASON_AGENT_REMOVED, false).toBuilder()
              .setUnreachableTime(a.unreachableSince).build());
        }
      }
      emit(Event.newBuilder().setType(Event.Type.FAILURE).setFailure(Event.Failure.newBuilder()
          .setAgentId(Protos.AgentID.newBuilder().setValue(agentId))).build());
    }
  }

  /**
   * A partitioned agent re-registers with the master, as Mesos allows: for each task reported unreachable
   * the master sends the task's current state (TASK_RUNNING for one still running; reason {@code
   * REASON_AGENT_REREGISTERED}, source master, no uuid), whether the framework is PARTITION_AWARE or not;
   * then the agent sends the updates it kept (retrying any left unacknowledged), and the agent offers
   * again.
   *
   * @throws IllegalArgumentException if there is no such agent
   * @throws IllegalStateException if the agent is not partitioned
   */
  public void healAgent(String agentId) {
    synchronized (lock) {
      Agent a = agent(agentId);
      if (a.unreachableSince == null) {
        throw new IllegalStateException("agent " + agentId + " is not partitioned");
      }
      a.unreachableSince = null;
      a.refusedUntilNanos = 0;
      for (FakeTask t : a.unreachable) {
        if (!ours(t)) {
          continue; // another framework's task
        }
        sendUpdate(withHealth(t, status(t, t.state, "agent " + agentId
            + " reregistered", Protos.TaskStatus.Reason.REASON_AGENT_REREGISTERED, false)));
      }
      a.unreachable.clear();
      // the agent's status update manager sends again what it holds: an update sent before the partition
      // and not acknowledged, and the first of those kept while the master could not be reached
      for (FakeTask t : tasks.values()) {
        if (t.agent != a) {
          continue;
        }
        java.util.ArrayDeque<Protos.TaskStatus> q = streams.get(t.info.getTaskId().getValue());
        if (q == null || q.isEmpty()) {
          continue;
        }
        Pending p = pending.get(q.peekFirst().getUuid());
        if (p != null) {
          p.sentNanos = System.nanoTime();
          sendUpdate(p.status());
        } else {
          send(q.peekFirst());
        }
      }
    }
  }

  private Agent agent(String agentId) {
    Agent a = agents.get(agentId);
    if (a == null) {
      throw new IllegalArgumentException("no agent " + agentId);
    }
    return a;
  }

  /**
   * Schedules maintenance of an agent, as an operator's maintenance schedule does: the framework gets an
   * INVERSE_OFFERS event for the agent with the window ({@code start}, {@code duration}) in its
   * unavailability, and a new one after each later subscription, until it accepts one
   * (ACCEPT_INVERSE_OFFERS: the framework is done with the agent). Declining leaves it outstanding no
   * more; it comes again with the next subscription.
   */
  public void scheduleMaintenance(String agentId, java.time.Instant start, Duration duration) {
    synchronized (lock) {
      if (!agents.containsKey(agentId)) {
        throw new IllegalArgumentException("no agent " + agentId);
      }
      maintenance.put(agentId, unavailability(start, duration));
      unavailable.put(agentId, maintenance.get(agentId));
      acceptedInverseOffers.remove(agentId);
      sendInverseOffer(agentId);
    }
  }

  /**
   * The agent's offers carry an unavailability window ({@code Offer.unavailability}) from now on, with
   * no inverse offer: what Mesos's maintenance schedule gives a framework that holds nothing on the agent
   * (inverse offers go to the frameworks using it). {@link #scheduleMaintenance} sets it too; {@link
   * #cancelMaintenance} ends it.
   */
  public void scheduleUnavailability(String agentId, java.time.Instant start, Duration duration) {
    synchronized (lock) {
      if (!agents.containsKey(agentId)) {
        throw new IllegalArgumentException("no agent " + agentId);
      }
      unavailable.put(agentId, unavailability(start, duration));
    }
  }

  private static Protos.Unavailability unavailability(java.time.Instant start, Duration duration) {
    return Protos.Unavailability.newBuilder()
        .setStart(Protos.TimeInfo.newBuilder().setNanoseconds(start.getEpochSecond() * 1_000_000_000L + start.getNano()))
        .setDuration(Protos.DurationInfo.newBuilder().setNanoseconds(duration.toNanos())).build();
  }

  /**
   * Ends an agent's maintenance: its outstanding inverse offer is rescinded (RESCIND_INVERSE_OFFER) and
   * its offers carry no unavailability any more.
   */
  public void cancelMaintenance(String agentId) {
    synchronized (lock) {
      maintenance.remove(agentId);
      unavailable.remove(agentId);
      acceptedInverseOffers.remove(agentId);
      for (Map.Entry<String, String> e : new ArrayList<>(inverseOffers.entrySet())) {
        if (e.getValue().equals(agentId)) {
          inverseOffers.remove(e.getKey());
          emit(Event.newBuilder().setType(Event.Type.RESCIND_INVERSE_OFFER)
              .setRescindInverseOffer(Event.RescindInverseOffer.newBuilder()
                  .setInverseOfferId(Protos.OfferID.newBuilder().setValue(e.getKey()))).build());
        }
      }
    }
  }

  /** Whether the framework accepted an inverse offer for the agent (it is done with it for the window). */
  public boolean inverseOfferAccepted(String agentId) {
    synchronized (lock) {
      return acceptedInverseOffers.contains(agentId);
    }
  }

  /** The inverse offers sent and neither accepted, declined nor rescinded, by id, with their agent's id. */
  public Map<String, String> outstandingInverseOffers() {
    synchronized (lock) {
      return Map.copyOf(inverseOffers);
    }
  }

  private void sendInverseOffer(String agentId) {
    if (stream == null || !stream.open || frameworkId == null) {
      return; // sent with the next subscription
    }
    String id = "inverse-offer-" + seq.incrementAndGet();
    issuedInverseOffers.add(id);
    inverseOffers.put(id, agentId);
    emit(Event.newBuilder().setType(Event.Type.INVERSE_OFFERS).setInverseOffers(Event.InverseOffers.newBuilder()
        .addInverseOffers(Protos.InverseOffer.newBuilder().setId(Protos.OfferID.newBuilder().setValue(id))
            .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId))
            .setAgentId(Protos.AgentID.newBuilder().setValue(agentId))
            .setUnavailability(maintenance.get(agentId)))).build());
  }

  private void answerInverseOffers(List<Protos.OfferID> ids, boolean accepted) {
    for (Protos.OfferID id : ids) {
      if (!issuedInverseOffers.contains(id.getValue())) {
        violation((accepted ? "ACCEPT" : "DECLINE") + "_INVERSE_OFFERS of inverse offer " + id.getValue()
            + " that was never sent");
        continue;
      }
      String agent = inverseOffers.remove(id.getValue());
      if (agent != null && accepted) {
        acceptedInverseOffers.add(agent);
      }
    }
  }

  /** The next {@code times} calls of {@code type} are answered {@code status} with {@code body}, unprocessed. */
  public void answer(Call.Type type, int status, String body, int times) {
    synchronized (lock) {
      for (int i = 0; i < times; i++) {
        errorAnswers.add(new ErrorAnswer(type, status, body));
      }
    }
  }

  /**
   * The next call of {@code type} is read but not processed, and its connection is closed without an
   * answer, as when a scheduler's connection to the master breaks: the calls in flight on it get no
   * answer, and the subscription (its event stream) lives on.
   */
  public void breakCallConnection(Call.Type type) {
    synchronized (lock) {
      errorAnswers.add(new ErrorAnswer(type, BREAK, ""));
    }
  }

  /**
   * The next call of {@code type} is read but neither processed nor answered, and its connection is
   * left open, as when a master hangs or the network drops packets: the calls pipelined after it on
   * that connection wait behind it (read by nothing) until the scheduler gives up on the connection.
   * The subscription (its event stream) lives on.
   */
  public void neverAnswer(Call.Type type) {
    synchronized (lock) {
      errorAnswers.add(new ErrorAnswer(type, NEVER, ""));
    }
  }

  /**
   * Calls (but SUBSCRIBE) are read but wait, unprocessed and unanswered, until {@link #resumeCalls()}:
   * a slow master. Events (updates, offers) still flow. Calls that arrive meanwhile are processed in the
   * order they were sent on each connection.
   */
  public void pauseCalls() {
    synchronized (held) {
      callsPaused = true;
    }
  }

  /** Processes and answers the calls held since {@link #pauseCalls()}, and the later ones at once. */
  public void resumeCalls() {
    synchronized (held) {
      callsPaused = false;
      held.notifyAll();
    }
  }

  /** Sends an ERROR event (the master says the framework did something it must not). */
  public void sendError(String message) {
    synchronized (lock) {
      emit(Event.newBuilder().setType(Event.Type.ERROR).setError(Event.Error.newBuilder().setMessage(message))
          .build());
    }
  }

  /** Sends a RecordIO record that is no Event. */
  public void sendUnparsableEvent() {
    synchronized (lock) {
      if (stream != null) {
        stream.out.add(frame(new byte[] {0x0a, 0x05, 0x01}));
      }
    }
  }

  /** Sends a status update (with a uuid to acknowledge) for a task that was never launched. */
  public void sendStatusOfUnknownTask(String taskId, TaskState state) {
    synchronized (lock) {
      Agent a = agents.values().iterator().next();
      Protos.TaskStatus s = status(taskId, a.id, state, "a task the scheduler never launched", null, true);
      pending.put(s.getUuid(), new Pending(s));
      sendUpdate(s);
    }
  }

  // ------------------------------------------------------------------ close

  /** Stops the servers; fails with every protocol violation seen. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (held) {
      held.notifyAll();
    }
    synchronized (lock) {
      if (stream != null) {
        stream.close();
      }
    }
    timer.shutdownNow();
    servers.forEach(PipelinedHttpServer::stop);
    handlers.shutdownNow();
    List<String> v = violations();
    if (!v.isEmpty()) {
      throw new AssertionError("the scheduler broke the Mesos protocol " + v.size() + " time(s):\n  "
          + String.join("\n  ", v));
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  // ------------------------------------------------------------------ HTTP

  private void handle(int server, HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        respond(exchange, 405, "POST only");
        return;
      }
      synchronized (lock) {
        if (server != leader) {
          URI to = uris().get(leader);
          exchange.getResponseHeaders().add("Location", "//" + to.getHost() + ":" + to.getPort() + "/api/v1/scheduler");
          exchange.sendResponseHeaders(307, -1);
          return;
        }
      }
      if (settings.principal != null) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
            (settings.principal + ":" + settings.secret).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
          respond(exchange, 401, "authentication required");
          return;
        }
      }
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Call call;
      // an ACKNOWLEDGE (two per task) is read straight from its bytes, checked the same, when calls are
      // not kept: no Call and five nested messages (each with its unknown-field set) made for it
      Ack ack = settings.recordCalls ? null : Ack.read(body);
      try {
        call = ack != null ? ACKNOWLEDGE_READ_DIRECTLY : Call.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        violation("a call body that does not parse: " + e.getMessage());
        respond(exchange, 400, "Failed to parse body into Call protobuf");
        return;
      }
      String type = exchange.getRequestHeaders().getFirst("Content-Type");
      if (!"application/x-protobuf".equals(type)) {
        violation(call.getType() + " with Content-Type " + type);
      }
      if (call.getType() != Call.Type.SUBSCRIBE) {
        awaitCalls(false);
      }
      if (call == ACKNOWLEDGE_READ_DIRECTLY) {
        String problem = null;
        boolean whole = false;
        synchronized (lock) {
          if (!errorAnswers.isEmpty()) {
            whole = true; // scripted answers are matched on the whole call
          } else {
            callCounts.computeIfAbsent(Call.Type.ACKNOWLEDGE, t -> new AtomicInteger()).incrementAndGet();
            callPeers.add(exchange.getRemoteAddress());
            problem = checkStream(Call.Type.ACKNOWLEDGE, ack.frameworkId(),
                exchange.getRequestHeaders().getFirst("Mesos-Stream-Id"));
            if (problem == null) {
              acknowledge(ack.uuid(), ack.taskId(), ack.agentId());
            }
          }
        }
        if (!whole) {
          if (problem != null) {
            respond(exchange, 400, problem);
          } else {
            exchange.sendResponseHeaders(202, -1);
          }
          return;
        }
        call = Call.parseFrom(body);
      }
      ErrorAnswer error = null;
      synchronized (lock) {
        if (settings.recordCalls) {
          calls.add(call);
        }
        callCounts.computeIfAbsent(call.getType(), t -> new AtomicInteger()).incrementAndGet();
        if (call.getType() != Call.Type.SUBSCRIBE) {
          callPeers.add(exchange.getRemoteAddress());
        }
        for (int i = 0; i < errorAnswers.size(); i++) {
          if (errorAnswers.get(i).type() == call.getType()) {
            error = errorAnswers.remove(i);
            break;
          }
        }
      }
      if (error != null && error.status() == NEVER) {
        awaitCalls(true); // until the master closes
        return;
      }
      if (error != null) {
        if (error.status() != BREAK) {
          respond(exchange, error.status(), error.body());
        }
        // else: closing the exchange with no answer sent closes its connection
        return;
      }
      if (call.getType() == Call.Type.SUBSCRIBE) {
        subscribe(call, exchange);
        return;
      }
      String problem;
      synchronized (lock) {
        problem = checkStream(call.getType(), call.hasFrameworkId() ? call.getFrameworkId().getValue() : null,
            exchange.getRequestHeaders().getFirst("Mesos-Stream-Id"));
        if (problem == null) {
          problem = process(call);
        }
      }
      if (problem != null) {
        respond(exchange, 400, problem);
      } else {
        exchange.sendResponseHeaders(202, -1);
      }
    }
  }

  /** Waits while calls are paused ({@code forever}: until the master closes). */
  private void awaitCalls(boolean forever) throws IOException {
    if (!forever && !callsPaused) {
      return; // the common case: no lock taken per call
    }
    synchronized (held) {
      try {
        while ((forever || callsPaused) && !closed) {
          held.wait();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("the fake master is closing");
      }
    }
  }

  /** Stands for an ACKNOWLEDGE read by {@link Ack#read} (never sent, never parsed). */
  private static final Call ACKNOWLEDGE_READ_DIRECTLY = Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).build();

  /** An ACKNOWLEDGE call's fields, read from its bytes (framework id null if it has none). */
  private record Ack(String frameworkId, String agentId, String taskId, ByteString uuid) {
    /**
     * The fields of an ACKNOWLEDGE with the fields the v1 API gives it and no other, or null for any other
     * call or shape (which is then parsed whole, and checked as any call).
     */
    static Ack read(byte[] body) {
      try {
        com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(body);
        String framework = null;
        String agent = null;
        String task = null;
        ByteString uuid = null;
        boolean acknowledge = false;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          int field = com.google.protobuf.WireFormat.getTagFieldNumber(tag);
          int wire = com.google.protobuf.WireFormat.getTagWireType(tag);
          if (field == Call.TYPE_FIELD_NUMBER && wire == com.google.protobuf.WireFormat.WIRETYPE_VARINT) {
            if (in.readEnum() != Call.Type.ACKNOWLEDGE_VALUE) {
              return null;
            }
            acknowledge = true;
          } else if (field == Call.FRAMEWORK_ID_FIELD_NUMBER && wire == 2) {
            framework = idValue(in);
            if (framework == null) {
              return null;
            }
          } else if (field == Call.ACKNOWLEDGE_FIELD_NUMBER && wire == 2) {
            int old = in.pushLimit(in.readRawVarint32());
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
              int f = com.google.protobuf.WireFormat.getTagFieldNumber(t);
              if (com.google.protobuf.WireFormat.getTagWireType(t) != 2) {
                return null;
              }
              if (f == Call.Acknowledge.AGENT_ID_FIELD_NUMBER) {
                agent = idValue(in);
              } else if (f == Call.Acknowledge.TASK_ID_FIELD_NUMBER) {
                task = idValue(in);
              } else if (f == Call.Acknowledge.UUID_FIELD_NUMBER) {
                uuid = in.readBytes();
              } else {
                return null;
              }
              if (agent == null && f == Call.Acknowledge.AGENT_ID_FIELD_NUMBER
                  || task == null && f == Call.Acknowledge.TASK_ID_FIELD_NUMBER) {
                return null;
              }
            }
            in.popLimit(old);
          } else {
            return null;
          }
        }
        return acknowledge && agent != null && task != null && uuid != null ? new Ack(framework, agent, task, uuid)
            : null;
      } catch (IOException | RuntimeException e) {
        return null; // parsed whole, and reported as the protobuf parser reports it
      }
    }

    /** The value of an id message (AgentID, TaskID, FrameworkID: one string, field 1), or null. */
    private static String idValue(com.google.protobuf.CodedInputStream in) throws IOException {
      int old = in.pushLimit(in.readRawVarint32());
      String value = null;
      for (int t = in.readTag(); t != 0; t = in.readTag()) {
        if (t != ((1 << 3) | 2) || value != null) {
          return null;
        }
        value = in.readString();
      }
      in.popLimit(old);
      return value;
    }
  }

  /** Checks a call's stream id and framework id ({@code framework} null: the call has none). */
  private String checkStream(Call.Type type, String framework, String streamId) {
    if (streamId != null && pastStreams.contains(streamId) && (stream == null || !streamId.equals(stream.id))) {
      // the stream broke (or was replaced) while the call was on its way: a race, not a violation
      return "Framework is not subscribed";
    }
    if (stream == null || !stream.open) {
      violation(type + " while no subscription is open");
      return "Framework is not subscribed";
    }
    if (streamId == null) {
      violation(type + " without a Mesos-Stream-Id header");
      return "All non-subscribe calls should include the 'Mesos-Stream-Id' header";
    }
    if (!streamId.equals(stream.id)) {
      violation(type + " with Mesos-Stream-Id " + streamId + ", not the subscription's " + stream.id);
      return "The stream ID '" + streamId + "' included in this request didn't match the stream ID currently "
          + "associated with framework ID " + frameworkId;
    }
    if (framework == null || !framework.equals(frameworkId)) {
      violation(type + " with framework id '" + (framework == null ? "" : framework) + "', not " + frameworkId);
      return "Framework ID mismatch";
    }
    return null;
  }

  private void subscribe(Call call, HttpExchange exchange) throws IOException {
    Stream s;
    synchronized (lock) {
      if (!call.hasSubscribe()) {
        violation("SUBSCRIBE without subscribe");
        respond(exchange, 400, "Expecting 'subscribe' to be present");
        return;
      }
      Protos.FrameworkInfo info = call.getSubscribe().getFrameworkInfo();
      if (call.hasFrameworkId() != info.hasId()
          || call.hasFrameworkId() && !call.getFrameworkId().equals(info.getId())) {
        violation("SUBSCRIBE with framework id " + call.getFrameworkId().getValue() + " but FrameworkInfo.id "
            + info.getId().getValue());
        respond(exchange, 400, "'framework_id' differs from 'subscribe.framework_info.id'");
        return;
      }
      if (info.hasId()) {
        frameworkId = info.getId().getValue();
      } else if (frameworkId == null || !settings.keepFrameworkForNewSubscriptions) {
        frameworkId = "fw-" + UUID.randomUUID();
      }
      subscriptions.add(info);
      framework = info;
      if (stream != null) {
        stream.close();
      }
      // a (re)subscribed framework gets fresh offers
      offers.values().forEach(a -> a.offer = null);
      offers.clear();
      suppressed = false;
      s = new Stream();
      stream = s;
      pastStreams.add(s.id);
      emit(Event.newBuilder().setType(Event.Type.SUBSCRIBED).setSubscribed(Event.Subscribed.newBuilder()
          .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId))
          .setHeartbeatIntervalSeconds(settings.heartbeatInterval.toMillis() / 1000.0)).build());
      // updates not acknowledged yet are sent again to the new subscription (of their framework), but
      // not those held by a partitioned agent: they come when it re-registers
      pending.values().forEach(p -> {
        FakeTask t = tasks.get(p.status().getTaskId().getValue());
        if ((t == null || ours(t)) && !partitioned(p.status())) {
          s.out.add(frame(updateEvent(p.status()).toByteArray()));
        }
      });
      // inverse offers of an earlier subscription are void; agents still under maintenance get new ones
      inverseOffers.clear();
      for (String agent : maintenance.keySet()) {
        if (!acceptedInverseOffers.contains(agent)) {
          sendInverseOffer(agent);
        }
      }
    }
    exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
    exchange.getResponseHeaders().add("Mesos-Stream-Id", s.id);
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      while (s.open && !closed) {
        byte[] record = s.out.take();
        if (record == Stream.END) {
          break;
        }
        out.write(record);
        while (s.out.peek() != null && s.out.peek() != Stream.END) {
          out.write(s.out.poll());
        }
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // the scheduler went away (or the test ended)
    } finally {
      synchronized (lock) {
        s.open = false;
        if (stream == s) {
          stream = null;
        }
      }
    }
  }

  private String process(Call call) {
    switch (call.getType()) {
      case ACCEPT -> accept(call.getAccept());
      case DECLINE -> {
        double refuse = call.getDecline().hasFilters() ? call.getDecline().getFilters().getRefuseSeconds() : 5;
        for (Protos.OfferID id : call.getDecline().getOfferIdsList()) {
          if (!issuedOffers.contains(id.getValue())) {
            violation("DECLINE of offer " + id.getValue() + " that was never offered");
            continue;
          }
          Agent a = offers.remove(id.getValue());
          if (a != null) {
            a.offer = null;
            a.refusedUntilNanos = System.nanoTime() + (long) (refuse * 1e9);
          }
        }
      }
      case KILL -> kill(call.getKill());
      case ACKNOWLEDGE -> acknowledge(call.getAcknowledge().getUuid(), call.getAcknowledge().getTaskId().getValue(),
          call.getAcknowledge().getAgentId().getValue());
      case RECONCILE -> reconcile(call.getReconcile());
      case ACCEPT_INVERSE_OFFERS -> answerInverseOffers(call.getAcceptInverseOffers().getInverseOfferIdsList(), true);
      case DECLINE_INVERSE_OFFERS -> answerInverseOffers(call.getDeclineInverseOffers().getInverseOfferIdsList(),
          false);
      case SUPPRESS -> suppressed = true;
      case REVIVE -> {
        suppressed = false;
        agents.values().forEach(a -> a.refusedUntilNanos = 0);
      }
      case TEARDOWN -> {
        for (FakeTask t : tasks.values()) {
          if (!terminal(t.state)) {
            update(t, TaskState.TASK_KILLED, "framework torn down", null);
          }
        }
      }
      default -> { }
    }
    return null;
  }

  private void accept(Call.Accept accept) {
    List<Agent> from = new ArrayList<>();
    List<Protos.Offer> used = new ArrayList<>();
    boolean valid = true;
    for (Protos.OfferID id : accept.getOfferIdsList()) {
      if (!issuedOffers.contains(id.getValue())) {
        violation("ACCEPT of offer " + id.getValue() + " that was never offered");
        return;
      }
      Agent a = offers.remove(id.getValue());
      if (a == null) {
        valid = false; // used, declined or rescinded already: a race Mesos answers with TASK_DROPPED / LOST
        continue;
      }
      a.offer = null;
      from.add(a);
      used.add(offered.remove(id.getValue()));
    }
    if (from.stream().distinct().count() > 1) {
      violation("ACCEPT of offers of several agents " + from.stream().map(a -> a.id).distinct().toList());
      return;
    }
    double refuse = accept.hasFilters() ? accept.getFilters().getRefuseSeconds() : 5;
    List<Protos.TaskInfo> launches = new ArrayList<>();
    /** Task id to the executor of its group (LAUNCH_GROUP), and the group executors this ACCEPT starts. */
    Map<String, Protos.ExecutorInfo> groupOf = new HashMap<>();
    Map<String, Protos.ExecutorInfo> newExecutors = new LinkedHashMap<>();
    for (Protos.Offer.Operation op : accept.getOperationsList()) {
      if (op.getType() == Protos.Offer.Operation.Type.LAUNCH) {
        launches.addAll(op.getLaunch().getTaskInfosList());
      } else if (op.getType() == Protos.Offer.Operation.Type.LAUNCH_GROUP) {
        Protos.ExecutorInfo executor = checkGroup(op.getLaunchGroup());
        for (Protos.TaskInfo t : op.getLaunchGroup().getTaskGroup().getTasksList()) {
          launches.add(t);
          groupOf.put(t.getTaskId().getValue(), executor);
        }
        if (from.size() == 1 && !executors.containsKey(from.get(0).id + "/" + executor.getExecutorId().getValue())) {
          newExecutors.putIfAbsent(executor.getExecutorId().getValue(), executor);
        }
      } else {
        violation("ACCEPT with operation " + op.getType() + ", which the fake master does not know");
      }
    }
    if (!valid || from.isEmpty()) {
      TaskState dropped = partitionAware() ? TaskState.TASK_DROPPED : TaskState.TASK_LOST;
      for (Protos.TaskInfo t : launches) {
        Protos.TaskStatus s = status(t.getTaskId().getValue(), t.getAgentId().getValue(), dropped,
            "Task launched with invalid offers", Protos.TaskStatus.Reason.REASON_INVALID_OFFERS, false);
        sendUpdate(s);
      }
      from.forEach(a -> a.refusedUntilNanos = 0);
      return;
    }
    Agent agent = from.get(0);
    // no launch beyond the offers
    Map<String, Double> offeredScalars = new HashMap<>();
    BitSet offeredPorts = new BitSet();
    for (Protos.Offer o : used) {
      for (Protos.Resource r : o.getResourcesList()) {
        if (r.getType() == Protos.Value.Type.SCALAR) {
          offeredScalars.merge(r.getName(), r.getScalar().getValue(), Double::sum);
        } else if (r.getName().equals("ports")) {
          r.getRanges().getRangeList().forEach(x -> offeredPorts.set((int) x.getBegin(), (int) x.getEnd() + 1));
        }
      }
    }
    Map<String, Double> asked = new HashMap<>();
    BitSet askedPorts = new BitSet();
    // a default executor's own resources come from the offers too (once, when it starts)
    for (Protos.ExecutorInfo e : newExecutors.values()) {
      for (Protos.Resource r : e.getResourcesList()) {
        if (multiRole() && !r.hasAllocationInfo()) {
          violation("executor " + e.getExecutorId().getValue() + " resource " + r.getName()
              + " has no allocation_info (a MULTI_ROLE framework must copy it from the offer)");
        }
        if (r.getType() == Protos.Value.Type.SCALAR) {
          asked.merge(r.getName(), r.getScalar().getValue(), Double::sum);
        }
      }
    }
    Set<String> idsInCall = new HashSet<>();
    for (Protos.TaskInfo t : launches) {
      if (!idsInCall.add(t.getTaskId().getValue())) {
        violation("task id " + t.getTaskId().getValue() + " launched twice in one ACCEPT");
      }
      if (!t.getAgentId().getValue().equals(agent.id)) {
        violation("task " + t.getTaskId().getValue() + " names agent " + t.getAgentId().getValue()
            + " but its offers are of " + agent.id);
      }
      if (tasks.containsKey(t.getTaskId().getValue())) {
        violation("task id " + t.getTaskId().getValue() + " launched twice");
      }
      if (t.hasCommand() == t.hasExecutor()) {
        violation("task " + t.getTaskId().getValue() + " must have exactly one of command and executor");
      }
      if (t.hasExecutor() && (!t.getExecutor().hasCommand() || t.getExecutor().getResourcesCount() == 0)) {
        violation("task " + t.getTaskId().getValue() + ": its executor has no command or no resources");
      }
      for (Protos.Resource r : resourcesOf(t)) {
        if (multiRole() && !r.hasAllocationInfo()) {
          violation("task " + t.getTaskId().getValue() + " resource " + r.getName()
              + " has no allocation_info (a MULTI_ROLE framework must copy it from the offer)");
        }
        if (r.getType() == Protos.Value.Type.SCALAR) {
          asked.merge(r.getName(), r.getScalar().getValue(), Double::sum);
        } else if (r.getName().equals("ports")) {
          for (Protos.Value.Range x : r.getRanges().getRangeList()) {
            for (long p = x.getBegin(); p <= x.getEnd(); p++) {
              if (askedPorts.get((int) p)) {
                violation("port " + p + " given to two tasks in one ACCEPT");
              }
              askedPorts.set((int) p);
            }
          }
        }
      }
    }
    asked.forEach((name, amount) -> {
      if (amount > offeredScalars.getOrDefault(name, 0.0) + 1e-6) {
        violation("launch beyond the offers on " + agent.id + ": " + amount + " " + name + " asked, "
            + offeredScalars.getOrDefault(name, 0.0) + " offered");
      }
    });
    BitSet beyond = (BitSet) askedPorts.clone();
    beyond.andNot(offeredPorts);
    if (!beyond.isEmpty()) {
      violation("launch beyond the offers on " + agent.id + ": ports " + beyond + " were not offered");
    }
    for (Protos.ExecutorInfo e : newExecutors.values()) {
      executors.put(agent.id + "/" + e.getExecutorId().getValue(), new GroupExecutor(e));
      agent.usedCpus += scalar(e.getResourcesList(), "cpus");
      agent.usedMem += scalar(e.getResourcesList(), "mem");
      agent.usedDisk += scalar(e.getResourcesList(), "disk");
    }
    List<FakeTask> starting = new ArrayList<>(launches.size());
    for (Protos.TaskInfo t : launches) {
      FakeTask task = new FakeTask(t, agent, scriptFor(t));
      Protos.ExecutorInfo group = groupOf.get(t.getTaskId().getValue());
      if (group != null) {
        task.executor = agent.id + "/" + group.getExecutorId().getValue();
        executors.get(task.executor).tasks++;
      }
      task.framework = frameworkId;
      tasks.put(t.getTaskId().getValue(), task);
      tasksLaunched = tasks.size();
      launchesByName.merge(t.getName(), 1, Integer::sum);
      agent.usedCpus += scalar(t, "cpus");
      agent.usedMem += scalar(t, "mem");
      agent.usedDisk += scalar(t, "disk");
      ports(t).forEach(p -> agent.usedPorts.set(p - agent.portBegin));
      if (task.script != Script.NEVER_REPORT) {
        starting.add(task);
      }
    }
    if (!starting.isEmpty()) {
      // the ACCEPT's tasks start together: one timer for them, each still progressing on its own
      timer.schedule(() -> {
        synchronized (lock) {
          starting.forEach(this::progress);
        }
      }, settings.startDelay.toNanos(), TimeUnit.NANOSECONDS);
    }
    agent.refusedUntilNanos = System.nanoTime() + (long) (refuse * 1e9);
  }

  /**
   * Checks a LAUNCH_GROUP as the master does: the default executor (type DEFAULT, with an executor id and
   * the framework's id), and tasks that name no executor of their own. Returns the group's executor.
   */
  private Protos.ExecutorInfo checkGroup(Protos.Offer.Operation.LaunchGroup g) {
    Protos.ExecutorInfo e = g.getExecutor();
    String name = e.hasExecutorId() ? e.getExecutorId().getValue() : "(no id)";
    if (!g.hasExecutor() || !e.hasExecutorId()) {
      violation("LAUNCH_GROUP without an executor id");
    }
    if (e.getType() != Protos.ExecutorInfo.Type.DEFAULT) {
      violation("LAUNCH_GROUP with executor " + name + " of type " + e.getType() + ", not DEFAULT");
    }
    if (!e.hasFrameworkId() || !e.getFrameworkId().getValue().equals(frameworkId)) {
      violation("LAUNCH_GROUP with executor " + name + " whose framework id is '" + e.getFrameworkId().getValue()
          + "', not " + frameworkId);
    }
    if (g.getTaskGroup().getTasksCount() == 0) {
      violation("LAUNCH_GROUP with executor " + name + " and no task");
    }
    for (Protos.TaskInfo t : g.getTaskGroup().getTasksList()) {
      if (t.hasExecutor()) {
        violation("task " + t.getTaskId().getValue() + " of a LAUNCH_GROUP names an executor of its own");
      }
    }
    return e;
  }

  private void progress(FakeTask t) {
    synchronized (lock) {
      if (t.state != TaskState.TASK_STAGING || t.agent.lost) {
        return;
      }
      if (reorderUpdates) {
        update(t, TaskState.TASK_RUNNING, "", null);
        Protos.TaskStatus s = status(t, TaskState.TASK_STARTING, "", null,
            true);
        pending.put(s.getUuid(), new Pending(s));
        sendUpdate(s);
      } else {
        update(t, TaskState.TASK_STARTING, "", null);
        update(t, TaskState.TASK_RUNNING, "", null);
      }
      if (t.info.hasHealthCheck() && t.script == Script.RUN_FOREVER) {
        Health h = Health.HEALTHY;
        for (Map.Entry<Predicate<Protos.TaskInfo>, Health> e : healthOnStart) {
          if (e.getKey().test(t.info)) {
            h = e.getValue();
            break;
          }
        }
        if (h != Health.SILENT) {
          reportHealth(t, h == Health.HEALTHY);
        }
      }
      switch (t.script) {
        case FINISH -> update(t, TaskState.TASK_FINISHED, "exit 0", null);
        case FAIL -> update(t, TaskState.TASK_FAILED, "Command exited with status 3",
            Protos.TaskStatus.Reason.REASON_COMMAND_EXECUTOR_FAILED);
        default -> { }
      }
    }
  }

  private void kill(Call.Kill kill) {
    FakeTask t = tasks.get(kill.getTaskId().getValue());
    if (t == null || t.agent.lost || !ours(t)) {
      TaskState state = partitionAware() ? TaskState.TASK_UNKNOWN : TaskState.TASK_LOST;
      String agent = kill.hasAgentId() ? kill.getAgentId().getValue() : null;
      sendUpdate(status(kill.getTaskId().getValue(), agent, state, "Attempted to kill an unknown task",
          Protos.TaskStatus.Reason.REASON_RECONCILIATION, false));
      return;
    }
    if (t.agent.unreachableSince != null && !terminal(t.state)) {
      // the kill cannot reach the agent: the master reconciles the task instead, as for a task it
      // cannot find, and the framework asks again once the agent is back
      sendUpdate(unreachableStatus(t, "reconciliation: the agent is unreachable"));
      return;
    }
    if (!terminal(t.state)) {
      update(t, TaskState.TASK_KILLED, "killed by the scheduler", null);
    }
  }

  /** A task on a partitioned agent as the master reports it: TASK_UNREACHABLE (or TASK_LOST), no uuid. */
  private Protos.TaskStatus unreachableStatus(FakeTask t, String message) {
    TaskState state = partitionAware() ? TaskState.TASK_UNREACHABLE : TaskState.TASK_LOST;
    return status(t, state, message,
        Protos.TaskStatus.Reason.REASON_RECONCILIATION, false).toBuilder()
        .setUnreachableTime(t.agent.unreachableSince).build();
  }

  private void acknowledge(ByteString uuid, String taskId, String agentId) {
    if (!issuedUuids.contains(uuid)) {
      violation("ACKNOWLEDGE of uuid " + hex(uuid) + " for task " + taskId
          + " that no update carried");
      return;
    }
    Agent to = agents.get(agentId);
    if (to != null && (to.lost || to.unreachableSince != null)) {
      // a Mesos master passes an acknowledgement on to the agent only while the agent is registered:
      // one for a removed or unreachable agent is dropped (and counted), and the agent, once it
      // re-registers, sends the update again
      droppedAcknowledgements++;
      return;
    }
    Pending p = pending.remove(uuid);
    if (p == null) {
      // acknowledged before: a real master passes it on and the agent ignores it
      duplicateAcknowledgements++;
      return;
    }
    if (resendOnAcknowledge > 0) {
      resendOnAcknowledge--;
      sendUpdate(p.status()); // the agent's retry, sent before this acknowledgement reached it
    }
    if (p != null && (!p.status().getTaskId().getValue().equals(taskId)
        || !p.status().getAgentId().getValue().equals(agentId))) {
      violation("ACKNOWLEDGE of uuid " + hex(uuid) + " names task " + taskId + " on "
          + agentId + ", the update was for " + p.status().getTaskId().getValue());
    }
    if (p != null) {
      String task = p.status().getTaskId().getValue();
      java.util.ArrayDeque<Protos.TaskStatus> q = streams.get(task);
      if (q != null && !q.isEmpty() && q.peekFirst().getUuid().equals(p.status().getUuid())) {
        q.pollFirst();
        if (q.isEmpty()) {
          streams.remove(task);
        } else {
          if (!partitioned(q.peekFirst())) {
            send(q.peekFirst()); // the stream's next update (else sent when the agent re-registers)
          }
        }
      }
    }
  }

  private void reconcile(Call.Reconcile r) {
    if (r.getTasksCount() == 0) {
      for (FakeTask t : tasks.values()) {
        // the master's implicit reconciliation covers the tasks of registered agents only
        if (!terminal(t.state) && ours(t) && t.agent.unreachableSince == null) {
          sendUpdate(withHealth(t, status(t, t.state, "reconciliation",
              Protos.TaskStatus.Reason.REASON_RECONCILIATION, false)));
        }
      }
      return;
    }
    for (Call.Reconcile.Task rt : r.getTasksList()) {
      FakeTask t = tasks.get(rt.getTaskId().getValue());
      if (t != null && !ours(t)) {
        t = null; // another framework's task is unknown to this one
      }
      if (t != null && t.agent.unreachableSince != null && !t.agent.lost) {
        sendUpdate(unreachableStatus(t, "reconciliation: the agent is unreachable"));
      } else if (t != null && !t.agent.lost) {
        sendUpdate(withHealth(t, status(t, t.state, "reconciliation",
            Protos.TaskStatus.Reason.REASON_RECONCILIATION, false)));
      } else {
        TaskState state = partitionAware() ? (t != null ? TaskState.TASK_UNREACHABLE : TaskState.TASK_UNKNOWN)
            : TaskState.TASK_LOST;
        sendUpdate(status(rt.getTaskId().getValue(), rt.hasAgentId() ? rt.getAgentId().getValue() : null, state,
            "reconciliation: unknown task", Protos.TaskStatus.Reason.REASON_RECONCILIATION, false));
      }
    }
  }

  // ------------------------------------------------------------------ timers

  private void allocate() {
    synchronized (lock) {
      if (stream == null || !stream.open || suppressed || !heartbeats) {
        return;
      }
      long now = System.nanoTime();
      String role = framework.getRolesCount() > 0 ? framework.getRoles(0) : "*";
      Event.Offers.Builder batch = Event.Offers.newBuilder();
      for (Agent a : agents.values()) {
        if (a.lost || a.unreachableSince != null || a.offer != null || a.refusedUntilNanos > now) {
          continue;
        }
        double cpus = a.cpus - a.usedCpus;
        double mem = a.mem - a.usedMem;
        if (cpus < 0.01 || mem < 1) {
          continue;
        }
        String id = "offer-" + seq.incrementAndGet();
        Protos.Offer.Builder o = Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue(id))
            .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId))
            .setAgentId(Protos.AgentID.newBuilder().setValue(a.id)).setHostname(a.hostname);
        Protos.Resource.AllocationInfo alloc = Protos.Resource.AllocationInfo.newBuilder().setRole(role).build();
        if (multiRole()) {
          o.setAllocationInfo(alloc);
        }
        double reserved = settings.reservedRole != null && multiRole() ? Math.min(0.5, cpus) : 0;
        o.addResources(scalarResource("cpus", cpus - reserved, alloc));
        o.addResources(scalarResource("mem", mem, alloc));
        o.addResources(scalarResource("disk", a.disk - a.usedDisk, alloc));
        if (reserved > 0) {
          // part of the agent's cpus reserved to the framework's role, offered with its reservation
          o.addResources(scalarResource("cpus", reserved, alloc).toBuilder()
              .addReservations(Protos.Resource.ReservationInfo.newBuilder()
                  .setType(Protos.Resource.ReservationInfo.Type.STATIC).setRole(settings.reservedRole)));
        }
        Protos.Value.Ranges.Builder ranges = Protos.Value.Ranges.newBuilder();
        int size = a.portEnd - a.portBegin + 1;
        for (int i = a.usedPorts.nextClearBit(0); i < size; ) {
          int end = Math.min(a.usedPorts.nextSetBit(i) < 0 ? size : a.usedPorts.nextSetBit(i), size);
          ranges.addRange(Protos.Value.Range.newBuilder().setBegin(a.portBegin + i).setEnd(a.portBegin + end - 1));
          i = a.usedPorts.nextClearBit(end);
        }
        if (ranges.getRangeCount() > 0) {
          Protos.Resource.Builder ports = Protos.Resource.newBuilder().setName("ports")
              .setType(Protos.Value.Type.RANGES).setRanges(ranges);
          if (multiRole()) {
            ports.setAllocationInfo(alloc);
          }
          o.addResources(ports);
        }
        settings.extraResources.forEach((name, value) -> o.addResources(scalarResource(name, value, alloc)));
        if (unavailable.containsKey(a.id)) {
          o.setUnavailability(unavailable.get(a.id));
        }
        a.attributes.forEach((k, v) -> o.addAttributes(Protos.Attribute.newBuilder().setName(k)
            .setType(Protos.Value.Type.TEXT).setText(Protos.Value.Text.newBuilder().setValue(v))));
        Protos.Offer offer = o.build();
        a.offer = id;
        offers.put(id, a);
        offered.put(id, offer);
        issuedOffers.add(id);
        batch.addOffers(offer);
      }
      if (batch.getOffersCount() > 0) {
        emit(Event.newBuilder().setType(Event.Type.OFFERS).setOffers(batch).build());
      }
    }
  }

  private Protos.Resource scalarResource(String name, double value, Protos.Resource.AllocationInfo alloc) {
    Protos.Resource.Builder r = Protos.Resource.newBuilder().setName(name).setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(value));
    if (multiRole()) {
      r.setAllocationInfo(alloc);
    }
    return r.build();
  }

  private void heartbeat() {
    synchronized (lock) {
      if (heartbeats) {
        emit(Event.newBuilder().setType(Event.Type.HEARTBEAT).build());
      }
    }
  }

  private void retryUpdates() {
    synchronized (lock) {
      long now = System.nanoTime();
      long max = MAX_RETRY_FACTOR * settings.updateRetry.toNanos();
      for (Pending p : pending.values()) {
        if (now - p.sentNanos >= p.retryNanos && !partitioned(p.status())) {
          p.sentNanos = now;
          p.retryNanos = Math.min(max, 2 * p.retryNanos);
          sendUpdate(p.status());
        }
      }
    }
  }

  // ------------------------------------------------------------------ updates

  private void end(String taskId, TaskState state, String message, Protos.TaskStatus.Reason reason) {
    synchronized (lock) {
      FakeTask t = tasks.get(taskId);
      if (t != null && !terminal(t.state)) {
        update(t, state, message, reason);
      }
    }
  }

  private void update(FakeTask t, TaskState state, String message, Protos.TaskStatus.Reason reason) {
    update(t, state, message, reason, ByteString.EMPTY);
  }

  private void update(FakeTask t, TaskState state, String message, Protos.TaskStatus.Reason reason,
      ByteString data) {
    enter(t, state);
    if (!ours(t)) {
      return; // its framework is not subscribed: a new framework hears nothing of another's tasks
    }
    Protos.TaskStatus s = status(t, state, message, reason, true);
    if (!data.isEmpty()) {
      Protos.TaskStatus.Builder b = s.toBuilder().setData(data).setSource(Protos.TaskStatus.Source.SOURCE_EXECUTOR);
      if (t.info.hasExecutor()) {
        b.setExecutorId(t.info.getExecutor().getExecutorId());
      }
      s = b.build();
    }
    forward(s);
  }

  /** The task is in the state now: the running count and, once it ended, its agent's resources. */
  private void enter(FakeTask t, TaskState state) {
    boolean wasRunning = t.state == TaskState.TASK_RUNNING;
    t.state = state;
    if (wasRunning != (state == TaskState.TASK_RUNNING)) {
      tasksRunning += wasRunning ? -1 : 1;
    }
    if (terminal(state) || state == TaskState.TASK_UNREACHABLE) {
      Agent a = t.agent;
      if (terminal(state)) {
        a.usedCpus -= scalar(t.info, "cpus");
        a.usedMem -= scalar(t.info, "mem");
        a.usedDisk -= scalar(t.info, "disk");
        ports(t.info).forEach(p -> a.usedPorts.clear(p - a.portBegin));
        a.refusedUntilNanos = 0;
        GroupExecutor e = t.executor == null ? null : executors.get(t.executor);
        if (e != null && --e.tasks == 0) {
          // the default executor exits with its last task, and its resources are free again
          executors.remove(t.executor);
          a.usedCpus -= scalar(e.info.getResourcesList(), "cpus");
          a.usedMem -= scalar(e.info.getResourcesList(), "mem");
          a.usedDisk -= scalar(e.info.getResourcesList(), "disk");
        }
      }
    }
  }

  /**
   * Sends an update of a task's status update stream now if none of the task's is unacknowledged;
   * else it waits for the acknowledgement of those before it.
   */
  private void forward(Protos.TaskStatus s) {
    java.util.ArrayDeque<Protos.TaskStatus> q = streams.computeIfAbsent(s.getTaskId().getValue(),
        k -> new java.util.ArrayDeque<>(2));
    q.add(s);
    if (q.size() == 1 && !partitioned(s)) {
      send(s);
    }
  }

  /** Whether the update's agent is partitioned (its updates wait at the agent until it re-registers). */
  private boolean partitioned(Protos.TaskStatus s) {
    Agent a = agents.get(s.getAgentId().getValue());
    return a != null && a.unreachableSince != null;
  }

  /** Sends an update that is to be acknowledged, and retries it until it is. */
  private void send(Protos.TaskStatus s) {
    Pending p = new Pending(s);
    p.retryNanos = settings.updateRetry.toNanos();
    pending.put(s.getUuid(), p);
    sendUpdate(s);
  }

  /** A status of a launched task: its TaskID as launched and its agent's id, not built again per update. */
  private Protos.TaskStatus status(FakeTask t, TaskState state, String message, Protos.TaskStatus.Reason reason,
      boolean withUuid) {
    return status(Protos.TaskStatus.newBuilder().setTaskId(t.info.getTaskId()).setAgentId(t.agent.agentId), state,
        message, reason, withUuid);
  }

  private Protos.TaskStatus status(String taskId, String agentId, TaskState state, String message,
      Protos.TaskStatus.Reason reason, boolean withUuid) {
    Protos.TaskStatus.Builder s = Protos.TaskStatus.newBuilder()
        .setTaskId(Protos.TaskID.newBuilder().setValue(taskId));
    if (agentId != null) {
      s.setAgentId(Protos.AgentID.newBuilder().setValue(agentId));
    }
    return status(s, state, message, reason, withUuid);
  }

  private Protos.TaskStatus status(Protos.TaskStatus.Builder s, TaskState state, String message,
      Protos.TaskStatus.Reason reason, boolean withUuid) {
    s.setState(state).setTimestamp(System.currentTimeMillis() / 1000.0)
        .setSource(Protos.TaskStatus.Source.SOURCE_MASTER);
    if (!message.isEmpty()) {
      s.setMessage(message);
    }
    if (reason != null) {
      s.setReason(reason);
    }
    if (withUuid) {
      // 16 raw bytes as a Mesos agent's (a UUID's bytes, not its text), unique in this master, without a
      // SecureRandom draw per update (it is in the measured JVM); the counter mixed by a bijection, so the
      // bytes (and the ByteString's hash) spread as a random UUID's: a counter's few changing low bytes
      // made ByteString hashes collide, and maps keyed by uuid (this master's, a scheduler's) slow trees
      byte[] raw = new byte[16];
      long hi = uuidPrefix;
      long lo = mix(++uuidSeq);
      for (int i = 7; i >= 0; i--) {
        raw[i] = (byte) hi;
        raw[8 + i] = (byte) lo;
        hi >>>= 8;
        lo >>>= 8;
      }
      ByteString uuid = com.google.protobuf.UnsafeByteOperations.unsafeWrap(raw);
      issuedUuids.add(uuid);
      s.setUuid(uuid);
    }
    return s.build();
  }

  /** SplitMix64's finalizer: a bijection on long (xor-shifts and odd multipliers), so distinct in, distinct out. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Whether the task is the subscribed framework's (launched under its id). */
  private boolean ours(FakeTask t) {
    return t.framework == null || t.framework.equals(frameworkId);
  }

  /** A reconciliation answer carries the task's last health, as the master's does. */
  private static Protos.TaskStatus withHealth(FakeTask t, Protos.TaskStatus s) {
    return t.healthy == null || t.state != TaskState.TASK_RUNNING ? s : s.toBuilder().setHealthy(t.healthy).build();
  }

  private void sendUpdate(Protos.TaskStatus s) {
    if (settings.recordCalls) {
      lastUpdates.put(s.getTaskId().getValue(), s);
    }
    if (dropUpdates > 0) {
      dropUpdates--;
      return;
    }
    Event e = updateEvent(s);
    emit(e);
    if (duplicateUpdates) {
      emit(e);
    }
  }

  private static Event updateEvent(Protos.TaskStatus s) {
    return Event.newBuilder().setType(Event.Type.UPDATE).setUpdate(Event.Update.newBuilder().setStatus(s)).build();
  }

  private void emit(Event e) {
    if (stream != null && stream.open) {
      stream.out.add(frame(e));
    }
  }

  // ------------------------------------------------------------------ helpers

  private Script scriptFor(Protos.TaskInfo t) {
    for (Map.Entry<Predicate<Protos.TaskInfo>, Script> b : behaviours) {
      if (b.getKey().test(t)) {
        return b.getValue();
      }
    }
    String command = t.getCommand().getValue().trim();
    if (command.equals("true")) {
      return Script.FINISH;
    }
    if (command.startsWith("exit ") && !command.equals("exit 0")) {
      return Script.FAIL;
    }
    return Script.RUN_FOREVER;
  }

  private boolean partitionAware() {
    return has(Protos.FrameworkInfo.Capability.Type.PARTITION_AWARE);
  }

  private boolean multiRole() {
    return has(Protos.FrameworkInfo.Capability.Type.MULTI_ROLE);
  }

  /** Whether the subscribed framework has the capability (asked per resource checked: no stream each time). */
  private boolean has(Protos.FrameworkInfo.Capability.Type type) {
    if (framework == null) {
      return false;
    }
    for (Protos.FrameworkInfo.Capability c : framework.getCapabilitiesList()) {
      if (c.getType() == type) {
        return true;
      }
    }
    return false;
  }

  /** A task's resources and its executor's (each task has an executor of its own here). */
  private static List<Protos.Resource> resourcesOf(Protos.TaskInfo t) {
    if (!t.hasExecutor()) {
      return t.getResourcesList();
    }
    List<Protos.Resource> all = new ArrayList<>(t.getResourcesList());
    all.addAll(t.getExecutor().getResourcesList());
    return all;
  }

  private static double scalar(Protos.TaskInfo t, String name) {
    return scalar(resourcesOf(t), name);
  }

  private static double scalar(List<Protos.Resource> resources, String name) {
    double sum = 0;
    for (Protos.Resource r : resources) {
      if (r.getName().equals(name) && r.getType() == Protos.Value.Type.SCALAR) {
        sum += r.getScalar().getValue();
      }
    }
    return sum;
  }

  private static Collection<Integer> ports(Protos.TaskInfo t) {
    List<Integer> out = new ArrayList<>();
    for (Protos.Resource r : t.getResourcesList()) {
      if (r.getName().equals("ports")) {
        r.getRanges().getRangeList().forEach(x -> {
          for (long p = x.getBegin(); p <= x.getEnd(); p++) {
            out.add((int) p);
          }
        });
      }
    }
    return out;
  }

  /** A uuid for a message: as text if it is printable ASCII (a test's own), else in hex (this master's). */
  private static String hex(ByteString b) {
    boolean text = !b.isEmpty();
    for (int i = 0; i < b.size() && text; i++) {
      text = b.byteAt(i) >= 0x20 && b.byteAt(i) < 0x7f;
    }
    if (text) {
      return b.toStringUtf8();
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < b.size(); i++) {
      out.append(Character.forDigit((b.byteAt(i) >> 4) & 0xf, 16)).append(Character.forDigit(b.byteAt(i) & 0xf, 16));
    }
    return out.toString();
  }

  private static boolean terminal(TaskState s) {
    return switch (s) {
      case TASK_FINISHED, TASK_FAILED, TASK_KILLED, TASK_ERROR, TASK_LOST, TASK_DROPPED, TASK_GONE,
          TASK_GONE_BY_OPERATOR, TASK_UNKNOWN -> true;
      default -> false;
    };
  }

  private void violation(String what) {
    if (closed) {
      return;
    }
    synchronized (lock) {
      violations.add(what);
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  /** {@code e} as one RecordIO record, serialized straight into it (one array per event, not two). */
  static byte[] frame(Event e) {
    int size = e.getSerializedSize();
    String length = Integer.toString(size);
    byte[] out = new byte[length.length() + 1 + size];
    for (int i = 0; i < length.length(); i++) {
      out[i] = (byte) length.charAt(i);
    }
    out[length.length()] = '\n';
    com.google.protobuf.CodedOutputStream c = com.google.protobuf.CodedOutputStream.newInstance(out,
        length.length() + 1, size);
    try {
      e.writeTo(c);
    } catch (IOException x) {
      throw new java.io.UncheckedIOException(x);
    }
    c.checkNoSpaceLeft();
    return out;
  }

  static byte[] frame(byte[] message) {
    byte[] len = (message.length + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[len.length + message.length];
    System.arraycopy(len, 0, out, 0, len.length);
    System.arraycopy(message, 0, out, len.length, message.length);
    return out;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Settings of a {@link FakeMesosMaster}. */
  public static final class Builder {
    int agents = 3;
    double cpus = 4;
    double mem = 4096;
    double disk = 10_000;
    int portBegin = 31000;
    int portEnd = 31099;
    IntFunction<Map<String, String>> attributes = i -> Map.of("rack", "r" + (i % 2));
    int masters = 1;
    Duration heartbeatInterval = Duration.ofMillis(200);
    Duration allocationInterval = Duration.ofMillis(20);
    Duration updateRetry = Duration.ofSeconds(1);
    Duration startDelay = Duration.ofMillis(5);
    String principal;
    String secret;
    javax.net.ssl.SSLContext tls;
    boolean recordCalls = true;
    boolean keepFrameworkForNewSubscriptions;
    String reservedRole;
    final Map<String, Double> extraResources = new LinkedHashMap<>();

    Builder() {}

    /** How many agents (default 3). */
    public Builder agents(int n) {
      this.agents = n;
      return this;
    }

    /** Each agent's resources (default 4 cpus, 4096 MiB, 10,000 MiB disk). */
    public Builder resources(double cpus, double memMb, double diskMb) {
      this.cpus = cpus;
      this.mem = memMb;
      this.disk = diskMb;
      return this;
    }

    /** Each agent's port range (default 31000-31099). */
    public Builder ports(int begin, int end) {
      this.portBegin = begin;
      this.portEnd = end;
      return this;
    }

    /** Each agent's text attributes by index (default {@code rack=r0|r1}). */
    public Builder attributes(IntFunction<Map<String, String>> attributes) {
      this.attributes = attributes;
      return this;
    }

    /** How many masters (default 1); the first leads, the others redirect to the leader. */
    public Builder masters(int n) {
      this.masters = n;
      return this;
    }

    /** The heartbeat interval announced and kept (default 200 ms). */
    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval = d;
      return this;
    }

    /** How often offers are made (default 20 ms). */
    public Builder allocationInterval(Duration d) {
      this.allocationInterval = d;
      return this;
    }

    /**
     * When an unacknowledged update is first sent again (default 1 s); each later retry waits twice as
     * long as the one before, up to 60 times this, as a Mesos agent's status update manager backs off.
     */
    public Builder updateRetry(Duration d) {
      this.updateRetry = d;
      return this;
    }

    /** How long after its launch a task reports (default 5 ms). */
    public Builder startDelay(Duration d) {
      this.startDelay = d;
      return this;
    }

    /**
     * Serves the API over HTTPS only, with {@code serverContext} (its key manager holds the master's
     * certificate; a test makes a self-signed one, e.g. with {@code keytool}); {@link #uris()} are then
     * {@code https://} URIs. The certificate should name {@code 127.0.0.1} (subject alternative name
     * {@code ip:127.0.0.1}), which clients check the host against.
     */
    public Builder https(javax.net.ssl.SSLContext serverContext) {
      this.tls = serverContext;
      return this;
    }

    /**
     * Whether every call must carry HTTP basic authentication with {@code principal} and {@code secret}
     * (a call without is answered 401).
     */
    public Builder requireAuthentication(String principal, String secret) {
      this.principal = principal;
      this.secret = secret;
      return this;
    }

    /** Whether every call is kept for {@link #calls()} (default true; off for benchmarks). */
    public Builder recordCalls(boolean record) {
      this.recordCalls = record;
      return this;
    }

    /** A scalar resource each agent also offers (one the scheduler may not know). */
    public Builder extraResource(String name, double value) {
      this.extraResources.put(name, value);
      return this;
    }

    /** Each agent also offers 0.5 cpus statically reserved to {@code role} (to a MULTI_ROLE framework). */
    public Builder reservedTo(String role) {
      this.reservedRole = role;
      return this;
    }

    /** Starts the master. */
    public FakeMesosMaster build() {
      return new FakeMesosMaster(this);
    }
  }
}
