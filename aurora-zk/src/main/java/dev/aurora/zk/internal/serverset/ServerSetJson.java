package dev.aurora.zk.internal.serverset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.zk.ServerSetMember;
import dev.aurora.zk.ServerSetMember.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Finagle ServerSet member JSON: written by the announcer, read (leniently) by the watcher. */
public final class ServerSetJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ServerSetJson() {}

  /**
   * The member JSON Aurora's executor writes: {@code serviceEndpoint}, {@code additionalEndpoints} (every
   * named port), {@code status} ALIVE and {@code shard}.
   */
  public static byte[] write(String host, int primaryPort, Map<String, Integer> ports, int shard) {
    ObjectNode root = MAPPER.createObjectNode();
    root.set("serviceEndpoint", endpoint(host, primaryPort));
    ObjectNode additional = root.putObject("additionalEndpoints");
    ports.forEach((name, port) -> additional.set(name, endpoint(host, port)));
    root.put("status", "ALIVE");
    root.put("shard", shard);
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e); // a tree of strings and numbers always serializes
    }
  }

  private static ObjectNode endpoint(String host, int port) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("host", host);
    n.put("port", port);
    return n;
  }

  /**
   * Reads a member written by Aurora, Finagle or the announcer; unknown fields are ignored.
   *
   * @throws IllegalArgumentException naming every problem, when the bytes are not a member
   */
  public static ServerSetMember read(String name, byte[] data) {
    JsonNode root;
    try {
      root = MAPPER.readTree(data);
    } catch (IOException e) {
      throw new IllegalArgumentException("member " + name + " is not JSON: "
          + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("member " + name + " is not a JSON object: "
          + new String(data, StandardCharsets.UTF_8));
    }
    List<String> problems = new ArrayList<>();
    Endpoint service = endpoint(root.get("serviceEndpoint"), "serviceEndpoint", problems);
    Map<String, Endpoint> additional = new LinkedHashMap<>();
    JsonNode extra = root.get("additionalEndpoints");
    if (extra != null && !extra.isNull()) {
      if (!extra.isObject()) {
        problems.add("additionalEndpoints: expected an object");
      } else {
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          Endpoint ep = endpoint(e.getValue(), "additionalEndpoints." + e.getKey(), problems);
          if (ep != null) {
            additional.put(e.getKey(), ep);
          }
        }
      }
    }
    String status = "ALIVE";
    JsonNode s = root.get("status");
    if (s != null && !s.isNull()) {
      if (s.isTextual()) {
        status = s.asText();
      } else {
        problems.add("status: expected a string, found " + s);
      }
    }
    Optional<Integer> shard = Optional.empty();
    JsonNode sh = root.get("shard");
    if (sh != null && !sh.isNull()) {
      if (sh.isIntegralNumber() && sh.canConvertToInt()) {
        shard = Optional.of(sh.asInt());
      } else {
        problems.add("shard: expected a whole number, found " + sh);
      }
    }
    Optional<String> memberId = Optional.empty();
    JsonNode id = root.get("memberId");
    if (id != null && !id.isNull()) {
      memberId = Optional.of(id.asText());
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("member " + name + " is not a ServerSet member: "
          + String.join("; ", problems));
    }
    return new ServerSetMember(name, service, additional, status, shard, memberId);
  }

  private static Endpoint endpoint(JsonNode n, String path, List<String> problems) {
    if (n == null || n.isNull()) {
      problems.add(path + ": missing");
      return null;
    }
    if (!n.isObject()) {
      problems.add(path + ": expected an object with host and port, found " + n);
      return null;
    }
    JsonNode host = n.get("host");
    JsonNode port = n.get("port");
    int before = problems.size();
    if (host == null || !host.isTextual() || host.asText().isEmpty()) {
      problems.add(path + ".host: expected a host name, found " + host);
    }
    if (port == null || !port.isIntegralNumber() || port.asInt() < 0 || port.asInt() > 65535) {
      problems.add(path + ".port: expected a port number, found " + port);
    }
    return problems.size() == before ? new Endpoint(host.asText(), port.asInt()) : null;
  }
}
