package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Backups of a running scheduler's file log: taken, listed, inspected and restored into a stopped one. */
class BackupAndRestoreTest {
  @TempDir
  Path tmp;

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(6).scheduler(b -> b.snapshotEvery(20));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n).task(t -> t.process("p", "./serve").cpus(1).ramMb(256)).build();
  }

  private FileLogStorage fileLog(Path dir) {
    FileLogStorage s = FileLogStorage.builder(dir).fsync(false).build();
    aurora.restartScheduler(s);
    return s;
  }

  private FileLogBackups.Builder backups(FileLogStorage storage) {
    return FileLogBackups.builder(storage, tmp.resolve("backups")).clock(aurora.clock());
  }

  @Test
  void aBackupOfARunningSchedulerRestoresIntoAStoppedOneWithEverythingAcknowledgedBeforeIt() {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    JobConfig web = service("www-data/prod/web", 4);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    aurora.scheduler().killInstances(web.key(), Set.of(3), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    List<ScheduledTask> tasksAtBackup = aurora.scheduler().tasks(TaskQuery.all());

    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    // a snapshot written in the background is installed before the backup's cut
    assertThat(backup.snapshotBytes()).as("a snapshot and a log after it are backed up").isPositive();
    aurora.scheduler().createJob(service("www-data/prod/after", 1), TEST_PRINCIPAL); // not in the backup
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.running(dev.aurora.api.JobKey.parse("www-data/prod/after"))).hasSize(1);

    Path restored = tmp.resolve("restored");
    FileLogBackups.restore(backup.directory(), restored);
    // the scheduler fails over to the restored directory; its tasks go on running on the cluster
    aurora.restartScheduler(FileLogStorage.builder(restored).fsync(false).build());

    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(web.key());
    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(tasksAtBackup);
    aurora.advance(Duration.ofMinutes(1)); // reconciled: the job created after the backup is unknown, its task killed
    assertThat(aurora.running(web.key())).hasSize(3);
    assertThat(aurora.cluster().runningTasks()).hasSize(3);
  }

  @Test
  void restoringOverAStoppedSchedulersStateKeepsItsOldFilesAside() throws IOException {
    Path state = tmp.resolve("state");
    FileLogStorage storage = fileLog(state);
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    aurora.scheduler().createJob(service("www-data/prod/later", 1), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    byte[] logBefore = Files.readAllBytes(state.resolve("log"));
    aurora.restartScheduler(Storage.inMemory());

    Path aside = FileLogBackups.restore(backup.directory(), state).orElseThrow();

    assertThat(Files.readAllBytes(aside.resolve("log"))).isEqualTo(logBefore);
    aurora.restartScheduler(FileLogStorage.builder(state).fsync(false).build());
    assertThat(aurora.scheduler().jobs()).extracting(j -> j.key().name()).containsExactly("web");
  }

  @Test
  void restoringIntoTheDirectoryOfARunningSchedulerIsRefusedChangingNothing() throws IOException {
    Path state = tmp.resolve("state");
    FileLogStorage storage = fileLog(state);
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    byte[] log = Files.readAllBytes(state.resolve("log"));

    assertThatThrownBy(() -> FileLogBackups.restore(backup.directory(), state))
        .isInstanceOf(StorageException.class).hasMessageContaining("already open in this JVM");
    assertThat(Files.readAllBytes(state.resolve("log"))).isEqualTo(log);
  }

  @Test
  void backupsAreListedOldestFirstWithTheirTimesAndSizes() throws IOException {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    FileLogBackups b = backups(storage).build();
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    FileLogBackups.Backup first = b.backupNow();
    aurora.advance(Duration.ofMinutes(30));
    FileLogBackups.Backup second = b.backupNow();

    List<FileLogBackups.Backup> listed = FileLogBackups.list(tmp.resolve("backups"));

    assertThat(listed).containsExactly(first, second);
    assertThat(second.time()).isEqualTo(first.time().plus(Duration.ofMinutes(30)))
        .isEqualTo(aurora.clock().instant());
    assertThat(second.directory().getFileName().toString()).startsWith("backup-2026");
    assertThat(second.logBytes()).isEqualTo(Files.size(second.directory().resolve("log")));
    assertThat(second.bytes()).isGreaterThan(first.bytes());
  }

  @Test
  void scheduledBackupsKeepOnlyTheNewest() throws InterruptedException {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    CountDownLatch three = new CountDownLatch(3);
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try (FileLogBackups b = backups(storage).every(Duration.ofMillis(5)).keep(2)
        .clock(java.time.Clock.systemUTC()).executor(executor).onBackup(x -> three.countDown()).build()) {
      assertThat(three.await(20, TimeUnit.SECONDS)).isTrue();
    } finally {
      executor.shutdown();
      assertThat(executor.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(FileLogBackups.list(tmp.resolve("backups"))).hasSize(2);
  }

  @Test
  void theBackupCommandPrintsJobsTasksByStateAndUpdatesWithoutAScheduler() {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    JobConfig web = service("www-data/prod/web", 3);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    JobConfig v2 = Job.service("www-data/prod/web").instances(3)
        .task(t -> t.process("p", "./serve --v2").cpus(1).ramMb(256)).build();
    UpdateId update = aurora.scheduler().startUpdate(web.key(), v2, TEST_PRINCIPAL, "bump to v2");
    aurora.runUntilIdle();
    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    FileLogBackups.Contents contents = FileLogBackups.inspect(backup.directory());
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int status = BackupTool.run(new String[] {"inspect", backup.directory().toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

    assertThat(status).isZero();
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains("jobs: 1", "www-data/prod/web  service, 3 instances", "updates: 1",
        update.toString(), "bump to v2", "tasks: " + contents.tasksByState().values().stream().mapToInt(i -> i).sum());
    assertThat(contents.tasksByState()).containsKey(ScheduleStatus.RUNNING);
    assertThat(report).contains("RUNNING=" + contents.tasksByState().get(ScheduleStatus.RUNNING));
  }

  @Test
  void aBackupOfANewerFormatVersionIsRefusedClearly() throws IOException {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    aurora.scheduler().createJob(service("www-data/prod/web", 1), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    Path manifest = backup.directory().resolve("backup.json");
    Files.writeString(manifest, Files.readString(manifest).replace("\"version\" : 1", "\"version\" : 2"));
    aurora.restartScheduler(Storage.inMemory());

    assertThatThrownBy(() -> FileLogBackups.inspect(backup.directory())).isInstanceOf(StorageException.class)
        .hasMessageContaining("backup format version 2, newer than the version 1 this release reads");
    assertThatThrownBy(() -> FileLogBackups.restore(backup.directory(), tmp.resolve("state")))
        .isInstanceOf(StorageException.class).hasMessageContaining("newer");
    assertThat(tmp.resolve("state").resolve("replaced")).doesNotExist();
  }

  @Test
  void aDamagedBackupIsRefusedBeforeAnythingIsRestored() throws IOException {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    aurora.scheduler().createJob(service("www-data/prod/web", 2), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    FileLogBackups.Backup backup;
    try (FileLogBackups b = backups(storage).build()) {
      backup = b.backupNow();
    }
    Path log = backup.directory().resolve("log");
    byte[] bytes = Files.readAllBytes(log);
    bytes[bytes.length - 3] ^= 0x55;
    Files.write(log, bytes);
    aurora.restartScheduler(Storage.inMemory());
    byte[] stateLog = Files.readAllBytes(tmp.resolve("state/log"));

    assertThatThrownBy(() -> FileLogBackups.restore(backup.directory(), tmp.resolve("state")))
        .isInstanceOf(StorageException.class).hasMessageContaining("damaged");
    assertThat(Files.readAllBytes(tmp.resolve("state/log"))).isEqualTo(stateLog);
  }
}
