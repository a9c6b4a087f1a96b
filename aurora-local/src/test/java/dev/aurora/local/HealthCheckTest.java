package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthCheckTest {
  private static final Duration FAST = Duration.ofMillis(50);

  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;
  private HttpServer server;

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  private TaskLaunch launch(int port, HealthCheck check, String command) {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(1).ramMbPerAgent(256)
        .portBase(port).portsPerAgent(1).killGracePeriod(Duration.ofMillis(200)).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    List<ProcessConfig> processes = Tasks.processes(command);
    TaskConfig config = TaskConfig.builder().resources(Resources.builder().ramMb(16).addPorts("http").build())
        .processes(processes).healthCheck(check).build();
    TaskLaunch launch = Tasks.launch(offer, config, processes).build();
    backend.launch(List.of(offer.id()), List.of(launch));
    return launch;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void httpCheckReportsHealthyOn2xxAndUnhealthyOtherwise() throws IOException {
    int port = freePort();
    AtomicInteger answer = new AtomicInteger(200);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext("/health", exchange -> {
      exchange.sendResponseHeaders(answer.get(), -1);
      exchange.close();
    });
    server.start();
    HealthCheck check = HealthCheck.http("http", "/health").withInterval(FAST).withInitialDelay(Duration.ZERO)
        .withTimeout(Duration.ofSeconds(2));

    TaskId id = launch(port, check, "sleep 30").taskId();

    TaskStatus healthy = listener.awaitHealth(id, true);
    assertThat(healthy.state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(healthy.message()).isEqualTo("GET http://127.0.0.1:" + port + "/health answered 200");
    answer.set(503);
    assertThat(listener.awaitHealth(id, false).message())
        .isEqualTo("GET http://127.0.0.1:" + port + "/health answered 503 (1 failure in a row)");
  }

  @Test
  void httpCheckOfATaskThatDoesNotListenIsUnhealthy() throws IOException {
    int port = freePort();
    HealthCheck check = HealthCheck.http("http", "/health").withInterval(FAST).withInitialDelay(Duration.ZERO);

    TaskId id = launch(port, check, "sleep 30").taskId();

    assertThat(listener.awaitHealth(id, false).message())
        .startsWith("GET http://127.0.0.1:" + port + "/health failed");
  }

  @Test
  void commandCheckToleratesFailuresUpToTheLimitAndReportsOnlyChanges() throws IOException {
    HealthCheck check = HealthCheck.command("test -f healthy && test \"$AURORA_PORT_HTTP\" = {{port.http}}")
        .withInterval(FAST).withInitialDelay(Duration.ZERO).withMaxConsecutiveFailures(2);
    int port = freePort();
    TaskId id = launch(port, check, "touch healthy; sleep 30").taskId();

    listener.awaitHealth(id, true);
    Path sandbox = Tasks.awaitSandbox(backend, id);
    Files.delete(sandbox.resolve("healthy"));
    assertThat(listener.awaitHealth(id, false).message()).isEqualTo("health command exited 1 (3 failures in a row)");
    Files.writeString(sandbox.resolve("healthy"), "");
    Await.until("healthy again", () -> listener.statuses(id).stream().filter(s -> s.healthy().isPresent()).count() == 3);

    assertThat(listener.statuses(id)).filteredOn(s -> s.healthy().isPresent())
        .extracting(s -> s.healthy().get()).containsExactly(true, false, true);
  }

  @Test
  void commandCheckThatOutlivesItsTimeoutFails() throws IOException {
    HealthCheck check = HealthCheck.command("sleep 30").withInterval(FAST).withInitialDelay(Duration.ZERO)
        .withTimeout(Duration.ofMillis(100));

    TaskId id = launch(freePort(), check, "sleep 30").taskId();

    assertThat(listener.awaitHealth(id, false).message())
        .isEqualTo("health command timed out after 100 ms (1 failure in a row)");
  }

  @Test
  void aTaskIsHealthyAsSoonAsACheckPassesInsideTheInitialDelay() throws IOException {
    // The initial delay is a grace period, not a wait: a task that is up is reported healthy at once.
    HealthCheck check = HealthCheck.command("true").withInterval(FAST).withInitialDelay(Duration.ofMinutes(10));

    TaskId id = launch(freePort(), check, "sleep 30").taskId();

    assertThat(listener.awaitHealth(id, true).healthy()).contains(true);
  }

  @Test
  void failedChecksInsideTheInitialDelayDoNotCountBeforeTheTaskIsFirstHealthy() throws IOException {
    // The task is "ready" only after a few failed checks; inside the grace period they are not reported.
    HealthCheck check = HealthCheck.command("test -f ready").withInterval(FAST)
        .withInitialDelay(Duration.ofMinutes(10));

    TaskId id = launch(freePort(), check, "sleep 0.5; touch ready; sleep 30").taskId();

    listener.awaitHealth(id, true);
    assertThat(listener.statuses(id)).filteredOn(s -> s.healthy().isPresent())
        .extracting(s -> s.healthy().get()).first().isEqualTo(true);
  }

  @Test
  void afterTheInitialDelayFailedChecksCountBeforeTheTaskIsFirstHealthy() throws IOException {
    HealthCheck check = HealthCheck.command("test -f ready").withInterval(FAST).withInitialDelay(Duration.ZERO);

    TaskId id = launch(freePort(), check, "sleep 0.5; touch ready; sleep 30").taskId();

    listener.awaitHealth(id, true);
    assertThat(listener.statuses(id)).filteredOn(s -> s.healthy().isPresent())
        .extracting(s -> s.healthy().get()).first().isEqualTo(false);
  }

  @Test
  void tcpCheckIsHealthyWhileThePortAcceptsConnections() throws IOException {
    int port = freePort();
    ServerSocket listening = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    HealthCheck check = HealthCheck.tcp("http").withInterval(FAST).withInitialDelay(Duration.ZERO)
        .withTimeout(Duration.ofSeconds(2));

    TaskId id = launch(port, check, "sleep 30").taskId();

    assertThat(listener.awaitHealth(id, true).message()).isEqualTo("connected to 127.0.0.1:" + port);
    listening.close();
    assertThat(listener.awaitHealth(id, false).message()).startsWith("connecting to 127.0.0.1:" + port + " failed");
  }
}
