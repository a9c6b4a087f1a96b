package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/**
 * Where a service's running tasks are announced in ZooKeeper, as Finagle ServerSet members: under
 * {@code zkPath/role/environment/name}, with the port named {@link #primaryPort()} as the endpoint.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableAnnounce.class)
@JsonDeserialize(as = ImmutableAnnounce.class)
public abstract class Announce {

  /** The name of the port that is the service endpoint. */
  @Value.Parameter
  public abstract String primaryPort();

  /** The ZooKeeper path under which jobs are announced, such as {@code /aurora}. */
  @Value.Parameter
  public abstract String zkPath();

  /** Announce on {@code primaryPort} under {@code zkPath}. */
  public static Announce of(String primaryPort, String zkPath) {
    return ImmutableAnnounce.of(primaryPort, zkPath);
  }
}
