package dev.aurora.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A task's program for tests on real processes: {@code TaskServer <port> <version>} serves HTTP on
 * 127.0.0.1:{@code port}, answering {@code /health} with 200 and {@code /} with {@code <version> <pid>}.
 * It needs nothing beyond the JDK, and runs until killed.
 */
public final class TaskServer {
  private TaskServer() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    String version = args.length > 1 ? args[1] : "";
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.createContext("/health", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.createContext("/", exchange -> {
      byte[] body = (version + " " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }
}
