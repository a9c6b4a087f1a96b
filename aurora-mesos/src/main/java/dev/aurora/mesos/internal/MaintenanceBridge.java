package dev.aurora.mesos.internal;

import dev.aurora.api.Principal;
import dev.aurora.core.EventStream;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.mesos.v1.Protos;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos maintenance into the scheduler's host maintenance: an inverse offer for an agent puts its host
 * in DRAINING through the scheduler's public {@link Scheduler#setMaintenance}; once the scheduler
 * reports the host DRAINED (at once if it is already), the host's inverse offers are accepted, which
 * tells Mesos the framework is done with the agent for the window. Works on a thread of its own: the
 * scheduler's calls wait for its state loop, and the event stream must not be held up.
 */
public final class MaintenanceBridge implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceBridge.class);

  /** An inverse offer held, and the subscription (generation) it belongs to. */
  public record Held(Protos.OfferID id, int generation) {}

  private final Scheduler scheduler;
  private final Principal by;
  private final Function<String, Optional<String>> knownHostOfAgent;
  private final BiConsumer<List<Protos.OfferID>, Integer> accept;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "aurora-mesos-maintenance");
    t.setDaemon(true);
    return t;
  });
  /** Inverse offers not yet accepted, by host; only touched on the worker. */
  private final Map<String, List<Held>> byHost = new HashMap<>();
  private final EventStream.Subscription events;
  /** Hosts this bridge put in SCHEDULED because their offers carried an unavailability window. */
  private final Set<String> scheduledByOffers = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param knownHostOfAgent the hostname of an agent the backend saw offers of
   * @param accept sends ACCEPT_INVERSE_OFFERS for the ids, of the subscription given
   */
  public MaintenanceBridge(Scheduler scheduler, Principal by, Function<String, Optional<String>> knownHostOfAgent,
      BiConsumer<List<Protos.OfferID>, Integer> accept) {
    this.scheduler = scheduler;
    this.by = by;
    this.knownHostOfAgent = knownHostOfAgent;
    this.accept = accept;
    this.events = scheduler.events().subscribe(this::onEvent, worker);
  }

  /** Inverse offers arrived on subscription {@code generation}. */
  public void inverseOffers(List<Protos.InverseOffer> offers, int generation) {
    run(() -> {
      for (Protos.InverseOffer o : offers) {
        onInverseOffer(o, generation);
      }
    });
  }

  /**
   * Whether {@code offer} changes its host's maintenance: it carries an unavailability window (Mesos's
   * maintenance schedule names its agent) and the host is not SCHEDULED by an earlier offer yet, or it
   * carries none while its host is. Such an offer goes through {@link #offered} before the scheduler sees
   * it; any other goes to the scheduler at once.
   */
  public boolean changesMaintenance(Protos.Offer offer) {
    return offer.hasUnavailability() != scheduledByOffers.contains(offer.getHostname());
  }

  /**
   * An offer that {@link #changesMaintenance changes its host's maintenance}: with an unavailability
   * window, a host in service becomes SCHEDULED (no new task lands there; running ones stay until the
   * inverse offer drains it); without one, a host this bridge scheduled and that is still SCHEDULED
   * returns to service (the maintenance was cancelled). Then {@code thenReport} hands the offer to the
   * scheduler, so no task is placed on it before its host's mode changed.
   */
  public void offered(Protos.Offer offer, Runnable thenReport) {
    run(() -> {
      String host = offer.getHostname();
      try {
        MaintenanceMode mode = scheduler.maintenance().getOrDefault(host, MaintenanceMode.NONE);
        if (offer.hasUnavailability()) {
          scheduledByOffers.add(host);
          if (mode == MaintenanceMode.NONE) {
            LOG.info("offer {} of {} is {}: the host is SCHEDULED for maintenance", offer.getId().getValue(), host,
                window(offer.getUnavailability()));
            scheduler.setMaintenance(Set.of(host), MaintenanceMode.SCHEDULED, by);
          }
        } else {
          scheduledByOffers.remove(host);
          if (mode == MaintenanceMode.SCHEDULED) {
            LOG.info("offer {} of {} has no unavailability any more: the host is back in service",
                offer.getId().getValue(), host);
            scheduler.setMaintenance(Set.of(host), MaintenanceMode.NONE, by);
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot follow the maintenance of {} from its offer: {}", host, e.toString());
      }
      thenReport.run();
    });
  }

  /** The master withdrew an inverse offer (the maintenance was cancelled or changed). */
  public void rescinded(String inverseOfferId) {
    run(() -> byHost.values().forEach(l -> l.removeIf(h -> h.id().getValue().equals(inverseOfferId))));
  }

  /** The subscription is gone, and with it its inverse offers; the next one brings new ones. */
  public void subscriptionLost() {
    run(byHost::clear);
  }

  @Override
  public void close() {
    events.close();
    worker.shutdownNow();
  }

  private void run(Runnable r) {
    try {
      worker.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private void onInverseOffer(Protos.InverseOffer o, int generation) {
    String agent = o.getAgentId().getValue();
    Optional<String> host = knownHostOfAgent.apply(agent).or(() -> hostOfOurTasks(agent));
    String window = window(o);
    if (host.isEmpty()) {
      // no offer of it seen and none of our tasks on it: nothing to drain
      LOG.info("inverse offer {} for agent {} ({}): no task of ours there; accepted", o.getId().getValue(), agent,
          window);
      accept.accept(List.of(o.getId()), generation);
      return;
    }
    String h = host.get();
    byHost.computeIfAbsent(h, k -> new ArrayList<>()).add(new Held(o.getId(), generation));
    MaintenanceMode mode = scheduler.maintenance().getOrDefault(h, MaintenanceMode.NONE);
    LOG.info("inverse offer {} for agent {} on {} ({}); the host is {}", o.getId().getValue(), agent, h, window,
        mode);
    if (mode == MaintenanceMode.NONE || mode == MaintenanceMode.SCHEDULED) {
      try {
        scheduler.setMaintenance(Set.of(h), MaintenanceMode.DRAINING, by);
      } catch (RuntimeException e) {
        LOG.warn("cannot drain {} for Mesos maintenance: {}; the inverse offer stays unanswered", h, e.toString());
        return;
      }
    }
    if (scheduler.maintenance().get(h) == MaintenanceMode.DRAINED) {
      acceptAll(h);
    }
  }

  private void onEvent(SchedulerEvent e) {
    if (e instanceof SchedulerEvent.HostMaintenanceChanged m && m.mode() == MaintenanceMode.DRAINED) {
      acceptAll(m.host());
    }
  }

  private void acceptAll(String host) {
    List<Held> held = byHost.remove(host);
    if (held == null || held.isEmpty()) {
      return;
    }
    LOG.info("{} is drained; accepting its inverse offers {}", host, held.stream().map(x -> x.id().getValue()).toList());
    Map<Integer, List<Protos.OfferID>> bySubscription = new HashMap<>();
    held.forEach(x -> bySubscription.computeIfAbsent(x.generation(), g -> new ArrayList<>()).add(x.id()));
    bySubscription.forEach((gen, ids) -> accept.accept(ids, gen));
  }

  private Optional<String> hostOfOurTasks(String agent) {
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().active())) {
      if (t.agent().filter(agent::equals).isPresent() && t.host().isPresent()) {
        return t.host();
      }
    }
    return Optional.empty();
  }

  private static String window(Protos.InverseOffer o) {
    if (!o.hasUnavailability()) {
      return "no window given";
    }
    return window(o.getUnavailability());
  }

  private static String window(Protos.Unavailability u) {
    long start = u.getStart().getNanoseconds();
    Instant from = Instant.ofEpochSecond(Math.floorDiv(start, 1_000_000_000L), Math.floorMod(start, 1_000_000_000L));
    return u.hasDuration() ? "unavailable from " + from + " for " + Duration.ofNanos(u.getDuration().getNanoseconds())
        : "unavailable from " + from;
  }
}
