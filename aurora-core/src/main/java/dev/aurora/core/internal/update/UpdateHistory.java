package dev.aurora.core.internal.update;

import dev.aurora.api.JobKey;
import dev.aurora.core.Op;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The updates {@link UpdateController} remembers, active and ended: the newest details of each, the
 * ended ones kept up to {@value #ENDED_KEPT_PER_JOB} per job, in a stated order for snapshots.
 */
final class UpdateHistory {
  private static final int ENDED_KEPT_PER_JOB = 20;

  // insertion order: snapshots list updates in a stated order
  private final Map<UpdateId, UpdateDetails> all = new LinkedHashMap<>();
  private final Map<JobKey, ArrayDeque<UpdateId>> byJob = new LinkedHashMap<>();

  /** Records the newest details of an update; a new one may push out the oldest ended ones of its job. */
  void remember(UpdateDetails d) {
    boolean isNew = all.put(d.id(), d) == null;
    if (isNew) {
      ArrayDeque<UpdateId> ids = byJob.computeIfAbsent(d.job(), k -> new ArrayDeque<>());
      ids.add(d.id());
      while (ids.size() > ENDED_KEPT_PER_JOB) {
        UpdateId oldest = ids.peekFirst();
        if (all.get(oldest).status().isTerminal()) {
          ids.pollFirst();
          all.remove(oldest);
        } else {
          break;
        }
      }
    }
  }

  /** Sets the details of an update, whether or not {@link #remember} kept it. */
  void put(UpdateDetails d) {
    all.put(d.id(), d);
  }

  /** The details of update {@code id}, or null if it is not remembered. */
  UpdateDetails details(UpdateId id) {
    return all.get(id);
  }

  Optional<UpdateDetails> get(UpdateId id) {
    return Optional.ofNullable(all.get(id));
  }

  /** The job's remembered updates, newest first. */
  List<UpdateDetails> list(JobKey job) {
    List<UpdateDetails> out = new ArrayList<>();
    for (UpdateId id : byJob.getOrDefault(job, new ArrayDeque<>())) {
      out.add(all.get(id));
    }
    out.sort(Comparator.comparing(UpdateDetails::started).thenComparing(d -> d.id().value()).reversed());
    return out;
  }

  void snapshot(List<Op> out) {
    for (ArrayDeque<UpdateId> ids : byJob.values()) {
      for (UpdateId id : ids) {
        out.add(new Op.SaveUpdate(all.get(id)));
      }
    }
  }
}
