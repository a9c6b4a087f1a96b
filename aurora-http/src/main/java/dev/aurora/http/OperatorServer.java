package dev.aurora.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.aurora.core.Authorizer;
import dev.aurora.core.Scheduler;
import dev.aurora.http.internal.DispatcherExecutor;
import dev.aurora.http.internal.JdkExchange;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * An embedded operator server: the {@link OperatorHandler} on the JDK's built-in HTTP server
 * ({@code com.sun.net.httpserver}), so embedding the API adds no server dependency and no conflict
 * with a server the application already runs. To serve the API from your own servlet container
 * instead, mount an {@link OperatorServlet}.
 *
 * <pre>{@code
 * try (OperatorServer server = OperatorServer.builder().scheduler(scheduler).port(8081)
 *     .authenticator(Authenticator.basic(Path.of("users.passwd"))).start()) {
 *   System.out.println("operator UI at " + server.url());
 * }
 * }</pre>
 *
 * <p>It listens on the loopback interface unless {@link Builder#bindAddress} says otherwise, and
 * speaks HTTPS when given an {@link SSLContext}.
 */
public final class OperatorServer implements AutoCloseable {
  /** The JDK server's switch for TCP_NODELAY on its connections. */
  static final String NODELAY = "sun.net.httpserver.nodelay";
  /** How long one exchange may hold the dispatcher thread before it is ended. */
  static final Duration DISPATCHER_LIMIT = Duration.ofSeconds(1);
  /** How long every exchange goes to the request threads after one held the dispatcher too long. */
  static final Duration DISPATCHER_BACK_OFF = Duration.ofSeconds(10);

  private final HttpServer server;
  private final ExecutorService executor;
  private final @Nullable DispatcherExecutor dispatcher;
  private final OperatorHandler handler;
  private final URI url;

  private OperatorServer(HttpServer server, ExecutorService executor, @Nullable DispatcherExecutor dispatcher,
      OperatorHandler handler, URI url) {
    this.server = server;
    this.executor = executor;
    this.dispatcher = dispatcher;
    this.handler = handler;
    this.url = url;
  }

  /** A builder; {@link Builder#scheduler} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The server's base URL, e.g. {@code http://127.0.0.1:8081/}. */
  public URI url() {
    return url;
  }

  /** The port the server listens on (the one chosen when asked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The handler the server runs. */
  public OperatorHandler handler() {
    return handler;
  }

  /** Stops the server: event streams end, and requests in progress get up to a second to finish. */
  @Override
  public void close() {
    handler.close();
    server.stop(1);
    if (dispatcher != null) {
      dispatcher.close();
    }
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Configures and starts an {@link OperatorServer}. */
  public static final class Builder {
    private final OperatorHandler.Builder handler = OperatorHandler.builder();
    private String bindAddress = "127.0.0.1";
    private int port = 8081;
    private @Nullable SSLContext ssl;
    private int threads = 48;
    private Duration readTimeout = Duration.ofSeconds(30);
    private boolean quickReadsOnDispatcher = true;
    private int threadPriority = Thread.NORM_PRIORITY;

    Builder() {}

    /** The scheduler to operate. Required. */
    public Builder scheduler(Scheduler scheduler) {
      handler.scheduler(scheduler);
      return this;
    }

    /** The port; 8081 by default, 0 for any free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      this.port = port;
      return this;
    }

    /** The address to listen on; {@code 127.0.0.1} by default, {@code 0.0.0.0} for every interface. */
    public Builder bindAddress(String address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Serve HTTPS with this context (its key manager holds the server's certificate). */
    public Builder https(SSLContext context) {
      this.ssl = Objects.requireNonNull(context, "context");
      return this;
    }

    /** See {@link OperatorHandler.Builder#authenticator}. */
    public Builder authenticator(Authenticator authenticator) {
      handler.authenticator(authenticator);
      return this;
    }

    /** See {@link OperatorHandler.Builder#authorizer}. */
    public Builder authorizer(Authorizer authorizer) {
      handler.authorizer(authorizer);
      return this;
    }

    /** See {@link OperatorHandler.Builder#leaderStatus}. */
    public Builder leaderStatus(LeaderStatus leader) {
      handler.leaderStatus(leader);
      return this;
    }

    /** See {@link OperatorHandler.Builder#meterRegistry}. */
    public Builder meterRegistry(MeterRegistry registry) {
      handler.meterRegistry(registry);
      return this;
    }

    /** See {@link OperatorHandler.Builder#backups}. */
    public Builder backups(dev.aurora.core.FileLogBackups backups) {
      handler.backups(backups);
      return this;
    }

    /** See {@link OperatorHandler.Builder#jobListStaleness}. */
    public Builder jobListStaleness(java.time.Duration staleness) {
      handler.jobListStaleness(staleness);
      return this;
    }

    /** See {@link OperatorHandler.Builder#clock}. */
    public Builder clock(Clock clock) {
      handler.clock(clock);
      return this;
    }

    /** See {@link OperatorHandler.Builder#maxBodyBytes}. */
    public Builder maxBodyBytes(long bytes) {
      handler.maxBodyBytes(bytes);
      return this;
    }

    /** See {@link OperatorHandler.Builder#events}. */
    public Builder events(int recent, int perClientBuffer, int maxClients) {
      handler.events(recent, perClientBuffer, maxClients);
      return this;
    }

    /** Threads serving requests (each event-stream client holds one); 48 by default. */
    public Builder threads(int threads) {
      if (threads < 2) {
        throw new IllegalArgumentException("threads must be >= 2, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Whether the server's dispatcher thread (the one that finds requests on the sockets) answers a
     * read of the job list itself when the answer is at hand: {@code GET /api/v1/jobs} within its
     * staleness (see {@link #jobListStaleness}), from a principal known without work (no
     * authenticator, a bearer token, or basic credentials already verified). Such a read then wakes
     * one thread instead of three, and is answered even while every request thread is busy. Every
     * other request (event streams, changes, a list to be built, credentials to check, a custom
     * {@link Authenticator}) goes to the request threads as before, its headers read by the
     * dispatcher. An exchange that holds the dispatcher for over a second (a client sending its
     * request or reading the answer that slowly) is ended, and for 10 s after that every request
     * goes to the request threads. True by default; HTTPS servers never do it (the dispatcher would
     * run TLS handshakes).
     */
    public Builder quickReadsOnDispatcher(boolean quick) {
      this.quickReadsOnDispatcher = quick;
      return this;
    }

    /**
     * The Java priority ({@link Thread#MIN_PRIORITY} to {@link Thread#MAX_PRIORITY}) of the server's
     * threads: its dispatcher and its request threads; {@link Thread#NORM_PRIORITY} (5) by default.
     * A lower one lets the scheduler's state loop (and the application) win a busy core from the
     * HTTP threads. On Linux the JVM passes it to the operating system only when started with {@code
     * -XX:ThreadPriorityPolicy=1} (otherwise it is ignored): then 1 to 4 run the threads at nice 4 to
     * 1 ({@code -XX:JavaPriority1_To_OSPriority=N} makes 1 nice N), which works without root; raising
     * a priority above 5 needs root and is otherwise silently ignored. See docs/operations.md.
     */
    public Builder threadPriority(int priority) {
      if (priority < Thread.MIN_PRIORITY || priority > Thread.MAX_PRIORITY) {
        throw new IllegalArgumentException("threadPriority must be " + Thread.MIN_PRIORITY + ".." + Thread.MAX_PRIORITY
            + ", was " + priority);
      }
      this.threadPriority = priority;
      return this;
    }

    /**
     * How long a client may take to send a request's headers and body (30 s by default). This is
     * the JDK server's {@code sun.net.httpserver.maxReqTime}, a JVM-wide setting read when the JDK's
     * server is first used: it is set only if not set already and no JDK server ran before.
     */
    public Builder readTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("readTimeout must be positive, was " + timeout);
      }
      this.readTimeout = timeout;
      return this;
    }

    /** Builds the handler and starts the server. */
    public OperatorServer start() {
      if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
        System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(Math.max(1, readTimeout.toSeconds())));
      }
      // The JDK server writes an answer's headers and body apart; with Nagle's algorithm on (its default)
      // a small body then waits for the client's delayed ACK of the headers, some 40 ms on Linux, and a
      // keep-alive client gets at most ~25 small answers a second per connection. JVM-wide and read once,
      // like maxReqTime: set only if not set already.
      if (System.getProperty(NODELAY) == null) {
        System.setProperty(NODELAY, "true");
      }
      OperatorHandler h = handler.build();
      HttpServer server;
      try {
        InetSocketAddress address = new InetSocketAddress(bindAddress, port);
        if (ssl != null) {
          HttpsServer https = HttpsServer.create(address, 64);
          https.setHttpsConfigurator(new HttpsConfigurator(ssl));
          server = https;
        } else {
          server = HttpServer.create(address, 64);
        }
      } catch (IOException e) {
        h.close();
        throw new UncheckedIOException("cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
      }
      AtomicInteger n = new AtomicInteger();
      ThreadFactory factory = r -> {
        Thread t = new Thread(r, "aurora-http-" + n.incrementAndGet());
        t.setDaemon(true);
        t.setPriority(threadPriority);
        return t;
      };
      ExecutorService executor = Executors.newFixedThreadPool(threads, factory);
      DispatcherExecutor dispatcher = quickReadsOnDispatcher && ssl == null
          ? new DispatcherExecutor(executor, DISPATCHER_LIMIT, DISPATCHER_BACK_OFF, "aurora-http-watchdog") : null;
      server.setExecutor(dispatcher != null ? dispatcher : executor);
      server.createContext("/", exchange -> {
        JdkExchange ex = new JdkExchange(exchange);
        if (dispatcher != null && dispatcher.onDispatcher()) {
          if (h.handleIfAtHand(ex)) {
            exchange.close();
            return;
          }
          try {
            executor.execute(() -> handle(h, ex, exchange));
          } catch (RejectedExecutionException e) {   // the server is closing
            exchange.close();
          }
          return;
        }
        handle(h, ex, exchange);
      });
      startAt(server, threadPriority);
      String host = bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? "localhost" : bindAddress;
      if (host.contains(":")) {
        host = "[" + host + "]";
      }
      URI url = URI.create((ssl != null ? "https" : "http") + "://" + host + ":" + server.getAddress().getPort() + "/");
      return new OperatorServer(server, executor, dispatcher, h, url);
    }

    /** Starts the server from a thread of this priority: its dispatcher thread inherits it. */
    private static void startAt(HttpServer server, int priority) {
      if (priority == Thread.currentThread().getPriority()) {
        server.start();
        return;
      }
      RuntimeException[] failed = new RuntimeException[1];
      Thread starter = new Thread(() -> {
        try {
          server.start();
        } catch (RuntimeException e) {
          failed[0] = e;
        }
      }, "aurora-http-start");
      starter.setPriority(priority);
      starter.start();
      try {
        starter.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting the server", e);
      }
      if (failed[0] != null) {
        throw failed[0];
      }
    }

    private static void handle(OperatorHandler h, JdkExchange ex, HttpExchange exchange) {
      try {
        h.handle(ex);
      } finally {
        exchange.close();
      }
    }
  }
}
