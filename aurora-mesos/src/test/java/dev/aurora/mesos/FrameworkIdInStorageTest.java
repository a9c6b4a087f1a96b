package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.FileLogBackups;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The framework id is kept in the scheduler's storage (by default), so a scheduler restarted on another
 * machine, or one restored from a backup, subscribes as the same framework and adopts its tasks: none is
 * killed or run twice. Each "machine" has a working directory of its own, where an earlier release kept
 * the id by default.
 */
class FrameworkIdInStorageTest {
  static final JobConfig SERVICE = Job.service("www/prod/hello").instances(4)
      .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
      .build();

  @TempDir
  Path tmp;

  FakeMesosMaster master;
  Scheduler scheduler;

  @BeforeEach
  void startMaster() {
    master = FakeMesosMaster.builder().agents(4).updateRetry(Duration.ofMillis(200)).build();
  }

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
    master.close();
  }

  /** A scheduler process on {@code machine} (its working directory), with the backend's default settings. */
  Scheduler startScheduler(String machine, Storage storage) {
    MesosBackend backend = MesosBackend.builder().masters(master::uris)
        .frameworkIdMigration(FrameworkIdStore.file(tmp.resolve(machine).resolve(MesosBackend.LEGACY_FRAMEWORK_ID_FILE)))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    Scheduler s = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(storage).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build();
    s.start();
    scheduler = s;
    return s;
  }

  FileLogStorage fileLog(Path dir) {
    return FileLogStorage.builder(dir).fsync(false).build();
  }

  void awaitServiceWhole() {
    Await.value("4 instances running, each once", () -> {
      Map<String, Integer> byInstance = master.activeByName();
      long running = scheduler.tasks(TaskQuery.job(SERVICE.key())).stream()
          .filter(t -> t.status() == ScheduleStatus.RUNNING).count();
      boolean whole = running == 4 && byInstance.size() == 4 && byInstance.values().stream().allMatch(n -> n == 1)
          && master.activeTasks().stream().allMatch(id -> master.state(id).orElseThrow() == TaskState.TASK_RUNNING);
      return whole ? Optional.of(true) : Optional.empty();
    }, Duration.ofSeconds(20));
  }

  /** Runs the service; returns the framework id and the tasks it runs. */
  String runTheService() {
    scheduler.createJob(SERVICE, Principal.of("test"));
    awaitServiceWhole();
    return master.frameworkId().orElseThrow();
  }

  void assertAdoptedBy(String frameworkId, Set<String> tasks) {
    Await.until("subscribed again", () -> master.subscriptions().size() == 2);
    FrameworkInfo again = master.subscriptions().get(1);
    assertThat(again.hasId()).as("subscribed with the stored framework id").isTrue();
    assertThat(again.getId().getValue()).isEqualTo(frameworkId);
    awaitServiceWhole();
    assertThat(master.activeTasks()).as("the same tasks: none killed, none run twice").isEqualTo(tasks);
    assertThat(master.launchedCount()).isEqualTo(4);
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aSchedulerOnTheFileLogRestartedOnAnotherMachineSubscribesAsTheSameFrameworkAndAdoptsItsTasks() {
    Path state = tmp.resolve("shared-volume/state");
    startScheduler("machine-a", fileLog(state));
    String frameworkId = runTheService();
    Set<String> tasks = master.activeTasks();
    scheduler.close(); // the process ends; the tasks keep running on Mesos

    startScheduler("machine-b", fileLog(state)); // a new process elsewhere, on the same state directory

    assertAdoptedBy(frameworkId, tasks);
  }

  @Test
  void aSchedulerRestoredFromABackupOnAnotherMachineSubscribesAsTheSameFramework() {
    FileLogStorage storage = fileLog(tmp.resolve("machine-a/state"));
    startScheduler("machine-a", storage);
    String frameworkId = runTheService();
    Set<String> tasks = master.activeTasks();
    FileLogBackups.Backup backup;
    try (FileLogBackups backups = FileLogBackups.builder(storage, tmp.resolve("backups")).build()) {
      backup = backups.backupNow();
    }
    scheduler.close();

    Path restored = tmp.resolve("machine-b/state");
    FileLogBackups.restore(backup.directory(), restored);
    startScheduler("machine-b", fileLog(restored));

    assertAdoptedBy(frameworkId, tasks);
  }

  @Test
  void anIdAnEarlierReleaseKeptInItsFileIsMovedIntoTheStorageOnce() throws Exception {
    // an earlier release subscribed (its default store: the file in the working directory) and ran the service
    MesosBackend earlier = MesosBackend.builder().masters(master::uris)
        .frameworkIds(FrameworkIdStore.file(tmp.resolve("machine-a").resolve(MesosBackend.LEGACY_FRAMEWORK_ID_FILE)))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    Path state = tmp.resolve("machine-a/state");
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(earlier)
        .storage(fileLog(state)).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build();
    scheduler.start();
    String frameworkId = runTheService();
    Set<String> tasks = master.activeTasks();
    scheduler.close();
    try (FileLogStorage read = fileLog(state)) {
      assertThat(read.recover().log()).noneMatch(op -> op instanceof Op.SaveBackendProperties);
    }

    // this release, with its defaults, on the same machine: the id moves into the storage
    startScheduler("machine-a", fileLog(state));
    assertAdoptedBy(frameworkId, tasks);
    scheduler.close();
    scheduler = null;
    try (FileLogStorage read = fileLog(state)) {
      assertThat(read.recover().log()).contains(new Op.SaveBackendProperties(
          Map.of(MesosBackend.FRAMEWORK_ID_PROPERTY, frameworkId)));
    }
    assertThat(Files.readString(tmp.resolve("machine-a").resolve(MesosBackend.LEGACY_FRAMEWORK_ID_FILE)).trim())
        .as("the earlier file is left as it was").isEqualTo(frameworkId);
  }

  /** Storage that refuses every append holding the framework id: the scheduler stops right after SUBSCRIBED. */
  static final class RefusingTheFrameworkId implements Storage {
    final Storage inner;

    RefusingTheFrameworkId(Storage inner) {
      this.inner = inner;
    }

    @Override
    public Stored recover() {
      return inner.recover();
    }

    @Override
    public void append(List<Op> ops) {
      if (ops.stream().anyMatch(op -> op instanceof Op.SaveBackendProperties)) {
        throw new StorageException("the machine died here");
      }
      inner.append(ops);
    }

    @Override
    public void snapshot(List<Op> snapshot) {
      inner.snapshot(snapshot);
    }

    @Override
    public void close() {}
  }

  @Test
  void aCrashBetweenSubscribedAndStoringTheIdSubscribesAsANewFrameworkWithNoTaskLaunchedUnderTheLostId() {
    Storage storage = Storage.inMemory();
    storage.recover();
    Scheduler first = startScheduler("machine-a", new RefusingTheFrameworkId(storage));
    try {
      first.createJob(SERVICE, Principal.of("test"));
    } catch (StorageException refusedWithTheId) {
      // it went into the same write as the framework id
    }
    Await.until("subscribed", () -> master.frameworkId().isPresent());
    String lost = master.frameworkId().orElseThrow();
    Await.until("the scheduler stopped on the failed write", () -> {
      try {
        first.jobs();
        return false;
      } catch (RuntimeException stopped) {
        return true;
      }
    });
    first.close();
    assertThat(master.launchedCount()).as("no task is launched under an id the storage does not hold").isZero();

    startScheduler("machine-b", storage);

    Await.until("subscribed again", () -> master.subscriptions().size() == 2);
    assertThat(master.subscriptions().get(1).hasId()).as("no id was stored: a new framework").isFalse();
    String now = master.frameworkId().orElseThrow();
    assertThat(now).isNotEqualTo(lost);
    if (!scheduler.jobs().isEmpty()) {
      awaitServiceWhole();
      assertThat(master.launchedCount()).isEqualTo(4);
    }
    assertThat(master.failoverTimeoutPassed()).as("the lost framework ran nothing").isZero();
    assertThat(storage.recover().log()).contains(new Op.SaveBackendProperties(
        Map.of(MesosBackend.FRAMEWORK_ID_PROPERTY, now)));
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aSchedulerThatSubscribesAsANewFrameworkRunsEveryInstanceTwiceUntilTheOldFrameworksFailoverTimeout() {
    // what the fake master models (as Mesos does): a new framework neither sees nor kills an earlier one's tasks
    Storage storage = Storage.inMemory();
    storage.recover();
    MesosBackend forgetful = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(forgetful)
        .storage(dev.aurora.testkit.Failover.keepOpen(storage)).offerHold(Duration.ofSeconds(1))
        .declineBackoff(Duration.ofMillis(100)).build();
    scheduler.start();
    String old = runTheService();
    Set<String> oldTasks = master.activeTasks();
    scheduler.close();

    MesosBackend another = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(another)
        .storage(dev.aurora.testkit.Failover.keepOpen(storage)).offerHold(Duration.ofSeconds(1))
        .declineBackoff(Duration.ofMillis(100)).build();
    scheduler.start();

    Await.until("the old tasks reported lost to the new framework and replaced", () -> master.launchedCount() == 8);
    assertThat(master.frameworkId()).isNotEqualTo(Optional.of(old));
    assertThat(master.activeByName().values()).as("every instance runs twice").containsOnly(2);
    oldTasks.forEach(id -> assertThat(master.frameworkOf(id)).contains(old));

    assertThat(master.failoverTimeoutPassed()).isEqualTo(4);
    awaitServiceWhole();
    assertThat(master.activeTasks()).doesNotContainAnyElementsOf(oldTasks);
    assertThat(master.violations()).isEmpty();
  }
}
