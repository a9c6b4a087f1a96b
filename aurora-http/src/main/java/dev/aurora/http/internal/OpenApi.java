package dev.aurora.http.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The OpenAPI 3.1 document, made from the route table itself so the two cannot drift apart. */
public final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{(\\w+)}");

  /** The paths the handler serves outside /api/v1, with what they answer. */
  public static final Map<String, String> PLAIN = Map.of(
      "/health", "200 OK while the server runs",
      "/leaderhealth", "200 on the leader, 503 with the leader's address elsewhere, 502 when there is no leader",
      "/metrics", "Metrics in Prometheus text format",
      "/vars", "Metrics as JSON");

  private OpenApi() {}

  public static Map<String, Object> document(List<Route> routes) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", "Aurora operator API", "version", "v1",
        "description", "Errors are RFC 9457 problem JSON (application/problem+json) with field-level `errors`."));
    Map<String, Map<String, Object>> paths = new LinkedHashMap<>();
    for (Route r : routes) {
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("summary", r.summary());
      op.put("operationId", operationId(r));
      List<Map<String, Object>> params = new ArrayList<>();
      Matcher m = PARAM.matcher(r.template());
      while (m.find()) {
        params.add(Map.of("name", m.group(1), "in", "path", "required", true, "schema", Map.of("type", "string")));
      }
      for (String q : r.queryParams()) {
        params.add(Map.of("name", q, "in", "query", "required", false, "schema", Map.of("type", "string")));
      }
      if (!params.isEmpty()) {
        op.put("parameters", params);
      }
      if (r.body() != null) {
        op.put("requestBody", Map.of("required", true, "description", r.body(),
            "content", Map.of("application/json", Map.of("schema", Map.of("type", "object")))));
      }
      Map<String, Object> responses = new LinkedHashMap<>();
      responses.put(r.mutating() ? "2XX" : "200", Map.of("description", "success"));
      responses.put("default", Map.of("description", "a problem",
          "content", Map.of("application/problem+json", Map.of("schema", Map.of("$ref", "#/components/schemas/Problem")))));
      op.put("responses", responses);
      paths.computeIfAbsent(r.template(), k -> new LinkedHashMap<>()).put(r.method().toLowerCase(), op);
    }
    PLAIN.forEach((path, what) -> paths.put(path, Map.of("get", Map.of("summary", what,
        "operationId", path.substring(1), "responses", Map.of("200", Map.of("description", what))))));
    doc.put("paths", paths);
    doc.put("components", Map.of("schemas", Map.of("Problem", Map.of("type", "object", "properties", Map.of(
        "type", Map.of("type", "string"), "title", Map.of("type", "string"), "status", Map.of("type", "integer"),
        "detail", Map.of("type", "string"), "errors", Map.of("type", "array", "items", Map.of("type", "object",
            "properties", Map.of("field", Map.of("type", "string"), "message", Map.of("type", "string")))))))));
    return doc;
  }

  private static String operationId(Route r) {
    StringBuilder b = new StringBuilder(r.method().toLowerCase());
    for (String part : r.template().substring(Api.BASE.length()).split("/")) {
      if (part.isEmpty() || part.startsWith("{")) {
        continue;
      }
      b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).replace(".json", "Json"));
    }
    if (r.template().endsWith("}")) {
      b.append("ById");
    }
    return b.toString();
  }
}
