package dev.aurora.core;

import dev.aurora.api.TaskId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Records what the scheduler asks of it; the test speaks for the cluster through {@link #listener}. */
final class RecordingBackend implements ClusterBackend {
  record Launch(List<String> offerIds, List<TaskId> tasks) {}

  record Decline(String offerId, Duration refuseFor) {}

  BackendListener listener;
  final List<Launch> launches = new ArrayList<>();
  final List<Decline> declined = new ArrayList<>();
  final List<TaskId> killed = new ArrayList<>();

  @Override
  public void start(BackendListener l) {
    listener = l;
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    launches.add(new Launch(List.copyOf(offerIds), tasks.stream().map(TaskLaunch::taskId).toList()));
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    declined.add(new Decline(offerId, refuseFor));
  }

  @Override
  public void kill(TaskId taskId) {
    killed.add(taskId);
  }

  @Override
  public void reconcile(Set<TaskId> known) {}

  @Override
  public void close() {}
}
