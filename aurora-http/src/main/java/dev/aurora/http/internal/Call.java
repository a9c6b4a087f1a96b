package dev.aurora.http.internal;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/** A matched request: path parameters, query, body and the authenticated principal. */
public final class Call {
  private final Exchange exchange;
  private final Map<String, String> params;
  private final Map<String, List<String>> query;
  private final Principal principal;
  private final byte[] body;

  Call(Exchange exchange, Map<String, String> params, Principal principal, byte[] body) {
    this.exchange = exchange;
    this.params = params;
    this.query = parseQuery(exchange.rawQuery());
    this.principal = principal;
    this.body = body;
  }

  static Map<String, List<String>> parseQuery(@Nullable String raw) {
    Map<String, List<String>> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return q;
  }

  static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.badField("url", "malformed percent-encoding in '" + s + "'");
    }
  }

  public Exchange exchange() {
    return exchange;
  }

  public Principal principal() {
    return principal;
  }

  public String param(String name) {
    return decode(params.get(name));
  }

  public Optional<String> query(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /** An optional whole-number query parameter within bounds, or a 400 naming it. */
  public Optional<Integer> intQuery(String name, int min, int max) {
    Optional<String> v = query(name);
    if (v.isEmpty() || v.get().isEmpty()) {
      return Optional.empty();
    }
    try {
      int n = Integer.parseInt(v.get());
      if (n < min || n > max) {
        throw ApiProblem.badField(name, "must be between " + min + " and " + max + ", was " + n);
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      throw ApiProblem.badField(name, "expected a whole number, found '" + v.get() + "'");
    }
  }

  /** The job key of the path's {role}/{env}/{name}. */
  public JobKey job() {
    return jobKey("job", param("role") + "/" + param("env") + "/" + param("name"));
  }

  /** Parses a job key, or a 400 naming the field. */
  public static JobKey jobKey(String field, String value) {
    try {
      return JobKey.parse(value);
    } catch (InvalidConfigException e) {
      ApiProblem p = Json.invalid(e);
      boolean named = p.errors().stream().allMatch(x -> x.field().startsWith("key."));
      throw named ? p : ApiProblem.badField(field, "expected a job key role/env/name, found '" + value + "'");
    } catch (RuntimeException e) {
      throw ApiProblem.badField(field, "expected a job key role/env/name, found '" + value + "'");
    }
  }

  public byte[] body() {
    return body;
  }

  /** The body read strictly as {@code type}; an empty body is a 400. */
  public <T> T json(Class<T> type) {
    if (body.length == 0) {
      throw new ApiProblem(400, "invalid request", "a JSON body is required");
    }
    return Json.read(body, type);
  }
}
