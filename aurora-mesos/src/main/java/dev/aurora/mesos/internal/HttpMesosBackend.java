package dev.aurora.mesos.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ImmutableTaskStatus;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import dev.aurora.mesos.Capability;
import dev.aurora.mesos.FrameworkIdStore;
import dev.aurora.mesos.MesosBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 HTTP scheduler client behind {@link MesosBackend}. One subscription at a time, numbered by a
 * generation: events and completions of an older one are ignored. The event stream is read as it
 * arrives on the HTTP client's threads (no thread blocks on it) and each event is handled there at once:
 * the core's listener only queues work. Calls are sent asynchronously, at most {@code maxCallsInFlight}
 * at a time, the rest queued in order; calls made while no subscription is live wait for the next.
 * Every call but SUBSCRIBE goes pipelined on one persistent connection to the leading master (a
 * {@link PipelinedConnection}, one per subscription, made again when it breaks), as Mesos's own
 * scheduler library sends them: the JDK {@code HttpClient} sends one request per connection at a time.
 */
public final class HttpMesosBackend implements MesosBackend {
  private static final Logger LOG = LoggerFactory.getLogger(HttpMesosBackend.class);
  private static final String PROTOBUF = "application/x-protobuf";
  /** How many tasks' terminal reports are remembered, to kill a task that comes back after it. */
  private static final int REMEMBERED_ENDS = 100_000;
  /**
   * How long an update stays "being acknowledged" at most: a copy that comes later is forwarded again
   * (its first copy's acknowledgement may never have been sent, if the scheduler could not store it).
   */
  /**
   * One ACCEPT encoder per thread that encodes calls (the call connection's writer), its buffers kept
   * from one call to the next: a launch wave's hundreds of ACCEPTs reuse memory already touched.
   */
  private static final ThreadLocal<AcceptEncoder> ENCODERS = ThreadLocal.withInitial(AcceptEncoder::new);
  private static final long ACKING_AT_MOST_NANOS = TimeUnit.MINUTES.toNanos(5);
  /** Threads that run the HTTP client's completions and read the event stream. */
  private static final int HTTP_THREADS = 2;

  private final MesosSettings settings;
  private final HttpClient client;
  private final ScheduledExecutorService timer;
  private final Backoff backoff;
  private final MeterRegistry registry;
  private final Optional<String> authorization;

  private volatile BackendListener listener;
  private volatile boolean closed = true;
  private final AtomicInteger generation = new AtomicInteger();
  private volatile String streamId;
  /** Whether SUBSCRIBED arrived on the live stream: calls go out only then. */
  private volatile boolean live;
  private volatile URI endpoint;
  private volatile URI redirect;
  private int masterIndex;
  private volatile String frameworkId;
  /** The framework id the scheduler's storage holds (or was asked to store); null if none. */
  private volatile String storedFrameworkId;
  private volatile RecordIoSubscriber stream;
  private volatile long lastEventNanos;
  private volatile double heartbeatSeconds = 15;
  private volatile ScheduledFuture<?> watchdog;
  private volatile ScheduledFuture<?> implicit;
  private volatile String lastError;
  private boolean watching;
  private volatile MaintenanceBridge maintenance;
  /** Where the subscription attempt in flight goes (null once it ended). */
  private volatile URI attempt;
  private volatile boolean warnedInverseOffers;
  /** The hostname of each agent the backend saw offers of. */
  private final Map<String, String> hostnames = new ConcurrentHashMap<>();
  /** Whether the framework wants offers (the last word of the core's demand, or of the user); a new one does. */
  private volatile boolean wantOffers = true;

  /** Offers held, by Mesos offer id. */
  private final Map<String, Held> offers = new ConcurrentHashMap<>();
  /**
   * Tasks this backend launched or was asked about, not yet reported ended, with their agent where known and
   * whether they are still launching: one entry a task, made on the state loop at launch (one map, not one
   * per fact: at 100,000 launches a map's growth is most of a launch's cost on the loop).
   */
  private final Map<TaskId, Tracked> tracked = new ConcurrentHashMap<>();
  /** Tasks reported ended, with their agent where known (bounded, oldest dropped). */
  private final Map<TaskId, String> ended = Collections.synchronizedMap(new LinkedHashMap<>() {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<TaskId, String> eldest) {
      return size() > REMEMBERED_ENDS;
    }
  });

  /** Calls waiting to go out but acknowledgements: launches, declines, kills and the rest, in order. */
  private final ConcurrentLinkedQueue<Outgoing> queue = new ConcurrentLinkedQueue<>();
  /** Acknowledgements waiting to go out; they take turns with the other calls. */
  private final ConcurrentLinkedQueue<Outgoing> acks = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Whether an acknowledgement goes next when both kinds of call wait (they take turns; racy is fine). */
  private volatile boolean ackTurn;
  private final Object callsLock = new Object();
  /** The connection calls go out on, and the stream id it carries (guarded by callsLock). */
  private PipelinedConnection calls;
  private String callsStream;
  /**
   * Updates (by uuid) forwarded to the core whose acknowledgement has not been answered yet, and when
   * they came. The master re-sends an unacknowledged update (Mesos agents every 10 s, then backing off);
   * a copy that comes while the first is still on its way to the store or its acknowledgement still
   * queued is dropped: forwarding it would store it and acknowledge it once more, and when
   * acknowledgements lag (100,000 tasks starting) those copies were over a quarter of all calls.
   */
  private final Map<com.google.protobuf.ByteString, Long> acking = new ConcurrentHashMap<>();
  private final Counter duplicateUpdates;

  private final Counter reconnects;
  private final Counter missedHeartbeats;
  private final Counter errorEvents;
  private final Set<String> warnedResources = ConcurrentHashMap.newKeySet();
  /** Health checks run by Mesos, and their verdicts as the core's health. */
  private final HealthChecks health = new HealthChecks();

  /** A held Mesos offer and the parts (core offers) of it the core has not used or declined. */
  private static final class Held {
    final Protos.Offer offer;
    final Set<String> parts;
    final int generation;

    Held(Protos.Offer offer, Set<String> parts, int generation) {
      this.offer = offer;
      this.parts = parts;
      this.generation = generation;
    }
  }

  /**
   * A call waiting to go out; {@code onFailure} hears of an error status or a lost connection. {@code
   * encode}, if not null, builds the call's bytes (framework id included) when it is written; else
   * {@code call} is encoded with the framework id then.
   */
  /**
   * A call to send: {@code call} says its type (and is the call, unless {@code encode} makes its bytes);
   * {@code acked} is the uuid an ACKNOWLEDGE acknowledges (else null).
   */
  private record Outgoing(Call call, int generation, Consumer<String> onFailure, Supplier<byte[]> encode,
      com.google.protobuf.ByteString acked) {
    Outgoing(Call call, int generation, Consumer<String> onFailure) {
      this(call, generation, onFailure, null, null);
    }

    Outgoing(Call call, int generation, Consumer<String> onFailure, Supplier<byte[]> encode) {
      this(call, generation, onFailure, encode, null);
    }
  }

  /** What an ACKNOWLEDGE's {@link Outgoing} carries as its call: its type (its bytes are encoded directly). */
  private static final Call ACKNOWLEDGE = Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).build();

  /** The framework id as a message, made again only when the id changes (read per acknowledgement). */
  private volatile Protos.FrameworkID frameworkIdMessage;

  private Protos.FrameworkID frameworkIdMessage() {
    Protos.FrameworkID m = frameworkIdMessage;
    String id = frameworkId;
    if (m == null || !m.getValue().equals(id)) {
      m = Protos.FrameworkID.newBuilder().setValue(id).build();
      frameworkIdMessage = m;
    }
    return m;
  }

  public HttpMesosBackend(MesosSettings settings) {
    this.settings = settings;
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(settings.requestTimeout());
    settings.sslContext().ifPresent(b::sslContext);
    // The client's own default executor is a cached pool: every completion of every call hops to a
    // (often new or parked) thread, which at thousands of ACKNOWLEDGE calls a second cost more CPU than
    // the calls themselves (see docs/performance.md, Mesos). Nothing run on it blocks (the event stream
    // and completions only queue work), so two threads serve; idle, they end.
    java.util.concurrent.ThreadPoolExecutor callbacks = new java.util.concurrent.ThreadPoolExecutor(HTTP_THREADS,
        HTTP_THREADS, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "aurora-mesos-http");
          t.setDaemon(true);
          return t;
        });
    callbacks.allowCoreThreadTimeOut(true);
    b.executor(callbacks);
    this.client = b.build();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aurora-mesos-timer");
      t.setDaemon(true);
      return t;
    });
    this.backoff = new Backoff(settings.minBackoff(), settings.maxBackoff());
    this.registry = settings.registry();
    this.authorization = settings.principal().map(p -> "Basic " + Base64.getEncoder()
        .encodeToString((p + ":" + settings.secret().orElse("")).getBytes(StandardCharsets.UTF_8)));
    this.reconnects = registry.counter("aurora.mesos.reconnects");
    this.missedHeartbeats = registry.counter("aurora.mesos.heartbeats.missed");
    this.errorEvents = registry.counter("aurora.mesos.errors");
    this.duplicateUpdates = registry.counter("aurora.mesos.updates.duplicate");
    registry.gauge("aurora.mesos.tasks.tracked", tracked, Map::size);
    this.frameworkId = settings.frameworkIds().flatMap(FrameworkIdStore::load).orElse(null);
  }

  // ------------------------------------------------------------------ ClusterBackend

  @Override
  public synchronized void start(BackendListener l) {
    this.listener = l;
    this.closed = false;
    if (settings.frameworkIds().isEmpty()) {
      recoverFrameworkId(l);
    }
    if (!watching) {
      watching = true;
      settings.masters().watch(() -> {
        try {
          timer.execute(this::leaderChanged);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closed
        }
      });
    }
    timer.execute(this::subscribe);
  }

  /**
   * Reads the framework id from the scheduler's storage before subscribing; if the storage holds none,
   * from where an earlier release kept it (once: it is then stored), or else keeps the id this process
   * subscribed with in an earlier term.
   */
  private void recoverFrameworkId(BackendListener l) {
    String stored = l.backendProperties().get(MesosBackend.FRAMEWORK_ID_PROPERTY);
    if (stored != null && !stored.isEmpty()) {
      frameworkId = stored;
      storedFrameworkId = stored;
      return;
    }
    storedFrameworkId = null;
    if (frameworkId != null) {
      storeFrameworkId(frameworkId); // subscribed in an earlier term whose write did not land
      return;
    }
    Optional<String> earlier;
    try {
      earlier = settings.frameworkIdMigration().load();
    } catch (RuntimeException e) {
      LOG.warn("cannot read the framework id an earlier release kept: {}; subscribing as a new framework",
          rootMessage(e));
      earlier = Optional.empty();
    }
    earlier.ifPresent(id -> {
      LOG.info("the scheduler's storage holds no framework id: using framework {} kept by an earlier release, "
          + "and storing it in the scheduler's storage (the earlier file is no longer read)", id);
      frameworkId = id;
      storeFrameworkId(id);
    });
  }

  /** Stores the framework id in the scheduler's storage, unless it holds it (or was asked to) already. */
  private void storeFrameworkId(String id) {
    BackendListener l = listener;
    if (l == null || id.equals(storedFrameworkId)) {
      return;
    }
    storedFrameworkId = id;
    l.storeBackendProperties(Map.of(MesosBackend.FRAMEWORK_ID_PROPERTY, id),
        () -> LOG.info("framework id {} stored in the scheduler's storage", id));
  }

  /** The detector names another leader: unless subscribed to it already, subscribe to it now. */
  private void leaderChanged() {
    if (closed) {
      return;
    }
    URI leader;
    try {
      leader = settings.masters().masters().get(0);
    } catch (RuntimeException e) {
      return;
    }
    URI at = live ? endpoint : attempt;
    if (at != null && leader.getHost().equals(at.getHost()) && leader.getPort() == at.getPort()) {
      return; // subscribed, or subscribing, to it already
    }
    LOG.info("the master detector names {} as the leader; subscribing to it", leader);
    synchronized (this) {
      masterIndex = 0;
      redirect = null;
    }
    disconnected(generation.get(), true);
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    List<TaskId> ids = new ArrayList<>(tasks.size());
    for (TaskLaunch t : tasks) {
      tracked.put(t.taskId(), new Tracked(t.agentId(), true));
      health.launched(t);
      ids.add(t.taskId());
    }
    try {
      // one timer for the call's tasks (they share the deadline), not one per task
      timer.schedule(() -> ids.forEach(this::stuck), settings.stuckTaskTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
    List<Protos.Offer> used = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    Set<String> mesosIds = new java.util.LinkedHashSet<>();
    for (String id : offerIds) {
      mesosIds.add(OfferTranslation.mesosId(id));
    }
    int gen = generation.get();
    for (String mid : mesosIds) {
      Held h = offers.remove(mid);
      if (h == null || h.generation != gen) {
        invalid.add(mid);
        continue;
      }
      used.add(h.offer);
      // the whole Mesos offer is used: the part the core did not name is gone too
      synchronized (h.parts) {
        for (String part : h.parts) {
          if (!offerIds.contains(part)) {
            report(l -> l.offerRescinded(part));
          }
        }
      }
    }
    if (!invalid.isEmpty()) {
      lose(tasks, "offer " + String.join(", ", invalid) + " is no longer valid (used, declined or rescinded)");
      declineAll(used, Duration.ZERO);
      return;
    }
    // The TaskInfos and the ACCEPT are built and encoded on the call connection's writer thread as the
    // call goes out (in this call's place among the others), not here: here is the core's state loop,
    // which meanwhile goes back to storing statuses. A task the offers cannot hold is reported LOST then.
    List<TaskLaunch> fitting = new ArrayList<>(tasks);
    Call placeholder = Call.newBuilder().setType(Call.Type.ACCEPT).build();
    enqueue(new Outgoing(placeholder, gen, why -> {
      List<TaskLaunch> lost;
      synchronized (fitting) {
        lost = List.copyOf(fitting);
      }
      lose(lost, "launch refused: " + why);
    }, () -> acceptBytes(used, mesosIds, tasks, fitting)));
  }

  /**
   * The encoded ACCEPT launching {@code tasks} on {@code used}, or a DECLINE of them if no task fits;
   * {@code fitting} is left holding the tasks the call launches (the others are reported LOST).
   */
  private byte[] acceptBytes(List<Protos.Offer> used, Set<String> mesosIds, List<TaskLaunch> tasks,
      List<TaskLaunch> fitting) {
    LaunchTranslation carve = new LaunchTranslation(used, settings.runner(), settings.customExecutor());
    // plain command tasks, the common case: encoded straight to bytes (AcceptEncoder says why)
    AcceptEncoder plain = settings.runner().isEmpty() && settings.customExecutor().isEmpty()
        && settings.launchGroups().isEmpty() ? ENCODERS.get().reset() : null;
    List<Protos.TaskInfo> infos = new ArrayList<>(plain != null ? 0 : tasks.size());
    List<Protos.Resource> noExecutor = List.of();
    for (TaskLaunch t : tasks) {
      try {
        if (plain != null) {
          plain.add(t, carve.take(t, noExecutor), HealthChecks.toMesos(t));
        } else {
          infos.add(HealthChecks.withHealthCheck(carve.taskInfo(t), t));
        }
      } catch (LaunchTranslation.Shortfall e) {
        LOG.warn("launch beyond the offers {}: {}", mesosIds, e.getMessage());
        badInput("launch_beyond_offer");
        synchronized (fitting) {
          fitting.remove(t);
        }
        lose(List.of(t), "launch beyond offer: " + e.getMessage());
      }
    }
    if (plain != null && plain.tasks() > 0) {
      return plain.accept(frameworkId, used, seconds(settings.leftoverRefusal()));
    }
    Protos.FrameworkID fw = Protos.FrameworkID.newBuilder().setValue(frameworkId).build();
    if (infos.isEmpty()) {
      Call.Decline.Builder d = Call.Decline.newBuilder()
          .setFilters(Protos.Filters.newBuilder().setRefuseSeconds(0));
      used.forEach(o -> d.addOfferIds(o.getId()));
      return Call.newBuilder().setFrameworkId(fw).setType(Call.Type.DECLINE).setDecline(d).build().toByteArray();
    }
    Call.Accept.Builder accept = Call.Accept.newBuilder()
        .setFilters(Protos.Filters.newBuilder().setRefuseSeconds(seconds(settings.leftoverRefusal())));
    if (settings.launchGroups().isPresent()) {
      // one task group per task, on a default executor of its own (TaskGroups says why)
      for (Protos.TaskInfo info : infos) {
        accept.addOperations(TaskGroups.launchGroup(info, frameworkId, settings.launchGroups().get()));
      }
    } else {
      accept.addOperations(Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH)
          .setLaunch(Protos.Offer.Operation.Launch.newBuilder().addAllTaskInfos(infos)));
    }
    for (Protos.Offer o : used) {
      accept.addOfferIds(o.getId());
    }
    return Call.newBuilder().setFrameworkId(fw).setType(Call.Type.ACCEPT).setAccept(accept).build().toByteArray();
  }

  @Override
  public Optional<String> cannotRun(dev.aurora.api.TaskConfig config) {
    return settings.launchGroups().flatMap(share -> TaskGroups.cannotRun(config, share));
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    String mid = OfferTranslation.mesosId(offerId);
    Held h = offers.get(mid);
    if (h == null) {
      return;
    }
    boolean last;
    synchronized (h.parts) {
      h.parts.remove(offerId);
      last = h.parts.isEmpty();
    }
    if (last && offers.remove(mid, h)) {
      declineAll(List.of(h.offer), refuseFor);
    }
  }

  @Override
  public void kill(TaskId taskId) {
    Call.Kill.Builder k = Call.Kill.newBuilder().setTaskId(Protos.TaskID.newBuilder().setValue(taskId.value()));
    String agent = agentOf(taskId);
    if (agent != null) {
      k.setAgentId(Protos.AgentID.newBuilder().setValue(agent));
    }
    track(taskId, agent);
    // a kill the master refused is followed by a reconciliation: the core kills again what still runs
    send(Call.newBuilder().setType(Call.Type.KILL).setKill(k).build(), -1, why -> reconcile(Set.of(taskId)));
  }

  @Override
  public void reconcile(Set<TaskId> tasks) {
    for (TaskId t : tasks) {
      track(t, null);
    }
    if (tasks.isEmpty()) {
      return;
    }
    send(explicitReconcile(tasks), -1, why -> { });
  }

  @Override
  public synchronized void close() {
    if (closed && listener == null) {
      timer.shutdownNow();
      return;
    }
    closed = true;
    listener = null;
    generation.incrementAndGet();
    RecordIoSubscriber s = stream;
    if (s != null) {
      s.cancel();
    }
    queue.clear();
    acks.clear();
    acking.clear();
    PipelinedConnection c;
    synchronized (callsLock) {
      c = calls;
      calls = null;
    }
    if (c != null) {
      c.close();
    }
    timer.shutdownNow();
    MaintenanceBridge m = maintenance;
    if (m != null) {
      m.close();
    }
  }

  /** A launched task that never reported RUNNING (nor ended): reported LOST and killed, so it is replaced. */
  private void stuck(TaskId id) {
    Tracked t = tracked.get(id);
    if (t == null || !t.launched() || closed) {
      return;
    }
    registry.counter("aurora.mesos.tasks.stuck").increment();
    LOG.warn("task {} sent no RUNNING within {}; reporting it lost and killing it", id, settings.stuckTaskTimeout());
    untrack(id, t.agent);
    TaskStatus s = TaskStatus.of(id, ScheduleStatus.LOST, "no RUNNING within " + settings.stuckTaskTimeout());
    report(l -> l.statusUpdate(s));
    kill(id);
  }

  // ------------------------------------------------------------------ MesosBackend

  @Override
  public Optional<String> frameworkId() {
    return Optional.ofNullable(frameworkId);
  }

  @Override
  public boolean subscribed() {
    return live && !closed;
  }

  @Override
  public synchronized void demand(boolean anythingPending) {
    if (anythingPending != wantOffers) {
      if (anythingPending) {
        reviveOffers();
      } else {
        suppressOffers();
      }
    }
  }

  @Override
  public synchronized void suppressOffers() {
    wantOffers = false;
    Call.Suppress.Builder s = Call.Suppress.newBuilder().addAllRoles(settings.roles());
    send(Call.newBuilder().setType(Call.Type.SUPPRESS).setSuppress(s).build(), -1, why -> { });
  }

  @Override
  public synchronized void reviveOffers() {
    wantOffers = true;
    Call.Revive.Builder r = Call.Revive.newBuilder().addAllRoles(settings.roles());
    send(Call.newBuilder().setType(Call.Type.REVIVE).setRevive(r).build(), -1, why -> { });
  }

  @Override
  public synchronized void followMaintenance(dev.aurora.core.Scheduler scheduler, dev.aurora.api.Principal by) {
    if (maintenance != null) {
      throw new IllegalStateException("followMaintenance was called already");
    }
    maintenance = new MaintenanceBridge(scheduler, by, agent -> Optional.ofNullable(hostnames.get(agent)),
        (ids, gen) -> send(Call.newBuilder().setType(Call.Type.ACCEPT_INVERSE_OFFERS)
            .setAcceptInverseOffers(Call.AcceptInverseOffers.newBuilder().addAllInverseOfferIds(ids)).build(), gen,
            why -> LOG.warn("accepting inverse offers {} failed: {}; the next subscription brings new ones",
                ids.stream().map(Protos.OfferID::getValue).toList(), why)));
  }

  /** The last ERROR event's message, if any. */
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  // ------------------------------------------------------------------ subscription

  private void subscribe() {
    if (closed) {
      return;
    }
    int gen = generation.incrementAndGet();
    URI target = redirect;
    redirect = null;
    if (target == null) {
      List<URI> masters;
      try {
        masters = settings.masters().masters();
        if (masters.isEmpty()) {
          throw new IllegalStateException("the master detector knows no master");
        }
      } catch (RuntimeException e) {
        LOG.warn("no master to subscribe to: {}; trying again", rootMessage(e));
        disconnected(gen, false);
        return;
      }
      URI base = masters.get(Math.floorMod(masterIndex, masters.size()));
      target = base.resolve("/api/v1/scheduler");
    }
    URI to = target;
    attempt = to;
    HttpRequest request = request(to, subscribeCall(), null).timeout(settings.requestTimeout())
        .header("Accept", "application/x-protobuf").build();
    LOG.info("subscribing to {} as {}", to, frameworkId == null ? "a new framework" : "framework " + frameworkId);
    client.sendAsync(request, info -> {
      if (info.statusCode() == 200) {
        String sid = info.headers().firstValue("Mesos-Stream-Id").orElse(null);
        RecordIoSubscriber s = new RecordIoSubscriber(record -> onRecord(gen, record));
        synchronized (this) {
          if (gen != generation.get() || closed) {
            s.cancel();
          } else {
            endpoint = to;
            streamId = sid;
            stream = s;
            lastEventNanos = System.nanoTime();
          }
        }
        return BodySubscribers.mapping(s, v -> "");
      }
      if (info.statusCode() == 307) {
        Optional<String> location = info.headers().firstValue("Location");
        location.ifPresent(l -> redirect = to.resolve(l));
        LOG.info("master {} is not the leader; redirected to {}", to, location.orElse("(no location)"));
      }
      int code = info.statusCode();
      return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), body -> {
        if (code != 307) {
          badInput("error_status");
          LOG.warn("SUBSCRIBE to {} answered {}: {}", to, code, body);
        }
        return "status " + code;
      });
    }).whenComplete((response, error) -> {
      if (gen != generation.get() || closed) {
        return;
      }
      attempt = null;
      if (error != null) {
        LOG.warn("the subscription to {} ended: {}", to, rootMessage(error));
        if (rootMessage(error).startsWith("RecordIO")) {
          badInput("unparsable");
        }
      } else {
        LOG.warn("the subscription to {} ended ({})", to, response.body().isEmpty() ? "stream closed" : response.body());
      }
      disconnected(gen, redirect != null);
    });
  }

  private void disconnected(int gen, boolean redirected) {
    synchronized (this) {
      if (gen != generation.get() || closed) {
        return;
      }
      generation.incrementAndGet();
      live = false;
      attempt = null;
      streamId = null;
      RecordIoSubscriber s = stream;
      stream = null;
      if (s != null) {
        s.cancel();
      }
      if (!redirected) {
        masterIndex++;
      }
    }
    reconnects.increment();
    MaintenanceBridge m = maintenance;
    if (m != null) {
      m.subscriptionLost();
    }
    cancel(watchdog);
    cancel(implicit);
    // offers of a broken subscription are void
    for (String mid : new ArrayList<>(offers.keySet())) {
      Held h = offers.remove(mid);
      if (h != null) {
        synchronized (h.parts) {
          h.parts.forEach(p -> report(l -> l.offerRescinded(p)));
        }
      }
    }
    // launches waiting for a subscription would use void offers
    for (Outgoing o : queue) {
      if (o.call().getType() == Call.Type.ACCEPT && queue.remove(o)) {
        o.onFailure().accept("the connection to the master was lost before the launch went out");
      }
    }
    long delay = redirected ? 0 : backoff.nextMillis();
    if (!closed) {
      try {
        timer.schedule(this::subscribe, delay, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  private void onRecord(int gen, byte[] record) {
    if (gen != generation.get() || closed) {
      return;
    }
    lastEventNanos = System.nanoTime();
    Event event;
    try {
      event = Event.parseFrom(record);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      badInput("unparsable");
      LOG.warn("an event of {} bytes does not parse ({}); skipped", record.length, e.getMessage());
      return;
    }
    try {
      handle(gen, event);
    } catch (RuntimeException e) {
      badInput("unhandled_event");
      LOG.warn("an event could not be handled and was skipped: {}", event.getType(), e);
    }
  }

  private void handle(int gen, Event event) {
    switch (event.getType()) {
      case SUBSCRIBED -> onSubscribed(gen, event.getSubscribed());
      case OFFERS -> onOffers(gen, event.getOffers().getOffersList());
      case RESCIND -> onRescind(event.getRescind().getOfferId().getValue());
      case UPDATE -> onUpdate(event.getUpdate().getStatus());
      case FAILURE -> onFailure(event.getFailure());
      case ERROR -> {
        // the message first: whoever sees the counter move reads lastError()
        lastError = event.getError().getMessage();
        errorEvents.increment();
        LOG.error("the master sent ERROR: {}", lastError);
      }
      case INVERSE_OFFERS -> onInverseOffers(gen, event.getInverseOffers().getInverseOffersList());
      case RESCIND_INVERSE_OFFER -> {
        MaintenanceBridge m = maintenance;
        if (m != null) {
          m.rescinded(event.getRescindInverseOffer().getInverseOfferId().getValue());
        }
      }
      case HEARTBEAT -> { }
      default -> LOG.debug("event {} ignored", event.getType());
    }
  }

  private void onSubscribed(int gen, Event.Subscribed s) {
    String id = s.getFrameworkId().getValue();
    if (settings.frameworkIds().isPresent()) {
      if (!id.equals(frameworkId)) {
        frameworkId = id;
        settings.frameworkIds().get().save(id);
      }
    } else {
      frameworkId = id;
      // stored before any offer of this subscription is used: the offers reach the scheduler's loop
      // after this write, so no task is launched under an id the storage does not hold
      storeFrameworkId(id);
    }
    if (s.hasHeartbeatIntervalSeconds() && s.getHeartbeatIntervalSeconds() > 0) {
      heartbeatSeconds = s.getHeartbeatIntervalSeconds();
    }
    backoff.reset();
    live = true;
    LOG.info("subscribed as framework {} at {} (heartbeat every {}s)", id, endpoint, heartbeatSeconds);
    long tick = Math.max(10, (long) (heartbeatSeconds * 1000 / 4));
    cancel(watchdog);
    watchdog = timer.scheduleWithFixedDelay(() -> checkHeartbeat(gen), tick, tick, TimeUnit.MILLISECONDS);
    cancel(implicit);
    long every = settings.implicitReconciliation().toMillis();
    implicit = timer.scheduleWithFixedDelay(() -> send(Call.newBuilder().setType(Call.Type.RECONCILE)
        .setReconcile(Call.Reconcile.newBuilder()).build(), -1, why -> { }), every, every, TimeUnit.MILLISECONDS);
    // a new subscription gets offers: what was said of them before is void; say it again if none are wanted
    synchronized (this) {
      queue.removeIf(o -> o.call().getType() == Call.Type.SUPPRESS || o.call().getType() == Call.Type.REVIVE);
      if (!wantOffers) {
        queue.add(new Outgoing(Call.newBuilder().setType(Call.Type.SUPPRESS)
            .setSuppress(Call.Suppress.newBuilder().addAllRoles(settings.roles())).build(), -1, why -> { }));
      }
    }
    // explicit reconciliation of every task the backend knows, then whatever waited for a subscription
    Set<TaskId> all = new HashSet<>(tracked.keySet());
    if (!all.isEmpty()) {
      queue.add(new Outgoing(explicitReconcile(all), -1, why -> { }));
    }
    drain();
  }

  private void checkHeartbeat(int gen) {
    if (gen != generation.get() || closed) {
      return;
    }
    long silentNanos = System.nanoTime() - lastEventNanos;
    if (silentNanos > (long) (heartbeatSeconds * 1e9 * settings.missedHeartbeats())) {
      missedHeartbeats.increment();
      LOG.warn("no event from {} for {} ms ({} heartbeats missed); reconnecting", endpoint, silentNanos / 1_000_000,
          settings.missedHeartbeats());
      disconnected(gen, false);
    }
  }

  private void onOffers(int gen, List<Protos.Offer> mesosOffers) {
    List<Offer> core = new ArrayList<>(mesosOffers.size() * 2);
    for (Protos.Offer o : mesosOffers) {
      List<Offer> parts = OfferTranslation.toCore(o, (name, detail) -> {
        badInput("unknown_resource");
        if (warnedResources.add(name)) {
          LOG.warn("offer {} holds resource '{}' ({}) the scheduler does not use; ignored (warned once per name)",
              o.getId().getValue(), name, detail);
        }
      });
      boolean usable = parts.stream().anyMatch(p -> p.cpus() > 0 && p.ramMb() > 0);
      if (!usable) {
        LOG.info("offer {} from {} has no cpus and memory the scheduler can use; declined", o.getId().getValue(),
            o.getHostname());
        declineAll(List.of(o), Duration.ofMinutes(5));
        continue;
      }
      hostnames.put(o.getAgentId().getValue(), o.getHostname());
      Set<String> ids = ConcurrentHashMap.newKeySet();
      parts.forEach(p -> ids.add(p.id()));
      offers.put(o.getId().getValue(), new Held(o, ids, gen));
      MaintenanceBridge m = maintenance;
      if (m != null && m.changesMaintenance(o)) {
        // Offer.unavailability: the host's maintenance changes first, then the scheduler sees the offer
        String mid = o.getId().getValue();
        m.offered(o, () -> {
          if (offers.containsKey(mid)) { // not rescinded meanwhile
            report(l -> l.offers(parts));
          }
        });
        continue;
      }
      core.addAll(parts);
    }
    if (!core.isEmpty()) {
      report(l -> l.offers(core));
    }
  }

  private void onInverseOffers(int gen, List<Protos.InverseOffer> inverse) {
    MaintenanceBridge m = maintenance;
    if (m != null) {
      m.inverseOffers(inverse, gen);
    } else if (!warnedInverseOffers) {
      warnedInverseOffers = true;
      LOG.warn("inverse offers (Mesos maintenance) for agents {} left unanswered: call followMaintenance(scheduler, "
          + "principal) to drain their hosts (warned once)", inverse.stream().map(o -> o.getAgentId().getValue())
          .toList());
    }
  }

  private void onRescind(String mid) {
    Held h = offers.remove(mid);
    if (h != null) {
      synchronized (h.parts) {
        h.parts.forEach(p -> report(l -> l.offerRescinded(p)));
      }
    }
  }

  private void onFailure(Event.Failure f) {
    if (f.hasAgentId() && !f.hasExecutorId()) {
      String agent = f.getAgentId().getValue();
      for (String mid : new ArrayList<>(offers.keySet())) {
        Held h = offers.get(mid);
        if (h != null && h.offer.getAgentId().getValue().equals(agent)) {
          onRescind(mid);
        }
      }
      if (settings.capabilities().contains(Capability.PARTITION_AWARE)) {
        // as Aurora does: a partition-aware framework hears of each task (TASK_UNREACHABLE, later
        // TASK_GONE or back RUNNING), so the job's partition policy decides, not the agent's loss
        LOG.warn("agent {} failed or is unreachable; its tasks' own updates say what became of them", agent);
      } else {
        LOG.warn("agent {} failed; its tasks are lost", agent);
        report(l -> l.agentLost(agent));
      }
    }
  }

  private void onUpdate(Protos.TaskStatus s) {
    if (s.hasUuid() && s.hasAgentId()) {
      long now = System.nanoTime();
      Long first = acking.putIfAbsent(s.getUuid(), now);
      if (first != null) {
        if (now - first < ACKING_AT_MOST_NANOS) {
          duplicateUpdates.increment();
          return; // its first copy is being stored and acknowledged
        }
        acking.put(s.getUuid(), now);
      }
    }
    Runnable ack = s.hasUuid() && s.hasAgentId() ? () -> acknowledge(s) : () -> { };
    TaskId id;
    try {
      id = TaskId.of(s.getTaskId().getValue());
    } catch (RuntimeException e) {
      badInput("unknown_task");
      LOG.warn("a status for task id '{}' that is no task id of this scheduler: {}", s.getTaskId().getValue(),
          e.getMessage());
      ack.run();
      return;
    }
    Optional<ScheduleStatus> state = StatusMapping.toCore(s.getState());
    Tracked t = tracked.get(id);
    String agent = s.hasAgentId() ? s.getAgentId().getValue() : t != null ? t.agent : null;
    if (t != null && agent != null && !agent.equals(t.agent)) {
      t.agent = agent;
    }
    if (t == null && !ended.containsKey(id)) {
      badInput("unknown_task");
      LOG.warn("status {} for task {} on agent {} that this backend never launched nor was asked about: {}",
          s.getState(), id, s.getAgentId().getValue(), s.getMessage());
    }
    if (state.isEmpty()) {
      ack.run();
      return;
    }
    ScheduleStatus st = state.get();
    if (t != null && (st == ScheduleStatus.RUNNING || st.isTerminal())) {
      t.launched();
    }
    if (!st.isTerminal() && ended.containsKey(id)) {
      // reported ended (lost or unreachable) and replaced since: it must not run twice
      LOG.warn("task {} reported {} after it was reported ended; killing it", id, s.getState());
      ack.run();
      kill(id);
      return;
    }
    if (st.isTerminal()) {
      untrack(id, agent);
      health.ended(id);
    } else if (t == null) {
      track(id, agent);
    }
    ImmutableTaskStatus.Builder b = ImmutableTaskStatus.builder().taskId(id).state(st).message(message(s));
    health.verdict(id, s).ifPresent(b::healthy);
    // the per-process records of the task runner's custom executor, if the status carries them
    b.processes(ProcessData.recordsOf(s.getData(), id.value(), () -> badInput("bad_process_data")));
    TaskStatus status = b.build();
    report(l -> l.statusUpdate(status, ack));
  }

  /** Queues the ACKNOWLEDGE of {@code s}, encoded straight to bytes as it goes out (AcknowledgeEncoder). */
  private void acknowledge(Protos.TaskStatus s) {
    if (closed) {
      return;
    }
    // no Call built: the bytes are encoded from the status as the call goes out
    enqueue(new Outgoing(ACKNOWLEDGE, -1, why -> { }, () -> AcknowledgeEncoder.acknowledge(frameworkIdMessage(), s),
        s.getUuid()));
  }

  private static String message(Protos.TaskStatus s) {
    if (!s.hasReason() && s.getMessage().isEmpty()) {
      return s.getState().name(); // most updates (STARTING, RUNNING from an agent): no string made
    }
    StringBuilder m = new StringBuilder(s.getState().name());
    if (s.hasReason()) {
      m.append(" (").append(s.getReason().name()).append(')');
    }
    if (s.hasMessage() && !s.getMessage().isEmpty()) {
      m.append(": ").append(s.getMessage());
    }
    return m.toString();
  }

  // ------------------------------------------------------------------ calls

  private Call subscribeCall() {
    Protos.FrameworkInfo.Builder fw = Protos.FrameworkInfo.newBuilder().setUser(settings.user())
        .setName(settings.frameworkName()).setFailoverTimeout(settings.failoverTimeout().toMillis() / 1000.0)
        .setCheckpoint(settings.checkpoint());
    settings.principal().ifPresent(fw::setPrincipal);
    if (settings.capabilities().contains(Capability.MULTI_ROLE)) {
      fw.addAllRoles(settings.roles());
    } else if (!settings.roles().isEmpty()) {
      setLegacyRole(fw, settings.roles().get(0));
    }
    for (Capability c : settings.capabilities()) {
      fw.addCapabilities(Protos.FrameworkInfo.Capability.newBuilder()
          .setType(Protos.FrameworkInfo.Capability.Type.valueOf(c.name())));
    }
    Call.Builder call = Call.newBuilder().setType(Call.Type.SUBSCRIBE);
    String id = frameworkId;
    if (id != null) {
      fw.setId(Protos.FrameworkID.newBuilder().setValue(id));
      call.setFrameworkId(Protos.FrameworkID.newBuilder().setValue(id));
    }
    return call.setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(fw)).build();
  }

  @SuppressWarnings("deprecation")
  private static void setLegacyRole(Protos.FrameworkInfo.Builder fw, String role) {
    fw.setRole(role);
  }

  private Call explicitReconcile(Set<TaskId> tasks) {
    Call.Reconcile.Builder r = Call.Reconcile.newBuilder();
    for (TaskId t : tasks) {
      Call.Reconcile.Task.Builder task = Call.Reconcile.Task.newBuilder()
          .setTaskId(Protos.TaskID.newBuilder().setValue(t.value()));
      String agent = agentOf(t);
      if (agent != null) {
        task.setAgentId(Protos.AgentID.newBuilder().setValue(agent));
      }
      r.addTasks(task);
    }
    return Call.newBuilder().setType(Call.Type.RECONCILE).setReconcile(r).build();
  }

  private void declineAll(List<Protos.Offer> declined, Duration refuse) {
    if (declined.isEmpty()) {
      return;
    }
    Call.Decline.Builder d = Call.Decline.newBuilder()
        .setFilters(Protos.Filters.newBuilder().setRefuseSeconds(seconds(refuse)));
    declined.forEach(o -> d.addOfferIds(o.getId()));
    send(Call.newBuilder().setType(Call.Type.DECLINE).setDecline(d).build(), generation.get(), why -> { });
  }

  /**
   * Sends {@code call} (its framework id filled in) when a subscription is live; {@code gen} other than
   * -1 ties it to one subscription: if that one is gone by then, the call fails without going out.
   */
  private void send(Call call, int gen, Consumer<String> onFailure) {
    if (closed) {
      return;
    }
    enqueue(new Outgoing(call, gen, onFailure));
  }

  private void enqueue(Outgoing o) {
    if (closed) {
      return;
    }
    (o.call().getType() == Call.Type.ACKNOWLEDGE ? acks : queue).add(o);
    drain();
  }

  private void drain() {
    while (live && !closed) {
      if (inFlight.incrementAndGet() > settings.maxCallsInFlight()) {
        inFlight.decrementAndGet();
        return;
      }
      // acknowledgements take turns with the other calls: a launch wave does not hold them back (a
      // task's next update comes only once its last one is acknowledged), nor they a launch wave
      boolean ackFirst = ackTurn;
      Outgoing o = ackFirst ? acks.poll() : queue.poll();
      if (o == null) {
        o = ackFirst ? queue.poll() : acks.poll();
      }
      if (o != null) {
        ackTurn = o.call().getType() != Call.Type.ACKNOWLEDGE;
      }
      if (o == null) {
        inFlight.decrementAndGet();
        if (queue.isEmpty() && acks.isEmpty()) {
          return;
        }
        continue;
      }
      int gen = generation.get();
      if (o.generation() != -1 && o.generation() != gen) {
        inFlight.decrementAndGet();
        o.onFailure().accept("the subscription the call belonged to is gone");
        continue;
      }
      transmit(o, gen);
    }
  }

  private void transmit(Outgoing o, int gen) {
    String sid = streamId;
    URI to = endpoint;
    if (sid == null || to == null) {
      inFlight.decrementAndGet();
      (o.call().getType() == Call.Type.ACKNOWLEDGE ? acks : queue).add(o);
      return;
    }
    Call call = o.call();
    // encoded on the connection's writer thread as it goes out, not on the caller's (often the state loop)
    Supplier<byte[]> body = o.encode() != null ? o.encode() : () -> call.toBuilder()
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId)).build().toByteArray();
    connection(to, sid).send(body).whenComplete((r, error) -> {
      inFlight.decrementAndGet();
      if (o.acked() != null) {
        // answered or failed: a copy of the update that comes from now on is the master's retry
        acking.remove(o.acked());
      }
      try {
        if (error != null) {
          if (!closed) { // a call cut off by close() is no news
            LOG.warn("{} to {} failed: {}", call.getType(), to, rootMessage(error));
          }
          o.onFailure().accept(rootMessage(error));
        } else if (r.status() == 307) {
          LOG.warn("{} to {} answered 307: the leader moved; resubscribing", call.getType(), to);
          r.location().ifPresent(l -> redirect = to.resolve(l));
          o.onFailure().accept("the master is no longer the leader");
          disconnected(gen, redirect != null);
        } else if (r.status() / 100 != 2) {
          badInput("error_status");
          LOG.warn("{} to {} answered {}: {}", call.getType(), to, r.status(), r.body());
          o.onFailure().accept("status " + r.status() + ": " + r.body());
        }
      } finally {
        drain();
      }
    });
  }

  /**
   * The connection for calls to {@code to} on the stream {@code sid}: the one in use, or a new one if it
   * broke or belongs to an earlier subscription (which then closes once its calls are answered).
   */
  private PipelinedConnection connection(URI to, String sid) {
    PipelinedConnection old = null;
    PipelinedConnection c;
    synchronized (callsLock) {
      c = calls;
      if (c == null || !c.isOpen() || !c.endpoint().equals(to) || !sid.equals(callsStream)) {
        old = c;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", PROTOBUF);
        headers.put("Accept", PROTOBUF);
        headers.put("Mesos-Stream-Id", sid);
        authorization.ifPresent(a -> headers.put("Authorization", a));
        c = PipelinedConnection.open(to, headers, settings.sslContext(), settings.maxCallsInFlight(),
            settings.requestTimeout());
        calls = c;
        callsStream = sid;
      }
    }
    if (old != null) {
      old.closeWhenDone();
    }
    return c;
  }

  private HttpRequest.Builder request(URI to, Call call, String sid) {
    HttpRequest.Builder b = HttpRequest.newBuilder(to).header("Content-Type", PROTOBUF)
        .POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray()));
    if (sid != null) {
      b.header("Mesos-Stream-Id", sid);
    }
    authorization.ifPresent(a -> b.header("Authorization", a));
    return b;
  }

  // ------------------------------------------------------------------ helpers

  /** A task this backend tracks: its agent where known, and whether it is still launching. */
  private static final class Tracked {
    private static final AtomicIntegerFieldUpdater<Tracked> LAUNCHING =
        AtomicIntegerFieldUpdater.newUpdater(Tracked.class, "launching");
    volatile String agent;
    private volatile int launching;

    Tracked(String agent, boolean launching) {
      this.agent = agent;
      this.launching = launching ? 1 : 0;
    }

    /** Marks it launched (RUNNING or ended); whether it was still launching (true for one caller only). */
    boolean launched() {
      return launching == 1 && LAUNCHING.compareAndSet(this, 1, 0);
    }
  }

  /** The agent of a task tracked or recently ended, or null if not known. */
  private String agentOf(TaskId id) {
    Tracked t = tracked.get(id);
    String agent = t != null ? t.agent : null;
    return agent != null ? agent : ended.get(id);
  }

  /** Tracks a task (known, not launching) unless it is tracked already. */
  private void track(TaskId id, String agent) {
    tracked.computeIfAbsent(id, k -> new Tracked(agent != null ? agent : ended.get(k), false));
  }

  /** Stops tracking an ended task, remembering it (and its agent) among the recently ended. */
  private void untrack(TaskId id, String agent) {
    Tracked t = tracked.remove(id);
    ended.put(id, agent != null ? agent : t != null ? t.agent : null);
  }

  /** The number of tasks this backend tracks (launched or asked about, not reported ended). */
  public int trackedTasks() {
    return tracked.size();
  }

  private void lose(List<TaskLaunch> tasks, String why) {
    for (TaskLaunch t : tasks) {
      untrack(t.taskId(), t.agentId());
      TaskStatus s = TaskStatus.of(t.taskId(), ScheduleStatus.LOST, why);
      report(l -> l.statusUpdate(s));
    }
  }

  private void report(Consumer<BackendListener> r) {
    BackendListener l = listener;
    if (l != null && !closed) {
      r.accept(l);
    }
  }

  private void badInput(String kind) {
    registry.counter("aurora.mesos.bad.input", "kind", kind).increment();
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
