package dev.aurora.http;

import dev.aurora.api.AuroraException;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Principal;
import dev.aurora.core.Authorizer;
import dev.aurora.core.FileLogBackups;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.NoSuchInstanceException;
import dev.aurora.core.NotLeaderException;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.NoSuchQuotaException;
import dev.aurora.core.NoSuchUpdateException;
import dev.aurora.core.NotAuthorizedException;
import dev.aurora.core.QuotaExceededException;
import dev.aurora.core.Scheduler;
import dev.aurora.core.UpdateInProgressException;
import dev.aurora.http.internal.Api;
import dev.aurora.http.internal.ApiProblem;
import dev.aurora.http.internal.BasicAuthenticator;
import dev.aurora.http.internal.BearerAuthenticator;
import dev.aurora.http.internal.EventHub;
import dev.aurora.http.internal.Exchange;
import dev.aurora.http.internal.Json;
import dev.aurora.http.internal.NoAuthenticator;
import dev.aurora.http.internal.Reply;
import dev.aurora.http.internal.Route;
import dev.aurora.http.internal.Routing;
import dev.aurora.http.internal.Tokens;
import dev.aurora.http.internal.Vars;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API, UI, health and metrics as one handler, independent of any HTTP server: the
 * {@link OperatorServer} runs it on the JDK's HTTP server, and {@link OperatorServlet} mounts it in a
 * host application's servlet container.
 *
 * <pre>{@code
 * OperatorHandler handler = OperatorHandler.builder().scheduler(scheduler)
 *     .authenticator(Authenticator.basic(Path.of("users.passwd")))
 *     .authorizer(authorizer)              // the scheduler's, so the UI shows only allowed buttons
 *     .meterRegistry(prometheusRegistry)   // the scheduler's, so /metrics shows the scheduler's meters
 *     .build();
 * }</pre>
 *
 * <p>Every request but {@code /health} and {@code /leaderhealth} must authenticate (401 otherwise);
 * the scheduler's {@code Authorizer} judges each change (403 when refused). Nothing changes when a
 * request is refused or invalid. Errors are RFC 9457 problem JSON and never carry a stack trace.
 */
public final class OperatorHandler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorHandler.class);
  private static final Pattern UI_FILE = Pattern.compile("[a-z0-9-]+\\.(html|js|css|png|svg)");
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "png", "image/png",
      "svg", "image/svg+xml");

  private static final long DRAIN_LIMIT = 64L << 20;
  private static final String JOBS = Api.BASE + "/jobs";

  private final Scheduler scheduler;
  private final Authenticator authenticator;
  private final LeaderStatus leader;
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final long maxBodyBytes;
  private final Tokens tokens = new Tokens();
  private final EventHub events;
  private final Routing routing;
  private final Api api;
  private final ConcurrentHashMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  private OperatorHandler(Builder b) {
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
    this.authenticator = b.authenticator;
    this.leader = b.leader != null ? b.leader : LeaderStatus.of(scheduler);
    PrometheusMeterRegistry found = findPrometheus(b.registry);
    this.prometheus = found != null ? found : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.registry = b.registry != null ? b.registry : prometheus;
    this.maxBodyBytes = b.maxBodyBytes;
    this.events = new EventHub(b.eventRing, b.eventClientBuffer, b.maxEventClients, b.keepAlive);
    this.api = new Api(scheduler, b.authorizer, tokens, events, b.clock, b.backups, b.jobListStaleness);
    this.routing = new Routing(api.routes());
    events.start(scheduler);
  }

  private static @Nullable PrometheusMeterRegistry findPrometheus(@Nullable MeterRegistry r) {
    if (r instanceof PrometheusMeterRegistry p) {
      return p;
    }
    if (r instanceof CompositeMeterRegistry c) {
      for (MeterRegistry child : c.getRegistries()) {
        PrometheusMeterRegistry p = findPrometheus(child);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  /** A builder; {@link Builder#scheduler} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures an {@link OperatorHandler}. */
  public static final class Builder {
    private @Nullable Scheduler scheduler;
    private Authenticator authenticator = Authenticator.none();
    private Authorizer authorizer = Authorizer.allowAll();
    private @Nullable LeaderStatus leader;
    private @Nullable MeterRegistry registry;
    private long maxBodyBytes = 1 << 20;
    private int eventRing = 1_000;
    private int eventClientBuffer = 1_000;
    private int maxEventClients = 32;
    private Duration keepAlive = Duration.ofSeconds(15);
    private Clock clock = Clock.systemUTC();
    private Duration jobListStaleness = Duration.ofMillis(500);
    private @Nullable FileLogBackups backups;

    Builder() {}

    /**
     * Serves {@code GET /api/v1/backups} (the backups, oldest first) and {@code POST /api/v1/backups}
     * (a backup now, for principals the authorizer lets {@code backupNow} on the cluster) with these
     * backups of the scheduler's file-log storage. Without them both answer 501.
     */
    public Builder backups(FileLogBackups backups) {
      this.backups = Objects.requireNonNull(backups, "backups");
      return this;
    }

    /** The scheduler to operate. Required. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Who sends a request; {@link Authenticator#none()} by default (everyone is {@code anonymous}). */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * The scheduler's authorizer, so the UI shows a principal only the actions it may take. The
     * scheduler enforces its own authorizer whatever this says. Allows everything by default.
     */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /** Whether this scheduler leads; by default the scheduler says ({@link LeaderStatus#of(Scheduler)}). */
    public Builder leaderStatus(LeaderStatus leader) {
      this.leader = Objects.requireNonNull(leader, "leader");
      return this;
    }

    /**
     * The registry {@code /vars} shows, and {@code /metrics} if it is (or holds) a
     * {@code PrometheusMeterRegistry}: give the scheduler's. Without one, both show only the
     * server's own request metrics.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The largest request body accepted (413 above it); 1 MiB by default. */
    public Builder maxBodyBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be >= 1, was " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /**
     * The event stream's limits: how many recent events are kept for clients resuming with
     * {@code Last-Event-ID} (1000), how many events from earlier batches may wait for one client
     * when a new batch comes (1000: a client at or under it takes the batch whole, however large; one
     * over it is dropped once its writer made no progress for 500 batches, or past 262,144 events
     * waiting), and how many clients may follow at once (32).
     */
    public Builder events(int recent, int perClientBuffer, int maxClients) {
      if (recent < 1 || perClientBuffer < 1 || maxClients < 1) {
        throw new IllegalArgumentException("event limits must be >= 1, were " + recent + ", " + perClientBuffer + ", " + maxClients);
      }
      this.eventRing = recent;
      this.eventClientBuffer = perClientBuffer;
      this.maxEventClients = maxClients;
      return this;
    }

    /**
     * How long {@code GET /api/v1/jobs} may lag the scheduler's events: 500 ms by default. The list
     * is kept from the scheduler's events (only the jobs that changed are encoded again, and reads
     * never wait for the scheduler's loop because tasks changed); an answer, with its ETag and gzip,
     * is served for up to this long after it was built, and the next read after that builds a new one.
     * A change made through this API shows in the very next read whatever this is; {@link
     * Duration#ZERO} makes every scheduler event show in the next read too. The age is measured on
     * {@link #clock}. Event-stream clients see every event as it happens either way.
     */
    public Builder jobListStaleness(Duration staleness) {
      Objects.requireNonNull(staleness, "staleness");
      if (staleness.isNegative()) {
        throw new IllegalArgumentException("job list staleness must be >= 0, was " + staleness);
      }
      this.jobListStaleness = staleness;
      return this;
    }

    /**
     * The scheduler's clock, for the ages (uptime) the UI shows and the job list's staleness; the
     * system clock by default.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the handler; it subscribes to the scheduler's events at once. */
    public OperatorHandler build() {
      return new OperatorHandler(this);
    }
  }

  /** Stops the event stream; connected clients are ended. */
  @Override
  public void close() {
    events.close();
    api.close();
  }

  /** Handles one exchange: never throws, never sends a stack trace. */
  void handle(Exchange ex) {
    long start = System.nanoTime();
    Reply reply;
    try {
      reply = dispatch(ex);
    } catch (Throwable t) {
      reply = problem(t, ex);
    }
    try {
      write(ex, reply);
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("failed to answer {} {}", ex.method(), ex.rawPath(), e);
    } finally {
      timer(ex.method(), reply.status()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Answers the exchange on the calling thread if it is a read served from what is at hand: {@code GET
   * /api/v1/jobs} with an answer that may be served now (no build, no read of the scheduler), from a
   * principal known without work (no authenticator, a bearer token, or basic credentials verified
   * before). Anything else (another route, a list to build, credentials to check, a custom
   * authenticator) returns false having done nothing, and goes to {@link #handle} on a request thread.
   * So a server's I/O thread may call it without waiting for anything but the client's socket.
   */
  boolean handleIfAtHand(Exchange ex) {
    long start = System.nanoTime();
    String method = ex.method();
    if (!method.equals("GET") || !ex.rawPath().equals(JOBS)) {
      return false;
    }
    Reply reply;
    try {
      Principal principal = knownPrincipal(ex);
      reply = principal == null ? null : api.jobListIfAtHand(ex, principal);
    } catch (RuntimeException e) {
      return false;   // the usual way answers it, with the usual problem
    }
    if (reply == null) {
      return false;
    }
    try {
      write(ex, reply);
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("failed to answer {} {}", method, JOBS, e);
    } finally {
      timer(method, reply.status()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
    return true;
  }

  /** The request's principal if known at the cost of a map look-up, else null. */
  private @Nullable Principal knownPrincipal(Exchange ex) {
    if (authenticator instanceof BasicAuthenticator basic) {
      return basic.verifiedAlready(ex).orElse(null);
    }
    if (authenticator instanceof BearerAuthenticator || authenticator instanceof NoAuthenticator) {
      return authenticator.authenticate(ex).orElse(null);
    }
    return null;
  }

  private record TimerKey(String method, int status) {}

  /** The request timer of a method and status, registered once (not looked up in the registry per request). */
  private Timer timer(String method, int status) {
    return timers.computeIfAbsent(new TimerKey(method, status), k -> Timer.builder("aurora.http.requests")
        .description("operator HTTP requests").tag("method", k.method()).tag("status", String.valueOf(k.status()))
        .register(prometheus));
  }

  private Reply dispatch(Exchange ex) throws Exception {
    String path = ex.rawPath();
    String method = ex.method();
    if (path.equals("/health")) {
      return text(200, "OK\n");
    }
    if (path.equals("/leaderhealth")) {
      if (leader.isLeader()) {
        return text(200, "leader\n");
      }
      Optional<String> at = leader.leaderAddress();
      return at.map(a -> text(503, "not the leader; the leader is " + a + "\n").header("Location", a))
          .orElseGet(() -> text(502, "no leader\n"));
    }
    Principal principal = authenticator.authenticate(ex)
        .orElseThrow(() -> new ApiProblem(401, "unauthenticated", "credentials are missing or not valid"));
    if (path.equals("/") || path.equals("/ui")) {
      return Reply.bytes(302, "", new byte[0]).header("Location", "/ui/");
    }
    if (path.startsWith("/ui/")) {
      requireMethod(method, "GET");
      return uiFile(path.substring(4).isEmpty() ? "index.html" : path.substring(4));
    }
    if (path.equals("/metrics")) {
      requireMethod(method, "GET");
      return Reply.bytes(200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape().getBytes(StandardCharsets.UTF_8));
    }
    if (path.equals("/vars")) {
      requireMethod(method, "GET");
      return Reply.bytes(200, "application/json", Json.write(Vars.of(registry)));
    }
    Routing.Match match = routing.match(method, path);
    Route route = match.route();
    if (route.mutating()) {
      if (!leader.isLeader()) {
        Optional<String> at = leader.leaderAddress();
        if (at.isEmpty()) {
          throw new ApiProblem(503, "no leader", "no scheduler leads now; try again shortly");
        }
        String q = ex.rawQuery();
        return Reply.bytes(307, "", new byte[0]).header("Location", at.get() + path + (q == null ? "" : "?" + q));
      }
      checkCsrf(ex, principal);
    }
    byte[] body = readBody(ex, route);
    return route.handler().handle(routing.call(ex, match, principal, body));
  }

  private void checkCsrf(Exchange ex, Principal principal) {
    boolean browser = ex.header("Origin").isPresent() || ex.header("Sec-Fetch-Site").isPresent()
        || ex.header("Cookie").isPresent();
    if (!browser) {
      return;
    }
    Optional<String> token = ex.header("X-CSRF-Token");
    if (token.isEmpty() || !tokens.checkCsrf(principal.name(), token.get())) {
      throw new ApiProblem(403, "missing CSRF token",
          "a change from a browser must carry the X-CSRF-Token header from " + Api.BASE + "/session");
    }
  }

  private byte[] readBody(Exchange ex, Route route) throws IOException {
    if (route.method().equals("GET")) {
      return new byte[0];
    }
    try (InputStream in = ex.body()) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
      if (b.length > maxBodyBytes) {
        // read (and drop) a bounded rest, so the client, still sending, gets the answer
        long skipped = 0;
        byte[] sink = new byte[8192];
        for (int n; skipped < DRAIN_LIMIT && (n = in.read(sink)) > 0; ) {
          skipped += n;
        }
        throw new ApiProblem(413, "body too large", "the request body is larger than " + maxBodyBytes + " bytes");
      }
      return b;
    }
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new ApiProblem(405, "method not allowed", method + " is not allowed here; use " + allowed);
    }
  }

  private static Reply uiFile(String name) throws IOException {
    if (!UI_FILE.matcher(name).matches()) {
      throw ApiProblem.notFound("no such page " + name);
    }
    try (InputStream in = OperatorHandler.class.getResourceAsStream("/dev/aurora/http/ui/" + name)) {
      if (in == null) {
        throw ApiProblem.notFound("no such page " + name);
      }
      String ext = name.substring(name.lastIndexOf('.') + 1);
      return Reply.bytes(200, TYPES.get(ext), in.readAllBytes())
          .header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
          .header("Cache-Control", "no-cache");
    }
  }

  private static Reply text(int status, String s) {
    return Reply.bytes(status, "text/plain; charset=utf-8", s.getBytes(StandardCharsets.UTF_8));
  }

  private Reply problem(Throwable t, Exchange ex) {
    ApiProblem p = toProblem(t, ex);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "urn:aurora:problem:" + p.title().replaceAll("[^A-Za-z0-9]+", "-").toLowerCase());
    body.put("title", p.title());
    body.put("status", p.status());
    body.put("detail", p.getMessage());
    body.put("instance", ex.rawPath());
    if (!p.errors().isEmpty()) {
      body.put("errors", p.errors());
    }
    Reply reply = Reply.bytes(p.status(), "application/problem+json", Json.write(body));
    if (p.status() == 401) {
      reply.header("WWW-Authenticate", authenticator.challenge());
    }
    if (p.status() == 405) {
      routing.allowed(ex.rawPath()).ifPresent(a -> reply.header("Allow", a));
    }
    return reply;
  }

  private static ApiProblem toProblem(Throwable t, Exchange ex) {
    if (t instanceof ApiProblem p) {
      return p;
    }
    if (t instanceof InvalidConfigException e) {
      return Json.invalid(e);
    }
    if (t instanceof NotAuthorizedException e) {
      return new ApiProblem(403, "forbidden", e.getMessage());
    }
    if (t instanceof NotLeaderException e) {
      return new ApiProblem(503, "not the leader", e.getMessage());
    }
    if (t instanceof NoSuchJobException || t instanceof NoSuchUpdateException || t instanceof NoSuchQuotaException
        || t instanceof NoSuchInstanceException) {
      return new ApiProblem(404, "not found", t.getMessage());
    }
    if (t instanceof JobConflictException || t instanceof UpdateInProgressException) {
      return new ApiProblem(409, "conflict", t.getMessage());
    }
    if (t instanceof QuotaExceededException) {
      return new ApiProblem(409, "quota exceeded", t.getMessage());
    }
    if (t instanceof IllegalArgumentException) {
      return new ApiProblem(400, "invalid request", String.valueOf(t.getMessage()));
    }
    if (t instanceof IllegalStateException || t instanceof AuroraException) {
      return new ApiProblem(409, "conflict", String.valueOf(t.getMessage()));
    }
    String id = UUID.randomUUID().toString();
    LOG.error("internal error {} answering {} {}", id, ex.method(), ex.rawPath(), t);
    return new ApiProblem(500, "internal error", "an internal error happened; its id in the server's log is " + id);
  }

  private static void write(Exchange ex, Reply reply) throws IOException {
    ex.responseHeader("X-Content-Type-Options", "nosniff");
    ex.responseHeader("X-Frame-Options", "DENY");
    if (!reply.contentType().isEmpty()) {
      ex.responseHeader("Content-Type", reply.contentType());
    }
    reply.headers().forEach(ex::responseHeader);
    if (reply.stream() != null) {
      try (OutputStream out = ex.send(reply.status(), -1)) {
        reply.stream().write(out);
      }
      return;
    }
    try (OutputStream out = ex.send(reply.status(), reply.body().length)) {
      out.write(reply.body());
    }
  }

  /** The routes under /api/v1: method and path template. For tests and documentation. */
  List<String> routes() {
    return routing.routes().stream().map(r -> r.method() + " " + r.template()).toList();
  }

}
