package dev.aurora.zk;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One member of a Finagle ServerSet, as {@link ServerSetWatcher} reads it: the znode's name and the JSON it
 * holds. Aurora's executor, Finagle's {@code ZkAnnouncer} and {@link ServerSetAnnouncer} all write this
 * shape:
 *
 * <pre>{@code
 * {"serviceEndpoint": {"host": "web-3", "port": 31001},
 *  "additionalEndpoints": {"http": {"host": "web-3", "port": 31001}, "admin": {"host": "web-3", "port": 31002}},
 *  "status": "ALIVE", "shard": 2}
 * }</pre>
 *
 * @param name the member's znode name, e.g. {@code member_0000000007}
 * @param serviceEndpoint the endpoint clients call
 * @param additionalEndpoints further named endpoints (by port name); may be empty
 * @param status the member's status as written ({@code ALIVE}, or Finagle's {@code DEAD}, {@code STARTING},
 *     {@code STOPPING}, {@code STOPPED}, {@code WARNING}, {@code IDLE}); {@code ALIVE} when the JSON has none
 * @param shard the shard (for Aurora: the instance id), when the JSON has one
 * @param memberId Finagle's {@code memberId}, when the JSON has one
 */
public record ServerSetMember(String name, Endpoint serviceEndpoint, Map<String, Endpoint> additionalEndpoints,
    String status, Optional<Integer> shard, Optional<String> memberId) {

  /** A host and port. */
  public record Endpoint(String host, int port) {
    /** Checks the fields. */
    public Endpoint {
      Objects.requireNonNull(host, "host");
    }

    /** An unresolved socket address for this endpoint. */
    public InetSocketAddress toAddress() {
      return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** Checks the fields and copies the map (sorted by name). */
  public ServerSetMember {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(serviceEndpoint, "serviceEndpoint");
    additionalEndpoints = Collections.unmodifiableMap(new TreeMap<>(additionalEndpoints));
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(shard, "shard");
    Objects.requireNonNull(memberId, "memberId");
  }

  /** Whether the member's status is {@code ALIVE}: the one status a client should send requests to. */
  public boolean isAlive() {
    return "ALIVE".equals(status);
  }

  /** The endpoint named {@code port} among the additional endpoints. */
  public Optional<Endpoint> endpoint(String port) {
    return Optional.ofNullable(additionalEndpoints.get(port));
  }

  @Override
  public String toString() {
    return name + " " + serviceEndpoint + " " + status + shard.map(s -> " shard " + s).orElse("");
  }
}
