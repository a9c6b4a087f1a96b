package dev.aurora.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The operator HTTP API as the command line uses it: JSON in and out with the JDK's HttpClient, an
 * Authorization header when credentials are given, and every failure turned into a {@link
 * CliException} with the exit code of the route table (404: 3, 401/403: 4, other errors: 1, no
 * connection: 5).
 */
public final class Api {
  static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final Optional<String> authorization;
  private final HttpClient http;

  public Api(URI base, Optional<String> authorization) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
    this.authorization = authorization;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  /** The cluster's address, without a trailing slash. */
  public URI base() {
    return base;
  }

  /** GET {@code path} (under /api/v1) as JSON. */
  public JsonNode get(String path, Map<String, String> query) {
    return json(send("GET", path + query(query), null));
  }

  public JsonNode get(String path) {
    return get(path, Map.of());
  }

  /** POST a JSON body; the answer's JSON, or an empty object for 204. */
  public JsonNode post(String path, Object body) {
    return json(send("POST", path, body));
  }

  public JsonNode put(String path, Object body) {
    return json(send("PUT", path, body));
  }

  public JsonNode delete(String path) {
    return json(send("DELETE", path, null));
  }

  /** GET {@code path} and copy the answer's body, as it arrives, to {@code out}. */
  public void stream(String path, Map<String, String> query, OutputStream out) {
    HttpResponse<InputStream> response = exchange(request("GET", path + query(query), null),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() >= 400) {
        throw failure(response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /**
   * One call; a GET asks for the answer gzipped (the server gzips the job list, about a tenth of its
   * size and about half the server's CPU per read) and gets it unzipped here.
   */
  private String send(String method, String path, Object body) {
    boolean get = method.equals("GET");
    HttpResponse<byte[]> response = exchange(request(method, path, body, get), HttpResponse.BodyHandlers.ofByteArray());
    String text;
    try {
      byte[] bytes = response.body();
      if (response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")) {
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
          bytes = in.readAllBytes();
        }
      }
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw unreachable(e);
    }
    if (response.statusCode() >= 400) {
      throw failure(response.statusCode(), text);
    }
    return text;
  }

  private HttpRequest request(String method, String path, Object body) {
    return request(method, path, body, false);
  }

  private HttpRequest request(String method, String path, Object body, boolean gzip) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
        .timeout(Duration.ofMinutes(5))
        .header("Accept", "application/json");
    if (gzip) {
      b.header("Accept-Encoding", "gzip");
    }
    authorization.ifPresent(a -> b.header("Authorization", a));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String text;
      try {
        text = body instanceof String s ? s : JSON.writeValueAsString(body);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(text));
    }
    return b.build();
  }

  private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNREACHABLE, "interrupted while talking to " + base);
    }
  }

  private CliException unreachable(IOException e) {
    String why = e instanceof ConnectException || e instanceof HttpConnectTimeoutException
        ? "connection refused or timed out" : String.valueOf(e.getMessage());
    return new CliException(ExitCodes.UNREACHABLE, "cannot reach the scheduler at " + base + ": " + why);
  }

  /** The message of an error answer: the problem JSON's title and detail, and each field's problem. */
  static CliException failure(int status, String body) {
    StringBuilder message = new StringBuilder();
    try {
      JsonNode problem = JSON.readTree(body);
      if (problem != null && problem.isObject()) {
        String title = problem.path("title").asText("");
        String detail = problem.path("detail").asText("");
        message.append(title.isEmpty() ? "HTTP " + status : title);
        if (!detail.isEmpty() && !detail.equals(title)) {
          message.append(": ").append(detail);
        }
        for (JsonNode error : problem.path("errors")) {
          message.append("\n  - ");
          if (!error.path("field").asText("").isEmpty()) {
            message.append(error.get("field").asText()).append(": ");
          }
          message.append(error.path("message").asText(error.toString()));
        }
      }
    } catch (IOException | RuntimeException notJson) {
      // not a problem document: fall through to the status and body
    }
    if (message.length() == 0) {
      message.append("HTTP ").append(status);
      if (body != null && !body.isBlank()) {
        message.append(": ").append(body.strip().lines().limit(5).collect(Collectors.joining(" ")));
      }
    }
    return new CliException(ExitCodes.forStatus(status), message.toString());
  }

  private static JsonNode json(String body) {
    if (body == null || body.isBlank()) {
      return JsonNodeFactory.instance.objectNode();
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return JsonNodeFactory.instance.textNode(body);
    }
  }

  private static String query(Map<String, String> query) {
    Map<String, String> q = new LinkedHashMap<>();
    query.forEach((k, v) -> {
      if (v != null && !v.isEmpty()) {
        q.put(k, v);
      }
    });
    if (q.isEmpty()) {
      return "";
    }
    return "?" + q.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8).replace("%2F", "/").replace("%2C", ","))
        .collect(Collectors.joining("&"));
  }

  /** Path segments of a job key for {@code /jobs/{role}/{env}/{name}}: each part encoded. */
  static String segment(String part) {
    return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
