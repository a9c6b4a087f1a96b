package dev.aurora.core.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SlaCoordinator;
import dev.aurora.core.internal.state.TaskAccess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP SLA coordinator: POSTs the task as JSON and reads its answer's status key, on loopback. */
class HttpSlaCoordinatorTest {
  HttpServer server;
  final AtomicReference<String> request = new AtomicReference<>();
  volatile int status = 200;
  volatile String answer = "{\"drain\": true}";

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/sla", exchange -> {
      request.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] body = answer.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private SlaCoordinator coordinator() {
    return SlaCoordinator.http(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sla"), "drain",
        Duration.ofSeconds(5));
  }

  private static ScheduledTask task() {
    try {
      Class.forName(ScheduledTask.class.getName(), true, ScheduledTask.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
    return TaskAccess.get().create(TaskId.of("t-1"), JobKey.of("www", "prod", "web"), 3,
        TaskConfig.builder().build(), 0, 0, 0);
  }

  private boolean ask() throws Exception {
    return coordinator().mayDrain(task()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCoordinatorThatSaysDrainLetsTheTaskGo() throws Exception {
    assertThat(ask()).isTrue();
    assertThat(request.get()).contains("\"taskId\":\"t-1\"").contains("\"job\":\"www/prod/web\"")
        .contains("\"instance\":3");
  }

  @Test
  void aCoordinatorThatSaysNoHoldsTheTask() throws Exception {
    answer = "{\"drain\": false}";
    assertThat(ask()).isFalse();
  }

  @Test
  void anErrorStatusOrABodyThatDoesNotParseIsANo() throws Exception {
    status = 500;
    assertThat(ask()).isFalse();
    status = 200;
    answer = "not json";
    assertThat(ask()).isFalse();
    answer = "{\"other\": true}";
    assertThat(ask()).isFalse();
  }
}
