package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraJson;
import dev.aurora.testkit.AuroraExtension;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** /api/v1/events over real HTTP: live, resumed from Last-Event-ID, and told when it cannot resume. */
class EventStreamTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  @TempDir Path dir;
  Harness h;
  final List<Stream<String>> open = new ArrayList<>();

  @BeforeEach
  void start() {
    h = new Harness(aurora, dir, b -> b.events(6, 100, 2));
  }

  @AfterEach
  void stop() {
    open.forEach(Stream::close);
    h.close();
  }

  /** Follows the stream on another thread; lines arrive in the queue. */
  BlockingQueue<String> follow(String lastEventId) {
    HttpRequest.Builder r = h.request("alice", "/api/v1/events").GET();
    if (lastEventId != null) {
      r.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = h.client.sendAsync(r.build(), HttpResponse.BodyHandlers.ofLines()).join();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Stream<String> body = response.body();
    open.add(body);
    CompletableFuture.runAsync(() -> {
      try {
        body.forEach(lines::add);
      } catch (RuntimeException e) {
        lines.add("closed: " + e);
      }
    });
    return lines;
  }

  /**
   * Lines up to and including the first that matches, waiting at most 20 s in all (keep-alive comments
   * alone must not keep a test waiting for a line that never comes).
   */
  static List<String> until(BlockingQueue<String> lines, Predicate<String> last) throws InterruptedException {
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      assertThat(line).as("a line after " + seen).isNotNull();
      seen.add(line);
      if (last.test(line)) {
        return seen;
      }
    }
  }

  @Test
  void aFollowerSeesJobAndTaskEventsLive() throws Exception {
    BlockingQueue<String> lines = follow(null);
    until(lines, l -> l.startsWith("retry:"));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(1))).statusCode()).isEqualTo(201);
    h.settle();
    List<String> seen = until(lines, l -> l.contains("\"status\":\"RUNNING\""));
    assertThat(seen).contains("event: job").contains("event: task");
    assertThat(seen).anyMatch(l -> l.startsWith("data: {\"type\":\"JobCreated\"") && l.contains("www-data/prod/web"));
    assertThat(seen).anyMatch(l -> l.startsWith("id: "));
  }

  @Test
  void aClientResumingWithLastEventIdGetsWhatItMissed() throws Exception {
    BlockingQueue<String> lines = follow(null);
    until(lines, l -> l.startsWith("retry:"));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(1))).statusCode()).isEqualTo(201);
    List<String> first = until(lines, l -> l.startsWith("id: "));
    String firstId = first.get(first.size() - 1).substring(4);
    until(lines, l -> l.contains("PENDING"));

    BlockingQueue<String> resumed = follow(firstId);
    List<String> replay = until(resumed, l -> l.contains("PENDING"));
    assertThat(replay).noneMatch(l -> l.equals("id: " + firstId));
    assertThat(replay).contains("id: " + (Long.parseLong(firstId) + 1));
  }

  @Test
  void aClientTooFarBehindIsToldToReload() throws Exception {
    BlockingQueue<String> live = follow(null);
    until(live, l -> l.startsWith("retry:"));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(3))).statusCode()).isEqualTo(201);
    h.settle(); // well over the 6 events kept
    // the stream numbers events in batches of its own: wait until a live client got the last of them
    for (int running = 0; running < 3; running++) {
      until(live, l -> l.contains("\"status\":\"RUNNING\""));
    }
    BlockingQueue<String> lines = follow("1");
    assertThat(until(lines, l -> l.startsWith("event: reset"))).isNotEmpty();
    HttpResponse<String> bad = h.send(h.request("alice", "/api/v1/events").header("Last-Event-ID", "x").GET().build());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(Harness.json(bad).get("errors").get(0).get("field").asText()).isEqualTo("Last-Event-ID");
  }

  @Test
  void clientsBeyondTheLimitAreRefused() throws Exception {
    until(follow(null), l -> l.startsWith("retry:"));
    until(follow(null), l -> l.startsWith("retry:"));
    HttpResponse<String> third = h.get("alice", "/api/v1/events");
    assertThat(third.statusCode()).isEqualTo(503);
  }
}
