package dev.aurora.core.internal.update;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.StateLoop;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateDetails.InstanceProgress;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One update in progress for {@link UpdateController}: what it stores (status, per-instance progress,
 * events, last pulse) and its transient state (batch position, watch start times and timers, the pulse
 * timer), which a restarted scheduler rebuilds.
 */
final class Update {
  final UpdateId id;
  final JobKey job;
  final JobConfig from;
  final JobConfig to;
  final UpdateSettings settings;
  final Principal by;
  final String message;
  UpdateStatus status;
  final TreeMap<Integer, InstanceProgress> instances;
  final List<UpdateDetails.Event> events;
  final List<UpdateDetails.InstanceEvent> instanceEvents;
  Instant lastPulse;
  int batchIndex;
  int startedInBatch;
  /** With autopause: the batch (by {@link #batchIndex}) after which the update paused last; -1 if none. */
  int autopausedAt = -1;
  final Map<Integer, Long> watchStart = new HashMap<>();
  final Map<Integer, StateLoop.Timer> watchTimers = new HashMap<>();
  StateLoop.Timer pulseTimer;
  boolean evaluating;
  boolean dirty;

  Update(UpdateDetails d) {
    this.id = d.id();
    this.job = d.job();
    this.from = d.from();
    this.to = d.to();
    this.settings = d.settings();
    this.by = d.by();
    this.message = d.message();
    this.status = d.status();
    this.instances = new TreeMap<>(d.instances());
    this.events = new ArrayList<>(d.events());
    this.instanceEvents = new ArrayList<>(d.instanceEvents());
    this.lastPulse = d.lastPulse();
    // a recovered update starts its batches anew: a paused one counts as paused after the batch before
    this.autopausedAt = d.status().isPaused() ? 0 : -1;
  }

  UpdateDetails details() {
    return new UpdateDetails(id, job, status, from, to, settings, by, message, instances, events, instanceEvents,
        lastPulse);
  }

  boolean backward() {
    return status.isBackward();
  }

  /** The config instance i should run in the current direction, or null if it should not exist. */
  TaskConfig target(int i) {
    InstanceProgress p = instances.get(i);
    if (backward()) {
      return p.existedBefore() ? from.task() : null;
    }
    return p.existsAfter() ? to.task() : null;
  }

  /** Stops watching instance i (its health watch timer, if any). */
  void cancelWatch(int i) {
    StateLoop.Timer t = watchTimers.remove(i);
    if (t != null) {
      t.cancel();
    }
  }

  /** Cancels every timer of this update: the watches and the pulse check. */
  void cancelTimers() {
    for (int i : new ArrayList<>(watchTimers.keySet())) {
      cancelWatch(i);
    }
    if (pulseTimer != null) {
      pulseTimer.cancel();
    }
  }
}
