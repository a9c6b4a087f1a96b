package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipelined call connection against a real socket server that checks the bytes it gets. */
class PipelinedConnectionTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private ServerSocket server;
  private Socket accepted;
  private PipelinedConnection connection;

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    server.setSoTimeout(30_000);
  }

  @AfterEach
  void stop() throws IOException {
    if (connection != null) {
      connection.close();
    }
    if (accepted != null) {
      accepted.close();
    }
    server.close();
  }

  private PipelinedConnection open(int maxInFlight) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/x-protobuf");
    headers.put("Accept", "application/x-protobuf");
    headers.put("Mesos-Stream-Id", "stream-1");
    headers.put("Authorization", "Basic cHJpbmNpcGFsOnNlY3JldA==");
    connection = PipelinedConnection.open(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/api/v1/scheduler"),
        headers, Optional.empty(), maxInFlight, TIMEOUT);
    return connection;
  }

  private String request(String body) {
    return "POST /api/v1/scheduler HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + server.getLocalPort() + "\r\n"
        + "Content-Type: application/x-protobuf\r\n"
        + "Accept: application/x-protobuf\r\n"
        + "Mesos-Stream-Id: stream-1\r\n"
        + "Authorization: Basic cHJpbmNpcGFsOnNlY3JldA==\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  private static String accepted(String body) {
    return "HTTP/1.1 202 Accepted\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  /** Reads exactly the bytes of {@code expected} requests (whatever reads it takes). */
  private String readRequests(InputStream in, String expected) throws IOException {
    byte[] b = in.readNBytes(expected.length());
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private Socket accept() throws IOException {
    accepted = server.accept();
    accepted.setSoTimeout(30_000);
    return accepted;
  }

  /** Sends each body as one call, in order, and returns the calls' answers to come. */
  private static List<CompletableFuture<PipelinedConnection.Response>> sendAll(PipelinedConnection c, String... bodies) {
    List<CompletableFuture<PipelinedConnection.Response>> calls = new ArrayList<>();
    for (String body : bodies) {
      calls.add(c.send(body.getBytes(StandardCharsets.UTF_8)));
    }
    return calls;
  }

  private static PipelinedConnection.Response answer(CompletableFuture<PipelinedConnection.Response> f)
      throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void callsAreWrittenBackToBackAndThoseQueuedBehindTheBoundGoOutInOneWrite() throws Exception {
    PipelinedConnection c = open(3);
    List<CompletableFuture<PipelinedConnection.Response>> first = sendAll(c, "a", "b", "c");
    Socket s = accept();
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    // all three arrive with none answered: no round trip per call; every header built as the master wants
    assertThat(readRequests(in, request("a") + request("b") + request("c")))
        .isEqualTo(request("a") + request("b") + request("c"));
    List<CompletableFuture<PipelinedConnection.Response>> second = sendAll(c, "d", "e", "f");
    // the bound holds them back until answers come
    assertThat(c.inFlight()).isEqualTo(3);
    assertThat(c.outstanding()).isEqualTo(6);
    out.write((accepted("") + accepted("") + accepted("")).getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    for (CompletableFuture<PipelinedConnection.Response> f : first) {
      assertThat(answer(f).status()).isEqualTo(202);
    }
    // the three that waited come in one write, so in one read
    byte[] buffer = new byte[64 * 1024];
    int n = in.read(buffer);
    assertThat(new String(buffer, 0, n, StandardCharsets.ISO_8859_1))
        .isEqualTo(request("d") + request("e") + request("f"));
    out.write((accepted("") + accepted("") + accepted("")).getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    for (CompletableFuture<PipelinedConnection.Response> f : second) {
      assertThat(answer(f).status()).isEqualTo(202);
    }
    assertThat(c.outstanding()).isZero();
    assertThat(c.isOpen()).isTrue();
  }

  @Test
  void aBodyBuiltAsItIsSentGoesOutInItsPlaceAndOneThatCannotBeBuiltFailsAloneAndUnwritten() throws Exception {
    PipelinedConnection c = open(64);
    String caller = Thread.currentThread().getName();
    List<String> builtOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<PipelinedConnection.Response> a = c.send("a".getBytes(StandardCharsets.UTF_8));
    CompletableFuture<PipelinedConnection.Response> b = c.send(() -> {
      builtOn.add(Thread.currentThread().getName());
      return "b".getBytes(StandardCharsets.UTF_8);
    });
    CompletableFuture<PipelinedConnection.Response> broken = c.send(() -> {
      throw new IllegalStateException("cannot build this call");
    });
    CompletableFuture<PipelinedConnection.Response> d = c.send("d".getBytes(StandardCharsets.UTF_8));
    Socket s = accept();
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    // in the order sent, the broken one left out
    assertThat(readRequests(in, request("a") + request("b") + request("d")))
        .isEqualTo(request("a") + request("b") + request("d"));
    assertThatThrownBy(() -> broken.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("cannot build this call");
    out.write((accepted("1") + accepted("2") + accepted("3")).getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    // each answer completes its own call: the one never written expects none
    assertThat(answer(a).body()).isEqualTo("1");
    assertThat(answer(b).body()).isEqualTo("2");
    assertThat(answer(d).body()).isEqualTo("3");
    assertThat(builtOn).hasSize(1).doesNotContain(caller);
    assertThat(c.outstanding()).isZero();
    assertThat(c.isOpen()).isTrue();
  }

  @Test
  void answersOfASlowMasterCompleteTheirOwnCallsInOrder() throws Exception {
    PipelinedConnection c = open(64);
    List<CompletableFuture<PipelinedConnection.Response>> calls = sendAll(c, "one", "two", "three", "four");
    Socket s = accept();
    InputStream in = s.getInputStream();
    OutputStream out = s.getOutputStream();
    readRequests(in, request("one") + request("two") + request("three") + request("four"));
    // the first answer, then nothing yet for the others
    out.write(accepted("to one").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    assertThat(answer(calls.get(0)).body()).isEqualTo("to one");
    assertThat(calls.subList(1, 4)).noneMatch(CompletableFuture::isDone);
    // an error status fails only its own call; a chunked answer is read whole; byte by byte is fine
    String rest = "HTTP/1.1 400 Bad Request\r\nContent-Length: 21\r\n\r\nFramework ID mismatch"
        + "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nto \r\n5\r\nthree\r\n0\r\n\r\n"
        + accepted("to four");
    for (byte b : rest.getBytes(StandardCharsets.ISO_8859_1)) {
      out.write(b);
      out.flush();
    }
    PipelinedConnection.Response two = answer(calls.get(1));
    assertThat(two.status()).isEqualTo(400);
    assertThat(two.body()).isEqualTo("Framework ID mismatch");
    assertThat(answer(calls.get(2)).body()).isEqualTo("to three");
    assertThat(answer(calls.get(3)).body()).isEqualTo("to four");
    assertThat(c.isOpen()).isTrue();
  }

  @Test
  void aResetConnectionFailsEveryCallInFlightAndEveryLaterCall() throws Exception {
    PipelinedConnection c = open(64);
    List<CompletableFuture<PipelinedConnection.Response>> calls = sendAll(c, "x", "y", "z");
    Socket s = accept();
    readRequests(s.getInputStream(), request("x") + request("y") + request("z"));
    s.getOutputStream().write(accepted("").getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    assertThat(answer(calls.get(0)).status()).isEqualTo(202);
    s.setSoLinger(true, 0); // close with a reset
    s.close();
    for (CompletableFuture<PipelinedConnection.Response> f : calls.subList(1, 3)) {
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(IOException.class);
    }
    assertThat(c.isOpen()).isFalse();
    assertThatThrownBy(() -> c.send(new byte[] {1}).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class).hasMessageContaining("is closed");
  }

  @Test
  void aRedirectIsAnsweredWithItsLocationAndTheCallsAfterACloseFail() throws Exception {
    PipelinedConnection c = open(64);
    CompletableFuture<PipelinedConnection.Response> moved = c.send("m".getBytes(StandardCharsets.UTF_8));
    CompletableFuture<PipelinedConnection.Response> after = c.send("n".getBytes(StandardCharsets.UTF_8));
    Socket s = accept();
    readRequests(s.getInputStream(), request("m") + request("n"));
    s.getOutputStream().write(("HTTP/1.1 307 Temporary Redirect\r\nLocation: //127.0.0.2:5050/api/v1/scheduler\r\n"
        + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    PipelinedConnection.Response r = answer(moved);
    assertThat(r.status()).isEqualTo(307);
    assertThat(r.location()).contains("//127.0.0.2:5050/api/v1/scheduler");
    assertThatThrownBy(() -> after.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    assertThat(c.isOpen()).isFalse();
  }

  @Test
  void aMasterThatCannotBeReachedFailsTheCalls() throws Exception {
    int port = server.getLocalPort();
    server.close();
    connection = PipelinedConnection.open(URI.create("http://127.0.0.1:" + port + "/api/v1/scheduler"), Map.of(),
        Optional.empty(), 8, TIMEOUT);
    assertThatThrownBy(() -> connection.send(new byte[] {1}).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IOException.class).hasMessageContaining("cannot connect");
    assertThat(connection.isOpen()).isFalse();
    server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
  }
}
