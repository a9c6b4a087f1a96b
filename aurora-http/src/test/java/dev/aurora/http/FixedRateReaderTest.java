package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The load tooling's fixed-rate reader against a tiny JDK server: what it counts, and how. */
class FixedRateReaderTest {

  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private URI serve(com.sun.net.httpserver.HttpHandler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/jobs", handler);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/jobs");
  }

  private static void answer(HttpExchange exchange, int status, byte[] body, boolean chunked)
      throws IOException {
    exchange.getRequestBody().readAllBytes();
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, chunked ? 0 : body.length);
    try (var out = exchange.getResponseBody()) {
      if (chunked) {
        // several chunks
        for (int i = 0; i < body.length; i += 1000) {
          out.write(body, i, Math.min(1000, body.length - i));
          out.flush();
        }
      } else {
        out.write(body);
      }
    }
  }

  @Test
  void everyScheduledReadIsAnsweredAndReadWhetherFramedByLengthOrChunked() throws Exception {
    byte[] body = "[{\"key\":\"x\"}]".repeat(700).getBytes(StandardCharsets.UTF_8);
    AtomicInteger served = new AtomicInteger();
    Queue<String> encodings = new ConcurrentLinkedQueue<>();
    URI url = serve(exchange -> {
      encodings.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding")));
      answer(exchange, 200, body, served.incrementAndGet() % 2 == 0);
    });

    FixedRateReader.Result result =
        new FixedRateReader(url, 4, 200, Duration.ofMillis(500), true).run();

    assertThat(result.scheduled()).isEqualTo(100);
    assertThat(result.ok()).isEqualTo(100);
    assertThat(result.errors()).isZero();
    assertThat(result.missed()).isZero();
    assertThat(result.bytes()).isEqualTo(100L * body.length);
    assertThat(served.get()).isEqualTo(100);
    assertThat(encodings).hasSize(100).containsOnly("gzip");
    assertThat(result.connectionsOpened()).isEqualTo(4);
    assertThat(result.latencyP50Nanos()).isPositive();
    assertThat(result.latencyP99Nanos()).isGreaterThanOrEqualTo(result.latencyP50Nanos());
    assertThat(result.readerCpuNanos()).isPositive();
  }

  @Test
  void aReadDueWhileItsConnectionStillWaitsForASlowAnswerIsCountedLateAndStillSent() throws Exception {
    AtomicInteger served = new AtomicInteger();
    FixedRateReader[] reader = new FixedRateReader[1];
    URI url = serve(exchange -> {
      if (served.incrementAndGet() == 1) {
        // the first answer comes only once the reader has seen a read fall due with no free connection
        await(() -> reader[0].lateSoFar() > 0);
      }
      answer(exchange, 200, "[]".getBytes(StandardCharsets.UTF_8), false);
    });
    reader[0] = new FixedRateReader(url, 1, 100, Duration.ofMillis(50), false);

    FixedRateReader.Result result = reader[0].run();

    assertThat(result.scheduled()).isEqualTo(5);
    assertThat(result.late()).isPositive();
    assertThat(result.ok()).isEqualTo(5);
    assertThat(result.errors()).isZero();
    assertThat(result.missed()).isZero();
    // measured from when the read was due, not from when it could be sent
    assertThat(result.latencyMaxNanos()).isGreaterThanOrEqualTo(result.serviceMaxNanos());
  }

  @Test
  void anAnswerOtherThan200IsCountedAsAnErrorAndTheConnectionKeptForTheNextRead() throws Exception {
    AtomicInteger served = new AtomicInteger();
    URI url = serve(exchange -> {
      int n = served.incrementAndGet();
      answer(exchange, n % 4 == 0 ? 503 : 200, "{\"error\":\"busy\"}".getBytes(StandardCharsets.UTF_8),
          n % 3 == 0);
    });

    FixedRateReader.Result result =
        new FixedRateReader(url, 2, 200, Duration.ofMillis(200), false).run();

    assertThat(result.scheduled()).isEqualTo(40);
    assertThat(result.errors()).isEqualTo(10);
    assertThat(result.ok()).isEqualTo(30);
    assertThat(result.missed()).isZero();
    assertThat(result.connectionsOpened()).isEqualTo(2);
  }

  @Test
  void aConnectionTheServerClosesIsReopenedAndItsReadCountedAsAnError() throws Exception {
    AtomicInteger served = new AtomicInteger();
    URI url = serve(exchange -> {
      if (served.incrementAndGet() == 3) {
        exchange.close(); // no answer at all
        return;
      }
      answer(exchange, 200, "[]".getBytes(StandardCharsets.UTF_8), false);
    });

    FixedRateReader.Result result =
        new FixedRateReader(url, 1, 100, Duration.ofMillis(100), false).run();

    assertThat(result.scheduled()).isEqualTo(10);
    assertThat(result.errors()).isEqualTo(1);
    assertThat(result.ok()).isEqualTo(9);
    assertThat(result.connectionsOpened()).isEqualTo(2);
  }

  private static void await(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      LockSupport.parkNanos(100_000);
    }
  }
}
