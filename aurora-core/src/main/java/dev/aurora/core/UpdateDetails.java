package dev.aurora.core;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.UpdateSettings;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of one rolling update: what it moves from and to, how, where it is, and its history
 * (state changes and per-instance events with times). Stored as is, so an update resumes after a
 * scheduler restart.
 *
 * @param id the update's id
 * @param job the job updated
 * @param status where the update is
 * @param from the job's config before the update
 * @param to the config the update moves to
 * @param settings how it proceeds
 * @param by who started it
 * @param message why, as the user said
 * @param instances each changing instance's progress
 * @param events the update's state changes, oldest first
 * @param instanceEvents what happened to each instance, oldest first
 * @param lastPulse when the last pulse came (epoch start if never)
 */
public record UpdateDetails(
    UpdateId id,
    JobKey job,
    UpdateStatus status,
    JobConfig from,
    JobConfig to,
    UpdateSettings settings,
    Principal by,
    String message,
    Map<Integer, InstanceProgress> instances,
    List<Event> events,
    List<InstanceEvent> instanceEvents,
    Instant lastPulse) {

  /** Copies the collections. */
  public UpdateDetails {
    instances = Collections.unmodifiableSortedMap(new TreeMap<>(instances)); // by instance, in every JVM
    events = List.copyOf(events);
    instanceEvents = List.copyOf(instanceEvents);
  }

  /** A state change of the update. */
  public record Event(Instant time, UpdateStatus status, String message) {}

  /** Something that happened to one instance. */
  public record InstanceEvent(Instant time, int instance, InstanceAction action, String message) {}

  /** What happened to an instance. */
  public enum InstanceAction {
    /** The instance started moving to the new config. */
    UPDATING,
    /** The instance runs the new config and stayed healthy for the watch time. */
    UPDATED,
    /** The instance failed more than the per-instance failures allowed. */
    UPDATE_FAILED,
    /** The instance started moving back to the old config. */
    ROLLING_BACK,
    /** The instance is back on the old config. */
    ROLLED_BACK,
    /** The instance failed while rolling back. */
    ROLLBACK_FAILED
  }

  /** Where one instance is within the update. */
  public enum InstanceState {
    /** Not started yet in the current direction. */
    WAITING,
    /** Moving: its new task is starting or being watched. */
    IN_FLIGHT,
    /** Done in the current direction. */
    SUCCEEDED,
    /** Failed for good in the current direction. */
    FAILED
  }

  /**
   * One instance's progress.
   *
   * @param state where it is in the current direction
   * @param failures how often it failed in the current direction
   * @param touched whether the update has changed it (only those are rolled back)
   * @param existedBefore whether the instance existed before the update
   * @param existsAfter whether the instance exists after the update
   */
  public record InstanceProgress(InstanceState state, int failures, boolean touched, boolean existedBefore,
      boolean existsAfter) {}

  /** When the update started. */
  public Instant started() {
    return events.get(0).time();
  }

  /** The instances that failed for good. */
  public List<Integer> failedInstances() {
    return instances.entrySet().stream().filter(e -> e.getValue().state() == InstanceState.FAILED)
        .map(Map.Entry::getKey).sorted().toList();
  }
}
