package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A scheduler on a file log, restarted on a new storage over the same directory, recovers its state. */
class FileLogRecoveryTest {
  @TempDir
  Path state;

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(6).attributes(AuroraExtension.racks(3))
      .scheduler(b -> b.snapshotEvery(25));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n).task(t -> t.process("p", "./serve").cpus(1).ramMb(256))
        .constraint(Constraint.limit("host", 1)).build();
  }

  @Test
  void aSchedulerRestartedOnANewFileLogOverTheSameDirectoryRecoversItsJobsAndTasks() throws IOException {
    aurora.restartScheduler(Storage.fileLog(state));
    JobConfig web = service("www-data/prod/web", 4);
    JobConfig batch = Job.adhoc("www-data/prod/batch").instances(2)
        .task(t -> t.process("p", "./crunch").cpus(1).ramMb(128)).build();
    JobConfig nightly = Job.cron("www-data/prod/nightly", "0 3 * * *")
        .task(t -> t.process("p", "./report").cpus(0.5).ramMb(64)).build();
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.scheduler().createJob(nightly, TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().removeQuota("ads", TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    aurora.cluster().killTask(aurora.running(web.key()).get(0).id()); // a replaced task leaves history
    aurora.advance(Duration.ofMinutes(6));
    aurora.scheduler().setMaintenance(Set.of("host-5"), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL);
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(20, 8192, 1000, 0), TEST_PRINCIPAL);
    aurora.runUntilIdle();

    List<JobConfig> jobs = aurora.scheduler().jobs();
    List<ScheduledTask> tasks = aurora.scheduler().tasks(TaskQuery.all());
    Set<TaskId> running = aurora.cluster().runningTasks();
    List<Instant> nextCron = aurora.scheduler().nextCronRuns(nightly.key(), 2);
    assertThat(aurora.running(web.key())).hasSize(4);
    assertThat(tasks).hasSize(7);
    assertThat(running).hasSize(6);
    aurora.restartScheduler(Storage.fileLog(state)); // a new process: the old storage is closed, its lock released
    // what the restart recovered from (a snapshot written in the background is installed at the next
    // append or when the storage closes, so it is checked once the old storage is closed)
    assertThat(state.resolve("snapshot")).as("state was snapshotted").exists();
    assertThat(Files.size(state.resolve("log"))).as("and ops were logged after the snapshot").isGreaterThan(28);

    assertThat(aurora.scheduler().jobs()).containsExactlyInAnyOrderElementsOf(jobs);
    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(tasks);
    assertThat(aurora.scheduler().nextCronRuns(nightly.key(), 2)).isEqualTo(nextCron);
    assertThat(aurora.scheduler().quotas()).isEqualTo(Map.of("www-data", ResourceQuota.of(20, 8192, 1000, 0)));
    assertThat(aurora.scheduler().maintenance()).containsEntry("host-5", MaintenanceMode.SCHEDULED);

    // reconciliation finds every task it remembers running: nothing is killed or replaced
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.cluster().runningTasks()).isEqualTo(running);
    assertThat(aurora.scheduler().tasks(TaskQuery.all())).hasSize(7);
  }

  /** Where each record of the log starts, and (last) where the log ends; see docs/storage.md for the format. */
  private List<Long> recordStarts() throws IOException {
    byte[] log = Files.readAllBytes(state.resolve("log"));
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(log);
    List<Long> starts = new java.util.ArrayList<>();
    for (int at = 28; at < log.length; at += 8 + b.getInt(at)) {
      starts.add((long) at);
    }
    starts.add((long) log.length);
    return starts;
  }

  @Test
  void aLastRecordTornByACrashIsDroppedAndTheSchedulerStartsOnEverythingBefore() throws IOException {
    aurora.restartScheduler(Storage.fileLog(state));
    JobConfig web = service("www-data/prod/web", 2);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    JobConfig api = service("www-data/prod/api", 1);
    aurora.scheduler().createJob(api, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    aurora.scheduler().close();
    List<Long> starts = recordStarts();
    long lastStart = starts.get(starts.size() - 2);
    long end = starts.get(starts.size() - 1);
    try (java.nio.channels.FileChannel log = java.nio.channels.FileChannel.open(state.resolve("log"),
        java.nio.file.StandardOpenOption.WRITE)) {
      log.truncate(lastStart + (end - lastStart) / 2); // kill -9 in the middle of the last write
    }

    FileLogStorage storage = Storage.fileLog(state);
    aurora.restartScheduler(storage);

    assertThat(storage.lastTruncation()).hasValueSatisfying(cut -> {
      assertThat(cut.offset()).isEqualTo(lastStart);
      assertThat(cut.repair()).isFalse();
    });
    assertThat(aurora.scheduler().jobs()).contains(web);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(web.key())).hasSize(2);
  }

  @Test
  void damageBeyondTheLastRecordStopsTheSchedulerFromStartingAndChangesNothing() throws IOException {
    aurora.restartScheduler(Storage.fileLog(state));
    for (int i = 0; i < 4; i++) {
      aurora.scheduler().createJob(service("www-data/prod/web" + i, 1), TEST_PRINCIPAL);
      aurora.runUntilIdle();
    }
    aurora.scheduler().close();
    List<Long> starts = recordStarts();
    assertThat(starts).hasSizeGreaterThan(4);
    long from = starts.get(starts.size() - 4) + 3; // inside the length of the third record from the end
    byte[] bytes = Files.readAllBytes(state.resolve("log"));
    java.util.Arrays.fill(bytes, (int) from, bytes.length, (byte) 0);
    Files.write(state.resolve("log"), bytes);

    assertThatThrownBy(() -> aurora.restartScheduler(Storage.fileLog(state))).isInstanceOf(StorageException.class)
        .hasMessageContaining(state.resolve("log").toString())
        .hasMessageContaining("offset " + starts.get(starts.size() - 4));
    assertThat(Files.readAllBytes(state.resolve("log"))).isEqualTo(bytes);
  }

  @Test
  void aSecondStorageOnTheDirectoryIsRefusedWhileTheSchedulerHoldsIt() {
    aurora.restartScheduler(Storage.fileLog(state));
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();

    try (Storage intruder = Storage.fileLog(state)) {
      assertThatThrownBy(intruder::recover).isInstanceOf(StorageException.class).hasMessageContaining("already open");
    }
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.running(service("www-data/prod/web", 2).key())).hasSize(2);
  }
}
