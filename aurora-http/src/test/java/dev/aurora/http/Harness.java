package dev.aurora.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.Principal;
import dev.aurora.core.Scheduler;
import dev.aurora.testkit.AuroraExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * An operator server over a scheduler on the testkit's simulated cluster. The testkit's loop runs
 * in whichever thread calls the scheduler, so the server's threads and the test's thread take turns
 * through one lock: {@link #drive} runs the loop (e.g. {@code runUntilIdle}) under it.
 */
final class Harness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> USERS = List.of("alice", "bob", "ops");
  private static String passwordLines;

  final AuroraExtension aurora;
  final Object lock = new Object();
  final Scheduler scheduler;
  final OperatorServer server;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  Harness(AuroraExtension aurora, Path dir, Consumer<OperatorServer.Builder> customize) {
    this.aurora = aurora;
    this.scheduler = locked(aurora.scheduler(), lock);
    OperatorServer.Builder b = OperatorServer.builder().scheduler(scheduler).port(0).clock(aurora.clock())
        .authenticator(Authenticator.basic(passwords(dir)))
        .jobListStaleness(Duration.ZERO);   // the tests see every event at once; JobsApiTest checks the lag
    customize.accept(b);
    this.server = b.start();
  }

  /** A password file with each user's password "pw-" + name. */
  static synchronized Path passwords(Path dir) {
    try {
      if (passwordLines == null) {
        StringBuilder s = new StringBuilder("# test users\n");
        for (String u : USERS) {
          s.append(Authenticator.hashPassword(u, ("pw-" + u).toCharArray())).append('\n');
        }
        passwordLines = s.toString();
      }
      Path file = dir.resolve("users.passwd");
      Files.writeString(file, passwordLines);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Scheduler locked(Scheduler s, Object lock) {
    return (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(), new Class<?>[] {Scheduler.class},
        (proxy, method, args) -> {
          synchronized (lock) {
            try {
              return method.invoke(s, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          }
        });
  }

  /** Drives the simulated cluster while no request is inside the scheduler. */
  void drive(Runnable r) {
    synchronized (lock) {
      r.run();
    }
  }

  /** Runs the loop and lets simulated time pass until launched tasks run. */
  void settle() {
    drive(() -> {
      aurora.runUntilIdle();
      aurora.advance(Duration.ofSeconds(10));
    });
  }

  static String basic(String user) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":pw-" + user).getBytes(StandardCharsets.UTF_8));
  }

  URI uri(String path) {
    return server.url().resolve(path);
  }

  HttpRequest.Builder request(String user, String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    if (user != null) {
      b.header("Authorization", basic(user));
    }
    return b;
  }

  HttpResponse<String> send(HttpRequest r) {
    try {
      return client.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<byte[]> sendBytes(HttpRequest r) {
    try {
      return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String user, String path) {
    return send(request(user, path).GET().build());
  }

  HttpResponse<String> delete(String user, String path) {
    return send(request(user, path).DELETE().build());
  }

  HttpResponse<String> post(String user, String path, String body) {
    return send(request(user, path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> put(String user, String path, String body) {
    return send(request(user, path).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** A GET without credentials to another server. */
  static HttpResponse<String> sendTo(OperatorServer server, String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url().resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
    }
  }

  static Principal principal(String name) {
    return Principal.of(name);
  }

  @Override
  public void close() {
    server.close();
  }
}
