package dev.aurora.local.internal;

import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.util.Optional;

/** The outcome of placing one task on its offers: what it holds, or the status that rejects it. */
record Placement(TaskLaunch launch, Optional<Allocation> allocation, Optional<TaskStatus> rejection) {

  static Placement placed(TaskLaunch launch, Allocation allocation) {
    return new Placement(launch, Optional.of(allocation), Optional.empty());
  }

  static Placement rejected(TaskLaunch launch, ScheduleStatus state, String message) {
    return new Placement(launch, Optional.empty(), Optional.of(TaskStatus.of(launch.taskId(), state, message)));
  }
}
