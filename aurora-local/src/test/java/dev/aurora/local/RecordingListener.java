package dev.aurora.local;

import dev.aurora.testkit.Await;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** A listener that records every report, with helpers that wait for one. */
final class RecordingListener implements BackendListener {
  /** An offer and when it arrived. */
  record Received(Offer offer, Instant at) {}

  private final List<Received> offers = new ArrayList<>();
  private final Set<String> rescinded = new HashSet<>();
  private final Set<String> handedOut = new HashSet<>();
  private final List<TaskStatus> statuses = new ArrayList<>();
  private final List<TaskStatus> processReports = new ArrayList<>();

  @Override
  public synchronized void offers(List<Offer> made) {
    made.forEach(o -> offers.add(new Received(o, Instant.now())));
  }

  @Override
  public synchronized void offerRescinded(String offerId) {
    rescinded.add(offerId);
  }

  @Override
  public synchronized void statusUpdate(TaskStatus status) {
    if (status.processesOnly()) {
      processReports.add(status); // the task's processes, not its state
      return;
    }
    statuses.add(status);
  }

  synchronized List<dev.aurora.core.ProcessRecord> processReports(TaskId id) {
    return processReports.stream().filter(s -> s.taskId().equals(id)).flatMap(s -> s.processes().stream()).toList();
  }

  @Override
  public void agentLost(String agentId) {
    throw new AssertionError("the local backend never loses an agent, but lost " + agentId);
  }

  synchronized List<Received> offersReceived() {
    return List.copyOf(offers);
  }

  synchronized Set<String> rescinded() {
    return Set.copyOf(rescinded);
  }

  synchronized List<TaskStatus> statuses(TaskId id) {
    return statuses.stream().filter(s -> s.taskId().equals(id)).toList();
  }

  synchronized List<TaskStatus> allStatuses() {
    return List.copyOf(statuses);
  }

  /** Waits for an offer of {@code agentId} not rescinded and not handed out before, and hands it out. */
  Offer awaitOffer(String agentId) {
    return awaitOffer("an offer of " + agentId, o -> o.agentId().equals(agentId));
  }

  /** As {@link #awaitOffer(String)}, failing if none comes within {@code bound}. */
  Offer awaitOffer(String agentId, Duration bound) {
    return awaitOffer("an offer of " + agentId, o -> o.agentId().equals(agentId), bound);
  }

  Offer awaitOffer(String what, Predicate<Offer> wanted) {
    return awaitOffer(what, wanted, Tasks.BOUND);
  }

  private Offer awaitOffer(String what, Predicate<Offer> wanted, Duration bound) {
    return Await.value(what, () -> {
      synchronized (this) {
        for (int i = offers.size() - 1; i >= 0; i--) {
          Offer o = offers.get(i).offer();
          if (wanted.test(o) && !rescinded.contains(o.id()) && !handedOut.contains(o.id())) {
            handedOut.add(o.id());
            return Optional.of(o);
          }
        }
        return Optional.empty();
      }
    }, bound);
  }

  /** Waits for a report that {@code id} is in {@code state}, and returns it. */
  TaskStatus awaitStatus(TaskId id, ScheduleStatus state) {
    return awaitStatus(id + " " + state, s -> s.taskId().equals(id) && s.state() == state);
  }

  /** Waits for the first report on {@code id} whose state is terminal. */
  TaskStatus awaitEnd(TaskId id) {
    return awaitStatus(id + " ended", s -> s.taskId().equals(id) && s.state().isTerminal());
  }

  /** Waits for a health report on {@code id} saying {@code healthy}. */
  TaskStatus awaitHealth(TaskId id, boolean healthy) {
    return awaitStatus(id + (healthy ? " healthy" : " unhealthy"),
        s -> s.taskId().equals(id) && s.healthy().equals(Optional.of(healthy)));
  }

  TaskStatus awaitStatus(String what, Predicate<TaskStatus> wanted) {
    return Await.value(what, () -> {
      synchronized (this) {
        return statuses.stream().filter(wanted).findFirst();
      }
    }, Tasks.BOUND);
  }
}
