package dev.aurora.testkit.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake master's HTTP/1.1 server, spoken to byte by byte over a socket. */
class PipelinedHttpServerTest {
  private ExecutorService threads;
  private PipelinedHttpServer server;

  /** Answers each request with what the server read of it. */
  private static void echo(HttpExchange x) throws IOException {
    byte[] body = x.getRequestBody().readAllBytes();
    String text = x.getRequestMethod() + " " + x.getRequestURI() + " " + x.getProtocol()
        + " type=" + x.getRequestHeaders().getFirst("content-type")
        + " stream=" + x.getRequestHeaders().getFirst("Mesos-Stream-Id")
        + " missing=" + x.getRequestHeaders().getFirst("X-Missing")
        + " all=" + new TreeMap<>(x.getRequestHeaders())
        + " body=" + new String(body, StandardCharsets.UTF_8);
    byte[] answer = text.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(200, answer.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(answer);
    }
  }

  @BeforeEach
  void start() throws IOException {
    threads = Executors.newCachedThreadPool();
    server = new PipelinedHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10, null,
        PipelinedHttpServerTest::echo, threads);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop();
    threads.shutdownNow();
  }

  /** Sends the bytes and reads {@code answers} answers (each by its Content-Length), or up to the close. */
  private String exchange(String requests, int answers) throws IOException {
    try (Socket s = new Socket(server.getAddress().getAddress(), server.getAddress().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < answers; i++) {
        int length = 0;
        for (String line = line(in); line != null; line = line(in)) {
          text.append(line).append("\r\n");
          if (line.isEmpty()) {
            break;
          }
          if (line.startsWith("Content-Length: ")) {
            length = Integer.parseInt(line.substring(16));
          }
        }
        text.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
      }
      return text.toString();
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String l = line.toString(StandardCharsets.ISO_8859_1);
        return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void headersAreReadWhateverTheirCaseAndSpacingAndEveryOneIsInTheMap() throws IOException {
    String answer = exchange("POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nCONTENT-TYPE:   application/x-protobuf \r\n"
        + "mesos-stream-id:\tabc\r\nContent-Length: 3\r\nAccept: a\r\nAccept: b\r\n\r\nhey", 1);
    assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n")
        .contains("POST /api/v1/scheduler HTTP/1.1 type=application/x-protobuf stream=abc missing=null")
        .contains("all={Accept=[a, b], Content-length=[3], Content-type=[application/x-protobuf], Host=[x], "
            + "Mesos-stream-id=[abc]}")
        .endsWith("body=hey");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderWithLineFeedsAloneAndStrayLineEndsBetween() throws IOException {
    String answer = exchange("POST /a HTTP/1.1\nContent-Length: 1\n\n1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 1\r\n\r\n2"
        + "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\n3", 3);
    assertThat(answer.indexOf("POST /a HTTP/1.1")).isLessThan(answer.indexOf("POST /b HTTP/1.1"));
    assertThat(answer).contains("body=1").contains("body=2").endsWith("body=3");
    assertThat(answer.indexOf("body=1")).isLessThan(answer.indexOf("body=2"));
  }

  @Test
  void aChunkedBodyIsReadWhole() throws IOException {
    String answer = exchange("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n"
        + "Trailer: t\r\n\r\n", 1);
    assertThat(answer).endsWith("body=abcde");
  }

  @Test
  void aMalformedRequestLineGetsA400AndTheConnectionCloses() throws IOException {
    String answer = exchange("NONSENSE\r\nHost: x\r\n\r\n", 1);
    assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close");
  }
}
