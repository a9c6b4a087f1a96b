package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Storage} owes the scheduler: what was appended (and acknowledged) is
 * recovered, in order, after a snapshot and across a close and reopen. Extend it in your storage's
 * tests with {@link #open()} returning a storage at one fixed location per test.
 */
public abstract class StorageContract {

  /** Opens the storage under test at this test's location (the same location on every call). */
  protected abstract Storage open();

  /** A job and a task of it, covering every field type the ops carry. */
  protected static List<Op> sampleOps(int n) {
    JobConfig job = Job.service("role/env/job" + n).instances(2)
        .task(t -> t.process("p", "./run --port {{port.http}}").cpus(0.5).ramMb(64).port("http")).build();
    ScheduledTask task = ScheduledTask.restore(TaskId.of("task-" + n), job.key(), 1, job.task(),
        ScheduleStatus.RUNNING, "agent-1", "host-1", Map.of("http", 31000 + n),
        List.of(new TaskEvent(Instant.parse("2026-01-01T00:00:00Z"), ScheduleStatus.PENDING, ""),
            new TaskEvent(Instant.parse("2026-01-01T00:00:01Z"), ScheduleStatus.RUNNING, "ok")),
        1, 2, true, List.of(new dev.aurora.core.ProcessRecord("p", 2, dev.aurora.core.ProcessRecord.State.RUNNING,
            java.util.Optional.empty(), java.util.Optional.of(Instant.parse("2026-01-01T00:00:02Z")),
            java.util.Optional.empty(), "started as pid 42")));
    return List.of(new Op.SaveJob(job), new Op.SaveTask(task),
        new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 1_767_225_600_000L, new int[] {0, 2},
            List.of(TaskId.of("task-" + n + "-0"), TaskId.of("task-" + n + "-2"))),
        new Op.AssignTask(task.id(), "agent-1", "host-1", List.of(31000 + n), 1_767_225_601_000L),
        new Op.SaveTaskStatus(task.id(), ScheduleStatus.FAILED, 1_767_225_602_000L, "exit 1"),
        new Op.SaveTaskStatus(task.id(), ScheduleStatus.PENDING, 1_767_225_603_000L, ""),
        new Op.SaveAgent("agent-1", "host-1", Map.of("rack", "r1")),
        new Op.SaveHostMaintenance("host-" + n, MaintenanceMode.DRAINING), new Op.SaveQuota("role", ResourceQuota.of(1, 2, 3, 0)),
        new Op.RemoveQuota("role"), new Op.RemoveTasks(List.of(TaskId.of("old-" + n))), new Op.RemoveJob(job.key()),
        new Op.SaveBackendProperties(Map.of("mesos.frameworkId", "fw-" + n, "other.key", "")));
  }

  @Test
  void aNewStorageRecoversNothing() {
    try (Storage s = open()) {
      Storage.Stored stored = s.recover();
      assertThat(stored.snapshot()).isEmpty();
      assertThat(stored.log()).isEmpty();
    }
  }

  @Test
  void appendedBatchesAreRecoveredInOrderAfterReopening() {
    List<Op> all = new ArrayList<>();
    try (Storage s = open()) {
      s.recover();
      for (int i = 0; i < 3; i++) {
        List<Op> batch = sampleOps(i);
        s.append(batch);
        all.addAll(batch);
      }
    }
    try (Storage s = open()) {
      Storage.Stored stored = s.recover();
      assertThat(stored.snapshot()).isEmpty();
      assertThat(stored.log()).containsExactlyElementsOf(all);
    }
  }

  @Test
  void aSnapshotReplacesTheLogAndLaterOpsFollowIt() {
    List<Op> snapshot = sampleOps(7);
    List<Op> after = sampleOps(8);
    try (Storage s = open()) {
      s.recover();
      s.append(sampleOps(1));
      s.snapshot(snapshot);
      s.append(after);
    }
    try (Storage s = open()) {
      Storage.Stored stored = s.recover();
      assertThat(stored.snapshot()).containsExactlyElementsOf(snapshot);
      assertThat(stored.log()).containsExactlyElementsOf(after);
    }
  }

  @Test
  void manySmallBatchesAreAllKept() {
    try (Storage s = open()) {
      s.recover();
      for (int i = 0; i < 500; i++) {
        s.append(List.of(new Op.RemoveTasks(List.of(TaskId.of("t" + i)))));
      }
    }
    try (Storage s = open()) {
      List<Op> log = s.recover().log();
      assertThat(log).hasSize(500);
      assertThat(log.get(499)).isEqualTo(new Op.RemoveTasks(List.of(TaskId.of("t499"))));
    }
  }

  @Test
  void appendsAfterAReopenFollowTheEarlierOnes() {
    try (Storage s = open()) {
      s.recover();
      s.append(sampleOps(1));
    }
    try (Storage s = open()) {
      s.recover();
      s.append(sampleOps(2));
    }
    try (Storage s = open()) {
      List<Op> expected = new ArrayList<>(sampleOps(1));
      expected.addAll(sampleOps(2));
      assertThat(s.recover().log()).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void eachSnapshotReplacesThePreviousOneAcrossReopens() {
    try (Storage s = open()) {
      s.recover();
      s.snapshot(sampleOps(1));
      s.append(sampleOps(2));
    }
    try (Storage s = open()) {
      s.recover();
      s.snapshot(sampleOps(3));
      s.snapshot(sampleOps(4));
    }
    try (Storage s = open()) {
      Storage.Stored stored = s.recover();
      assertThat(stored.snapshot()).containsExactlyElementsOf(sampleOps(4));
      assertThat(stored.log()).isEmpty();
    }
  }

  @Test
  void anEmptySnapshotClearsEverything() {
    try (Storage s = open()) {
      s.recover();
      s.append(sampleOps(1));
      s.snapshot(List.of());
    }
    try (Storage s = open()) {
      Storage.Stored stored = s.recover();
      assertThat(stored.snapshot()).isEmpty();
      assertThat(stored.log()).isEmpty();
    }
  }
}
