package dev.aurora.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the operator HTTP API of routes.md, for testing the command line while the real
 * server is built: the JDK's HttpServer on loopback, canned answers per route (method and path,
 * without the query), and every request recorded. A route without an answer gets a 404 problem, as
 * the real server gives for an unknown job. The canned bodies ({@link Shapes}) follow routes.md and
 * the core's records, so the real server can replace this one in an end-to-end test.
 */
final class FakeAuroraServer implements AutoCloseable {
  /** One request as the server saw it. */
  record Request(String method, String path, String query, String body, Map<String, List<String>> headers) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /** A canned answer. */
  record Answer(int status, String contentType, String body) {}

  private final HttpServer server;
  private final Map<String, Deque<Answer>> routes = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private FakeAuroraServer(HttpServer server) {
    this.server = server;
  }

  static FakeAuroraServer start() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    FakeAuroraServer fake = new FakeAuroraServer(s);
    s.createContext("/", fake::handle);
    s.start();
    return fake;
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers {@code method path} with {@code status} and a JSON body (none when null). */
  FakeAuroraServer on(String method, String path, int status, String json) {
    return onSequence(method, path, new Answer(status, json != null && status >= 400
        ? "application/problem+json" : "application/json", json));
  }

  /** Answers successive requests with these answers; the last one repeats. */
  FakeAuroraServer onSequence(String method, String path, Answer... answers) {
    routes.put(method + " " + path, new ArrayDeque<>(List.of(answers)));
    return this;
  }

  /** Answers with plain text. */
  FakeAuroraServer onText(String method, String path, String text) {
    return onSequence(method, path, new Answer(200, "text/plain; charset=utf-8", text));
  }

  List<Request> requests() {
    return new ArrayList<>(requests);
  }

  Request last() {
    return requests.get(requests.size() - 1);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = ex.getRequestURI().getRawPath();
      requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), body,
          Map.copyOf(ex.getRequestHeaders())));
      Deque<Answer> q = routes.get(ex.getRequestMethod() + " " + path);
      Answer a;
      if (q == null) {
        a = new Answer(404, "application/problem+json", Shapes.problem(404, "Not Found", "no route or resource " + path));
      } else {
        synchronized (q) {
          a = q.size() > 1 ? q.poll() : q.peek();
        }
      }
      byte[] bytes = a.body() == null ? new byte[0] : a.body().getBytes(StandardCharsets.UTF_8);
      if (a.contentType() != null && bytes.length > 0) {
        ex.getResponseHeaders().set("Content-Type", a.contentType());
      }
      String accept = ex.getRequestHeaders().getFirst("Accept-Encoding");
      if (bytes.length > 0 && "GET /api/v1/jobs".equals(ex.getRequestMethod() + " " + path) && accept != null
          && accept.contains("gzip")) {
        // as the real server answers the job list to a client that accepts gzip
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
          z.write(bytes);
        }
        bytes = gz.toByteArray();
        ex.getResponseHeaders().set("Content-Encoding", "gzip");
      }
      ex.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
