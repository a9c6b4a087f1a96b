package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import org.immutables.value.Value;

/**
 * Aurora's HTTP lifecycle ({@code HttpLifecycleConfig}): how a task that serves HTTP is asked to
 * stop before it is signalled. When the task is killed, the runner sends {@code POST
 * <gracefulShutdownEndpoint>} (default {@code /quitquitquit}) to {@code 127.0.0.1:<port>}, waits up
 * to {@link #gracefulShutdownWait()} for the task's processes to exit, then sends {@code POST
 * <shutdownEndpoint>} (default {@code /abortabortabort}) and waits up to {@link #shutdownWait()};
 * whatever still runs then gets SIGTERM, the task's kill grace period, and SIGKILL. A request that
 * fails (nothing listening, an error status) is logged and the next step follows at once.
 *
 * <pre>{@code
 * Job.service("www-data/prod/hello").task(t -> t.process("server", "./server --port {{port.http}}")
 *     .port("http").httpLifecycle(HttpLifecycle.onPort("http")))
 * }</pre>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableHttpLifecycle.class)
@JsonDeserialize(as = ImmutableHttpLifecycle.class)
public abstract class HttpLifecycle {

  /** The name of the task's port that receives the requests; a port the task declares. */
  public abstract String port();

  /** The path of the first request, {@code /quitquitquit} by default. */
  @Value.Default
  public String gracefulShutdownEndpoint() {
    return "/quitquitquit";
  }

  /** The path of the second request, {@code /abortabortabort} by default. */
  @Value.Default
  public String shutdownEndpoint() {
    return "/abortabortabort";
  }

  /** How long to wait after the first request (Aurora's {@code graceful_shutdown_wait_secs}), 5 s by default. */
  @Value.Default
  public Duration gracefulShutdownWait() {
    return Duration.ofSeconds(5);
  }

  /** How long to wait after the second request (Aurora's {@code shutdown_wait_secs}), 5 s by default. */
  @Value.Default
  public Duration shutdownWait() {
    return Duration.ofSeconds(5);
  }

  /** A builder. */
  public static ImmutableHttpLifecycle.Builder builder() {
    return ImmutableHttpLifecycle.builder();
  }

  /** The lifecycle on the named port, with Aurora's default endpoints and waits. */
  public static HttpLifecycle onPort(String port) {
    return builder().port(port).build();
  }
}
