package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The snapshot the state loop takes every {@code snapshotEvery} ops runs between two transactions, so
 * whatever the loop does for it delays the next call, pass or launch. Taking it costs the loop an array
 * of the tasks as they are, not an op and a list slot per task (the in-memory storage keeps that
 * snapshot as it is; its ops are made as recovery reads them), and what is recovered from it is every
 * task as it was.
 */
class SnapshotOnTheLoopTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int TASKS = 20_000;

  final Storage snapshotting = Storage.inMemory();
  final Storage notSnapshotting = Storage.inMemory();

  @RegisterExtension
  AuroraExtension withSnapshot = AuroraExtension.withAgents(0).scheduler(b -> b.storage(snapshotting).snapshotEvery(TASKS));

  @RegisterExtension
  AuroraExtension without = AuroraExtension.withAgents(0).scheduler(b -> b.storage(notSnapshotting)
      .snapshotEvery(100_000_000));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n)
        .task(t -> t.process("p", "./serve --port {{port.http}}").cpus(0.01).ramMb(1).diskMb(1).port("http"))
        .build();
  }

  private static long bytesToCreate(AuroraExtension aurora, String name) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    aurora.scheduler().createJob(service("www-data/prod/" + name, TASKS), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }

  @Test
  void takingASnapshotAllocatesLessThan8BytesATaskOnTheLoop() {
    withSnapshot.runUntilIdle();
    without.runUntilIdle();
    long extra = 0;
    for (int i = 0; i < 4; i++) { // each creation of TASKS tasks crosses snapshotEvery once: one snapshot each
      extra = bytesToCreate(withSnapshot, "job" + i) - bytesToCreate(without, "job" + i);
    }

    assertThat(snapshotting.recover().log()).as("a snapshot was taken").hasSizeLessThan(3);
    // before: a SaveTask op per task and an ArrayList, copied again by the in-memory storage (~35 bytes a task)
    assertThat(extra / (4 * TASKS)).as("bytes the last snapshot allocated per task in the state").isLessThan(8);
  }

  @Test
  void aRecoveredSnapshotHoldsEveryTaskAsItWas() {
    withSnapshot.runUntilIdle();
    withSnapshot.scheduler().createJob(service("www-data/prod/web", TASKS), TEST_PRINCIPAL);
    withSnapshot.runUntilIdle();
    List<ScheduledTask> tasks = withSnapshot.scheduler().tasks(TaskQuery.all());

    Storage.Stored stored = snapshotting.recover();

    assertThat(stored.snapshot()).filteredOn(op -> op instanceof Op.SaveTask).map(op -> ((Op.SaveTask) op).task())
        .containsExactlyInAnyOrderElementsOf(tasks);
    assertThat(stored.snapshot()).filteredOn(op -> op instanceof Op.SaveJob).hasSize(1);
  }
}
