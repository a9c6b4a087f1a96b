package dev.aurora.core;

import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * Resources an agent offers to the scheduler: who the agent is (id, hostname, attributes such as
 * {@code rack} and {@code zone}) and what is free on it. An offer is valid until it is used, declined
 * or rescinded. Revocable offers carry resources lent until their owner wants them back; only {@code
 * revocable}-tier tasks use them.
 */
@Value.Immutable
public abstract class Offer {
  /** The offer's id, unique among the backend's live offers. */
  public abstract String id();

  /** The agent the resources are on. */
  public abstract String agentId();

  /** The agent's hostname; also the value of the {@code host} attribute. */
  public abstract String hostname();

  /**
   * The agent's attributes ({@code rack}, {@code zone}, {@code dedicated}, ...). The {@code host}
   * attribute is the hostname whether or not it is listed here.
   */
  public abstract Map<String, String> attributes();

  /** Free cpu cores. */
  public abstract double cpus();

  /** Free memory in MiB. */
  public abstract long ramMb();

  /** Free disk in MiB. */
  public abstract long diskMb();

  /** Free gpus. */
  @Value.Default
  public int gpus() {
    return 0;
  }

  /** Free port ranges. */
  public abstract List<PortRange> ports();

  /** Whether these are revocable resources. */
  @Value.Default
  public boolean revocable() {
    return false;
  }

  /** A builder. */
  public static ImmutableOffer.Builder builder() {
    return ImmutableOffer.builder();
  }
}
