package dev.aurora.core;

import dev.aurora.core.internal.maintenance.HttpSlaCoordinator;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Decides, for a job whose SLA policy is {@code SlaPolicy.coordinator(name)}, whether a host drain
 * may take one of its instances down now, as Aurora's coordinator SLA policy. Register it with {@code
 * SchedulerBuilder.slaCoordinator(name, coordinator)}.
 *
 * <p>The scheduler asks before each running instance goes and drains it only on {@code true}; on
 * {@code false} (or a failed answer) it asks again later. It is called on the scheduler's state loop:
 * return at once and answer asynchronously if deciding takes time (the HTTP coordinator does).
 */
@FunctionalInterface
public interface SlaCoordinator {
  /** Whether {@code task} (running on a host being drained) may go now. */
  CompletionStage<Boolean> mayDrain(ScheduledTask task);

  /**
   * A coordinator over HTTP, as Aurora's: it POSTs a JSON object describing the task ({@code taskId},
   * {@code job}, {@code instance}, {@code host}) to {@code url} and drains if the JSON answer's
   * boolean field {@code statusKey} is true (Aurora's default key is {@code "drain"}). A non-2xx
   * answer, a body that does not parse, or no answer within {@code timeout} counts as "not now".
   */
  static SlaCoordinator http(URI url, String statusKey, Duration timeout) {
    return new HttpSlaCoordinator(url, statusKey, timeout);
  }
}
