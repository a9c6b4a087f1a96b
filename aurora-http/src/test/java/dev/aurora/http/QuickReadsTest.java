package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraJson;
import dev.aurora.testkit.AuroraExtension;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK server answers a job-list read from the answer at hand on its dispatcher thread, with no
 * hand-off to a request thread: such reads are answered even when every request thread is busy, and
 * what needs a request thread (event streams, changes, a list to be built) still gets one.
 */
class QuickReadsTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  @TempDir Path dir;
  Harness h;
  final List<Stream<String>> open = new ArrayList<>();

  @AfterEach
  void stop() {
    open.forEach(Stream::close);
    if (h != null) {
      h.close();
    }
  }

  /** Opens an event stream (it holds one request thread while it lasts) and waits for its first line. */
  void follow() throws Exception {
    HttpResponse<Stream<String>> response = h.client.sendAsync(h.request("alice", "/api/v1/events").GET().build(),
        HttpResponse.BodyHandlers.ofLines()).get(20, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    Stream<String> body = response.body();
    open.add(body);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    CompletableFuture.runAsync(() -> {
      try {
        body.forEach(lines::add);
      } catch (RuntimeException e) {
        lines.add("closed: " + e);
      }
    });
    assertThat(lines.poll(20, TimeUnit.SECONDS)).as("the stream's first line").isNotNull();
  }

  HttpResponse<String> read(String... headers) {
    HttpRequest.Builder r = h.request("bob", "/api/v1/jobs").timeout(Duration.ofSeconds(10)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    return h.send(r.build());
  }

  HttpResponse<byte[]> gzipRead() {
    return h.sendBytes(h.request("bob", "/api/v1/jobs").timeout(Duration.ofSeconds(10))
        .header("Accept-Encoding", "gzip").GET().build());
  }

  @Test
  void aJobListReadIsAnsweredWhileEveryRequestThreadIsBusy() throws Exception {
    h = new Harness(aurora, dir, b -> b.threads(2).events(6, 100, 2));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(2))).statusCode()).isEqualTo(201);
    h.settle();
    HttpResponse<String> first = read();   // builds the answer (on a request thread)
    assertThat(first.statusCode()).isEqualTo(200);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(gzipRead().statusCode()).isEqualTo(200);   // makes the answer's gzip (on a request thread)

    follow();
    follow();   // both request threads now serve event streams

    HttpResponse<String> again = read();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("ETag")).contains(etag);
    assertThat(again.headers().firstValue("Cache-Control")).contains("no-cache");
    assertThat(read("If-None-Match", etag).statusCode()).isEqualTo(304);
    HttpResponse<byte[]> gzip = gzipRead();
    assertThat(gzip.statusCode()).isEqualTo(200);
    assertThat(gzip.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip.body())).readAllBytes(),
        StandardCharsets.UTF_8)).isEqualTo(first.body());

    // once a request thread is free, what needs one is served again: without credentials, refused as ever
    open.forEach(Stream::close);
    assertThat(h.send(h.request(null, "/api/v1/jobs").GET().build()).statusCode()).isEqualTo(401);
  }

  @Test
  void aClientSendingHalfARequestDoesNotHoldUpJobListReads() throws Exception {
    h = new Harness(aurora, dir, b -> b.readTimeout(Duration.ofMinutes(5)));
    assertThat(read().statusCode()).isEqualTo(200);
    try (Socket slow = new Socket(h.server.url().getHost(), h.server.port())) {
      OutputStream out = slow.getOutputStream();
      out.write("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));   // and no more
      out.flush();
      for (int i = 0; i < 3; i++) {
        assertThat(read().statusCode()).isEqualTo(200);
      }
    }
  }
}
