package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request timeout of the pipelined call connection ({@code MesosBackend.Builder#requestTimeout}):
 * a master that takes a call and never answers it. Awaits are bounded; no timing is asserted.
 */
class PipelinedConnectionTimeoutTest {
  /** Short, so the test does not wait long for the timeout; nothing depends on how long it really takes. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(200);
  private ServerSocket server;
  private final List<Socket> accepted = new ArrayList<>();
  private final List<PipelinedConnection> connections = new ArrayList<>();

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    server.setSoTimeout(30_000);
  }

  @AfterEach
  void stop() throws IOException {
    connections.forEach(PipelinedConnection::close);
    for (Socket s : accepted) {
      s.close();
    }
    server.close();
  }

  private PipelinedConnection open() {
    PipelinedConnection c = PipelinedConnection.open(
        URI.create("http://127.0.0.1:" + server.getLocalPort() + "/api/v1/scheduler"), Map.of("Mesos-Stream-Id", "s-1"),
        Optional.empty(), 8, REQUEST_TIMEOUT);
    connections.add(c);
    return c;
  }

  private Socket accept() throws IOException {
    Socket s = server.accept();
    s.setSoTimeout(30_000);
    accepted.add(s);
    return s;
  }

  /** Reads one request of the connection (its head, then its body of {@code Content-Length} bytes). */
  private static String readRequest(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("the connection ended within a request: " + head);
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  private static CompletableFuture<PipelinedConnection.Response> send(PipelinedConnection c, String body) {
    return c.send(body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aCallTheMasterNeverAnswersFailsAfterTheTimeoutAndTheConnectionIsDone() throws Exception {
    PipelinedConnection c = open();
    CompletableFuture<PipelinedConnection.Response> call = send(c, "unanswered");
    Socket s = accept();
    assertThat(readRequest(s.getInputStream())).isEqualTo("unanswered");
    // the master keeps the connection open and says nothing

    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class).hasMessageContaining("no answer from")
        .hasMessageContaining("within " + REQUEST_TIMEOUT);
    assertThat(c.isOpen()).isFalse();
    assertThat(c.outstanding()).isZero();
    assertThatThrownBy(() -> send(c, "later").get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
        .hasMessageContaining("is closed").hasMessageContaining("no answer from");
  }

  @Test
  void everyCallInFlightOrQueuedFailsWithTheOneNeverAnswered() throws Exception {
    PipelinedConnection c = open();
    List<CompletableFuture<PipelinedConnection.Response>> calls = new ArrayList<>();
    for (String body : List.of("a", "b", "c")) {
      calls.add(send(c, body));
    }
    Socket s = accept();
    InputStream in = s.getInputStream();
    assertThat(readRequest(in)).isEqualTo("a");
    // the first is answered; the second never is, and the third is behind it
    s.getOutputStream().write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();

    assertThat(calls.get(0).get(30, TimeUnit.SECONDS).status()).isEqualTo(202);
    for (CompletableFuture<PipelinedConnection.Response> f : calls.subList(1, 3)) {
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
          .hasMessageContaining("no answer from");
    }
    assertThat(c.isOpen()).isFalse();
  }

  @Test
  void theCallAfterATimeoutGoesOnANewConnection() throws Exception {
    PipelinedConnection first = open();
    CompletableFuture<PipelinedConnection.Response> lost = send(first, "lost");
    Socket s1 = accept();
    assertThat(readRequest(s1.getInputStream())).isEqualTo("lost");
    assertThatThrownBy(() -> lost.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    assertThat(first.isOpen()).as("the scheduler makes a new connection for its next call").isFalse();

    // as HttpMesosBackend#connection does for a connection that is no longer open
    PipelinedConnection second = open();
    CompletableFuture<PipelinedConnection.Response> next = send(second, "next");
    Socket s2 = accept();
    assertThat(s2.getPort()).as("another TCP connection").isNotEqualTo(s1.getPort());
    assertThat(readRequest(s2.getInputStream())).isEqualTo("next");
    s2.getOutputStream().write("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
    s2.getOutputStream().flush();
    assertThat(next.get(30, TimeUnit.SECONDS).body()).isEqualTo("ok");
    assertThat(second.isOpen()).isTrue();
    assertThat(s1.getInputStream().read()).as("the dead connection was closed").isEqualTo(-1);
  }

  @Test
  void anAnswerThatStopsHalfWayFailsEveryCallInFlightAndClosesTheConnection() throws Exception {
    PipelinedConnection c = open();
    CompletableFuture<PipelinedConnection.Response> first = send(c, "a");
    CompletableFuture<PipelinedConnection.Response> second = send(c, "b");
    Socket s = accept();
    InputStream in = s.getInputStream();
    assertThat(readRequest(in)).isEqualTo("a");
    assertThat(readRequest(in)).isEqualTo("b");
    // the status line and part of the headers of the first answer, then nothing
    s.getOutputStream().write("HTTP/1.1 202 Accepted\r\nContent-Len".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();

    for (CompletableFuture<PipelinedConnection.Response> f : List.of(first, second)) {
      assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }
    assertThat(c.isOpen()).isFalse();
    assertThat(in.read()).as("the connection was closed").isEqualTo(-1);
  }

  @Test
  void anAnswerThatStopsHalfWayWithNoCallInFlightClosesTheConnectionSoTheNextCallGoesOnANewOne() throws Exception {
    PipelinedConnection c = open();
    CompletableFuture<PipelinedConnection.Response> call = send(c, "a");
    Socket s = accept();
    InputStream in = s.getInputStream();
    assertThat(readRequest(in)).isEqualTo("a");
    // the answer, then the start of another answer no call waits for, then nothing: what follows on
    // this connection could not be read from the start of an answer
    s.getOutputStream().write(("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
        + "HTTP/1.1 500 Internal Server Error\r\n").getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    assertThat(call.get(30, TimeUnit.SECONDS).status()).isEqualTo(202);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (c.isOpen()) {
      assertThat(System.nanoTime()).as("the connection closed within 30 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    assertThat(in.read()).as("the connection was closed").isEqualTo(-1);
    assertThatThrownBy(() -> send(c, "later").get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class)
        .hasMessageContaining("is closed");
  }
}
