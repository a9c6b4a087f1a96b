package dev.aurora.samples;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The tiny HTTP service the quick start runs as real processes: {@code GET /} says hello with its
 * instance and version, {@code GET /health} answers 200. Usage: {@code HelloServer --port N --version V
 * --instance I}.
 */
public final class HelloServer {
  private HelloServer() {}

  /** Serves until the process is killed. */
  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(arg(args, "--port", "8080"));
    String version = arg(args, "--version", "dev");
    String instance = arg(args, "--instance", "0");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    server.createContext("/health", ex -> reply(ex, "ok\n"));
    server.createContext("/", ex -> reply(ex, "hello from instance " + instance + ", version " + version + "\n"));
    server.start();
    System.out.println("hello " + version + " (instance " + instance + ") listening on port " + port);
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String arg(String[] args, String name, String otherwise) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return otherwise;
  }
}
