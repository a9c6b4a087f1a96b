package dev.aurora.local.internal;

import dev.aurora.core.OfferBook;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual agents and their offers, kept in the core's {@link OfferBook} (offers made the way Mesos
 * makes them: an agent may have several outstanding offers, each reserving exactly what it carries; a
 * decline holds back the declined resources until its refusal ends or more becomes unoffered). The pool
 * adds what is the local backend's own: one lock around the book, refusals timed on a {@link
 * ScheduledExecutorService}, each new offer reported at once, and launches turned into {@link
 * Placement}s.
 */
final class AgentPool {
  private static final Logger LOG = LoggerFactory.getLogger(AgentPool.class);

  private final OfferBook book;
  private final Reporter reporter;
  private boolean active;

  AgentPool(List<AgentSpec> specs, Reporter reporter, ScheduledExecutorService timer) {
    this(specs, reporter, timer, System::nanoTime);
  }

  /** A pool whose refusals end by {@code timer}, which keeps the time {@code nanoTime} tells. */
  AgentPool(List<AgentSpec> specs, Reporter reporter, ScheduledExecutorService timer, LongSupplier nanoTime) {
    this.reporter = reporter;
    OfferBook.Builder b = OfferBook.builder(new OfferBook.Timer() {
      @Override
      public long nanoTime() {
        return nanoTime.getAsLong();
      }

      @Override
      public StateLoop.Timer schedule(Duration delay, Runnable work) {
        ScheduledFuture<?> f = timer.schedule(() -> {
          synchronized (AgentPool.this) {
            work.run();
          }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }
    }).onRefusalEnd(this::offerAgain);
    for (AgentSpec spec : specs) {
      b.agent(new OfferBook.AgentSpec(spec.id(), spec.hostname(), spec.attributes(), spec.cpus(), spec.ramMb(),
          spec.diskMb(), 0, spec.ports()));
    }
    this.book = b.build();
  }

  /** Offers every agent's free resources. */
  synchronized void start() {
    active = true;
    reporter.offers(book.offerAll());
  }

  /** Makes no more offers; the outstanding ones are no longer valid. */
  synchronized void stop() {
    active = false;
    book.withdrawAll();
  }

  /**
   * Uses {@code offerIds} (all of one agent) for {@code launches}: each task either gets resources
   * and ports of those offers or a status saying why not (LOST when the offers or the agent are
   * wrong, FAILED when its ports cannot be had). What the tasks leave of those offers is offered
   * again as a new offer; the agent's other offers stay as they are. If the launch names an offer
   * that is not valid, the valid ones it names are used up all the same (the scheduler gave them up
   * when it launched), and their resources offered again.
   */
  synchronized List<Placement> place(List<String> offerIds, List<TaskLaunch> launches) {
    OfferBook.Launch launch = book.use(offerIds);
    List<Placement> placements = new ArrayList<>();
    for (TaskLaunch task : launches) {
      placements.add(launch.problem().isPresent()
          ? Placement.rejected(task, ScheduleStatus.LOST, launch.problem().get())
          : place(launch, task));
    }
    launch.agents().forEach(this::offerAgain);
    return placements;
  }

  private static Placement place(OfferBook.Launch launch, TaskLaunch task) {
    String agentId = launch.agentId().orElseThrow();
    if (!task.agentId().equals(agentId)) {
      return Placement.rejected(task, ScheduleStatus.LOST,
          "launched for agent " + task.agentId() + " with an offer of agent " + agentId);
    }
    try {
      return Placement.placed(task, launch.take(task));
    } catch (OfferBook.Shortfall e) {
      return Placement.rejected(task, e.ports() ? ScheduleStatus.FAILED : ScheduleStatus.LOST, e.getMessage());
    }
  }

  /**
   * Holds on agent {@code agentId} what a task that runs there already holds (adopting it after a
   * restart); empty if the agent is unknown or the resources are not free.
   */
  synchronized Optional<Allocation> hold(String agentId, long milliCpus, long ramMb, long diskMb,
      Map<String, Integer> ports) {
    return book.hold(new Allocation(agentId, milliCpus, ramMb, diskMb, 0, ports));
  }

  /** Gives back what a task held and offers it anew; the agent's outstanding offers stay valid. */
  synchronized void release(Allocation allocation) {
    book.release(allocation);
    offerAgain(allocation.agentId());
  }

  /**
   * Withdraws an offer: its resources are unoffered again, and held back for {@code refuseFor}: the
   * agent offers them again when the refusal ends, or at once with anything more that becomes
   * unoffered meanwhile (a task ends, a launch leaves resources over or fails). A decline while
   * resources are held back adds its own to them, and the refusal ends at the later of the two ends,
   * so a later decline never shortens it. The agent's other offers stay valid. Unknown ids are
   * ignored.
   */
  synchronized void decline(String offerId, Duration refuseFor) {
    book.decline(offerId, refuseFor).ifPresentOrElse(this::offerAgain,
        () -> LOG.debug("ignoring decline of offer {}: it is not outstanding", offerId));
  }

  /** Offers what is unoffered on the agent, if anything, unless a decline holds it all back. */
  private void offerAgain(String agentId) {
    if (active) {
      book.offer(agentId).ifPresent(offer -> reporter.offers(List.of(offer)));
    }
  }
}
