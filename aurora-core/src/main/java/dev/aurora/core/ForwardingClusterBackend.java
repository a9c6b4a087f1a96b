package dev.aurora.core;

import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that passes every call to another, as Guava's {@code Forwarding*} classes do: extend it
 * and override only what a wrapper changes (count launches, drop reports, keep tasks running on
 * close). Every method of {@link ClusterBackend} is forwarded, the default ones included, so a
 * wrapper never silently answers a question (which configs the backend {@link #cannotRun}, its
 * {@link #taskOutput}) with the interface's default instead of the real backend's answer.
 */
public abstract class ForwardingClusterBackend implements ClusterBackend {

  /** For subclasses. */
  protected ForwardingClusterBackend() {}

  /** The backend every call goes to unless overridden. */
  protected abstract ClusterBackend delegate();

  @Override
  public void start(BackendListener listener) {
    delegate().start(listener);
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    delegate().launch(offerIds, tasks);
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    delegate().decline(offerId, refuseFor);
  }

  @Override
  public void kill(TaskId taskId) {
    delegate().kill(taskId);
  }

  @Override
  public void reconcile(Set<TaskId> known) {
    delegate().reconcile(known);
  }

  @Override
  public Optional<String> cannotRun(TaskConfig config) {
    return delegate().cannotRun(config);
  }

  @Override
  public Optional<TaskOutput> taskOutput() {
    return delegate().taskOutput();
  }

  @Override
  public void demand(boolean anythingPending) {
    delegate().demand(anythingPending);
  }

  @Override
  public void close() {
    delegate().close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + delegate() + ")";
  }
}
