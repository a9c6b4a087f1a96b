package dev.aurora.local.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** A health probe that GETs a path on one of the task's ports on this machine; 2xx passes. */
final class HttpProbe implements HealthMonitor.Probe {
  private final HttpClient client;
  private final URI uri;
  private final Duration timeout;

  HttpProbe(HttpClient client, int port, String path, Duration timeout) {
    this.client = client;
    this.uri = URI.create("http://127.0.0.1:" + port + (path.startsWith("/") ? path : "/" + path));
    this.timeout = timeout;
  }

  @Override
  public HealthMonitor.Result probe() {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    try {
      int code = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      return new HealthMonitor.Result(code >= 200 && code < 300, "GET " + uri + " answered " + code);
    } catch (HttpTimeoutException e) {
      return new HealthMonitor.Result(false, "GET " + uri + " timed out after " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return new HealthMonitor.Result(false, "GET " + uri + " failed: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new HealthMonitor.Result(false, "GET " + uri + " was interrupted");
    }
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
