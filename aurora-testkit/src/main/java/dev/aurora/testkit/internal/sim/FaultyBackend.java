package dev.aurora.testkit.internal.sim;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.ForwardingClusterBackend;
import dev.aurora.core.Offer;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskStatus;
import dev.aurora.testkit.Scenario.Fault;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The simulated cluster as the scheduler sees it through an unreliable channel: each status update is,
 * with its fault's rate, lost for good (the scheduler's periodic reconciliation must make it good),
 * duplicated, held back behind the next one, or delayed. Updates reach
 * whichever scheduler is registered when they arrive. {@code close()} leaves the cluster running, as
 * a scheduler's crash leaves a Mesos cluster.
 */
public final class FaultyBackend extends ForwardingClusterBackend {
  private final SimulatedCluster cluster;
  private final StateLoop loop;
  private final Random random;
  private final Map<Fault, Double> rates;
  private final Map<Fault, Integer> injected;
  private final Consumer<TaskStatus> onRaw;
  private @Nullable BackendListener current;
  private @Nullable TaskStatus held;
  private boolean faults = true;
  private final Tap tap = new Tap();

  public FaultyBackend(SimulatedCluster cluster, StateLoop loop, Random random, Map<Fault, Double> rates,
      Map<Fault, Integer> injected, Consumer<TaskStatus> onRaw) {
    this.cluster = cluster;
    this.loop = loop;
    this.random = random;
    this.rates = new EnumMap<>(rates);
    this.injected = injected;
    this.onRaw = onRaw;
  }

  /** Stops injecting faults; a held-back update goes out now. */
  public void stopFaults() {
    faults = false;
    flushHeld();
  }

  @Override
  protected ClusterBackend delegate() {
    return cluster;
  }

  @Override
  public void start(BackendListener listener) {
    this.current = listener;
    cluster.start(tap);
  }

  @Override
  public void close() {
    current = null;
  }

  private double rate(Fault f) {
    return rates.getOrDefault(f, 0.0);
  }

  private void count(Fault f) {
    injected.merge(f, 1, Integer::sum);
  }

  private void deliver(TaskStatus s) {
    if (current != null) {
      current.statusUpdate(s);
    }
  }

  private void flushHeld() {
    TaskStatus h = held;
    held = null;
    if (h != null) {
      deliver(h);
    }
  }

  private final class Tap implements BackendListener {
    @Override
    public void offers(List<Offer> offers) {
      if (current != null) {
        current.offers(offers);
      }
    }

    @Override
    public void offerRescinded(String offerId) {
      if (current != null) {
        current.offerRescinded(offerId);
      }
    }

    @Override
    public void agentLost(String agentId) {
      if (current != null) {
        current.agentLost(agentId);
      }
    }

    @Override
    public void statusUpdate(TaskStatus s) {
      onRaw.accept(s);
      if (!faults || current == null) {
        deliver(s);
        return;
      }
      double r = random.nextDouble();
      double lost = rate(Fault.STATUS_LOST);
      double dup = lost + rate(Fault.STATUS_DUPLICATED);
      double reorder = dup + rate(Fault.STATUS_REORDERED);
      double delay = reorder + rate(Fault.STATUS_DELAYED);
      if (r < lost) {
        count(Fault.STATUS_LOST); // lost for good: the scheduler's periodic reconciliation makes it good
      } else if (r < dup) {
        count(Fault.STATUS_DUPLICATED);
        deliver(s);
        deliver(s);
        flushHeld();
      } else if (r < reorder && held == null) {
        count(Fault.STATUS_REORDERED);
        held = s;
        loop.schedule(Duration.ofSeconds(5), () -> {
          if (held == s) {
            flushHeld();
          }
        });
      } else if (r < delay) {
        count(Fault.STATUS_DELAYED);
        loop.schedule(Duration.ofSeconds(1 + random.nextInt(15)), () -> deliver(s));
      } else {
        deliver(s);
        flushHeld();
      }
    }
  }
}
