package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * How to tell that a running task is healthy: an HTTP GET on one of its named ports that answers 2xx,
 * a TCP connection to one of its named ports that opens, or a command that exits 0. A task fails its health check after more than {@link
 * #maxConsecutiveFailures()} failures in a row.
 *
 * <pre>{@code
 * HealthCheck.http("http", "/health").withInterval(Duration.ofSeconds(5)).withMaxConsecutiveFailures(2)
 * }</pre>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableHealthCheck.class)
@JsonDeserialize(as = ImmutableHealthCheck.class)
public abstract class HealthCheck {

  /** The kind of check. */
  public enum Type {
    /** An HTTP GET on a named port; 2xx is healthy. */
    HTTP,
    /** A shell command; exit 0 is healthy. */
    COMMAND,
    /** A TCP connection to a named port; a connection that opens within the timeout is healthy. */
    TCP
  }

  /** The kind of check. */
  public abstract Type type();

  /** For HTTP and TCP: the name of the port to call. */
  public abstract Optional<String> port();

  /** For HTTP: the path to GET, starting with {@code /}. */
  public abstract Optional<String> path();

  /** For COMMAND: the command line. */
  public abstract Optional<String> command();

  /** Time between checks. */
  @Value.Default
  public Duration interval() {
    return Duration.ofSeconds(10);
  }

  /** How long one check may take before it counts as failed. */
  @Value.Default
  public Duration timeout() {
    return Duration.ofSeconds(1);
  }

  /**
   * A grace period for a task starting up, as Aurora's {@code initial_interval_secs}: checks run from
   * the start and a task is healthy as soon as one passes, but until one has passed, failed checks
   * within this time after the task started running do not count.
   */
  @Value.Default
  public Duration initialDelay() {
    return Duration.ofSeconds(15);
  }

  /** How many failures in a row are tolerated; one more makes the task unhealthy. */
  @Value.Default
  public int maxConsecutiveFailures() {
    return 0;
  }

  /** An HTTP check: GET {@code path} on the port named {@code port}. */
  public static HealthCheck http(String port, String path) {
    return ImmutableHealthCheck.builder().type(Type.HTTP).port(port).path(path).build();
  }

  /** A TCP check: healthy when a connection to the port named {@code port} opens. */
  public static HealthCheck tcp(String port) {
    return ImmutableHealthCheck.builder().type(Type.TCP).port(port).build();
  }

  /** A command check: healthy when {@code command} exits 0. */
  public static HealthCheck command(String command) {
    return ImmutableHealthCheck.builder().type(Type.COMMAND).command(command).build();
  }

  /** A copy that checks every {@code interval}. */
  public HealthCheck withInterval(Duration interval) {
    return ImmutableHealthCheck.copyOf(this).withInterval(interval);
  }

  /** A copy whose checks time out after {@code timeout}. */
  public HealthCheck withTimeout(Duration timeout) {
    return ImmutableHealthCheck.copyOf(this).withTimeout(timeout);
  }

  /** A copy that starts counting checks {@code initialDelay} after the task runs. */
  public HealthCheck withInitialDelay(Duration initialDelay) {
    return ImmutableHealthCheck.copyOf(this).withInitialDelay(initialDelay);
  }

  /** A copy that tolerates {@code failures} failures in a row. */
  public HealthCheck withMaxConsecutiveFailures(int failures) {
    return ImmutableHealthCheck.copyOf(this).withMaxConsecutiveFailures(failures);
  }
}
