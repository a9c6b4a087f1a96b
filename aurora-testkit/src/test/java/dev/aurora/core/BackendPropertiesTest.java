package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualLeaderElection;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend keeps its own durable data (the Mesos framework id) in the scheduler's storage, through its
 * listener: what it stored is there for it at its next start, after a restart, a snapshot, a backup
 * restored elsewhere, or a new leader's term.
 */
class BackendPropertiesTest {
  @TempDir
  Path tmp;

  final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(2).build();

  /** The simulated cluster, with what the scheduler's listener held at the backend's start. */
  final class Capture extends ForwardingClusterBackend {
    volatile BackendListener listener;
    volatile Map<String, String> atStart;

    @Override
    protected ClusterBackend delegate() {
      return cluster;
    }

    @Override
    public void start(BackendListener l) {
      listener = l;
      atStart = l.backendProperties();
      cluster.start(l);
    }
  }

  private Scheduler scheduler(Capture backend, Storage storage, SchedulerBuilderCustomizer c) {
    SchedulerBuilder b = Scheduler.builder().backend(backend).storage(storage).loop(loop).clock(loop.clock());
    c.customize(b);
    Scheduler s = b.build();
    s.start();
    loop.runUntilIdle();
    return s;
  }

  interface SchedulerBuilderCustomizer {
    void customize(SchedulerBuilder b);
  }

  /** Stores {@code properties} through the listener and returns whether {@code stored} ran. */
  private boolean store(Capture backend, Map<String, String> properties) {
    List<String> stored = new ArrayList<>();
    backend.listener.storeBackendProperties(properties, () -> stored.add("stored"));
    loop.runUntilIdle();
    return !stored.isEmpty();
  }

  private FileLogStorage fileLog(Path dir) {
    return FileLogStorage.builder(dir).fsync(false).build();
  }

  @Test
  void whatABackendStoredIsThereAtItsNextStartAfterARestart() {
    Storage storage = Storage.inMemory();
    Capture first = new Capture();
    try (Scheduler s = scheduler(first, storage, b -> { })) {
      assertThat(first.atStart).isEmpty();
      assertThat(store(first, Map.of("mesos.frameworkId", "fw-1", "other", "x"))).isTrue();
      assertThat(store(first, Map.of("other", "y"))).isTrue();
      assertThat(first.listener.backendProperties()).containsExactlyInAnyOrderEntriesOf(
          Map.of("mesos.frameworkId", "fw-1", "other", "y"));
    }
    Capture second = new Capture();
    try (Scheduler s = scheduler(second, storage, b -> { })) {
      assertThat(second.atStart).containsExactlyInAnyOrderEntriesOf(Map.of("mesos.frameworkId", "fw-1", "other", "y"));
    }
  }

  @Test
  void storedRunsOnlyOnceThePropertiesAreInStorage() {
    StatusAcknowledgementTest.RecordingStorage storage = new StatusAcknowledgementTest.RecordingStorage();
    Capture backend = new Capture();
    try (Scheduler s = scheduler(backend, storage, b -> { })) {
      List<Boolean> inStorageWhenStored = new ArrayList<>();
      backend.listener.storeBackendProperties(Map.of("k", "v"), () -> inStorageWhenStored.add(
          storage.appended.contains(new Op.SaveBackendProperties(Map.of("k", "v")))));
      loop.runUntilIdle();
      assertThat(inStorageWhenStored).containsExactly(true);

      storage.failing = true;
      assertThat(store(backend, Map.of("k", "w"))).as("a write that failed is never reported stored").isFalse();
    }
  }

  @Test
  void aNullKeyOrValueIsRefusedAndNothingIsStored() {
    Storage storage = Storage.inMemory();
    Capture backend = new Capture();
    try (Scheduler s = scheduler(backend, storage, b -> { })) {
      Map<String, String> bad = new HashMap<>();
      bad.put("k", null);
      assertThatThrownBy(() -> backend.listener.storeBackendProperties(bad, () -> { }))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("k");
      loop.runUntilIdle();
      assertThat(backend.listener.backendProperties()).isEmpty();
      assertThat(storage.recover().log()).noneMatch(op -> op instanceof Op.SaveBackendProperties);
    }
  }

  @Test
  void backendPropertiesSurviveASnapshotAndTheLogReplayedAfterIt() {
    Path dir = tmp.resolve("state");
    Capture first = new Capture();
    try (Scheduler s = scheduler(first, fileLog(dir), b -> b.snapshotEvery(5))) {
      assertThat(store(first, Map.of("mesos.frameworkId", "fw-1"))).isTrue();
      for (int i = 0; i < 3; i++) { // enough ops for a snapshot after the store
        s.createJob(Job.adhoc("a/prod/filler" + i).task(t -> t.process("p", "./p").cpus(0.1).ramMb(8)).build(),
            TEST_PRINCIPAL);
        loop.advance(Duration.ofSeconds(1));
      }
      assertThat(store(first, Map.of("after", "snapshot"))).isTrue(); // in the log after the snapshot
    }
    try (FileLogStorage read = fileLog(dir)) {
      Storage.Stored stored = read.recover();
      assertThat(stored.snapshot()).as("a snapshot was written after the first store")
          .contains(new Op.SaveBackendProperties(Map.of("mesos.frameworkId", "fw-1")));
      assertThat(stored.log()).contains(new Op.SaveBackendProperties(Map.of("after", "snapshot")));
    }
    Capture second = new Capture();
    try (Scheduler s = scheduler(second, fileLog(dir), b -> { })) {
      assertThat(second.atStart).containsExactlyInAnyOrderEntriesOf(
          Map.of("mesos.frameworkId", "fw-1", "after", "snapshot"));
    }
  }

  @Test
  void aBackupRestoredIntoAFreshDirectoryKeepsTheBackendProperties() {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    Capture first = new Capture();
    FileLogBackups.Backup backup;
    try (Scheduler s = scheduler(first, storage, b -> { })) {
      assertThat(store(first, Map.of("mesos.frameworkId", "fw-1"))).isTrue();
      try (FileLogBackups backups = FileLogBackups.builder(storage, tmp.resolve("backups")).clock(loop.clock())
          .build()) {
        backup = backups.backupNow();
      }
    }
    Path elsewhere = tmp.resolve("another-machine");
    FileLogBackups.restore(backup.directory(), elsewhere);
    Capture second = new Capture();
    try (Scheduler s = scheduler(second, fileLog(elsewhere), b -> { })) {
      assertThat(second.atStart).containsEntry("mesos.frameworkId", "fw-1");
    }
  }

  @Test
  void inspectingABackupShowsTheBackendPropertiesAsTheSchedulerWouldRecoverThem() {
    FileLogStorage storage = fileLog(tmp.resolve("state"));
    Capture first = new Capture();
    FileLogBackups.Backup backup;
    try (Scheduler s = scheduler(first, storage, b -> b.snapshotEvery(3))) {
      assertThat(store(first, Map.of("mesos.frameworkId", "fw-1", "other", "x"))).isTrue();
      for (int i = 0; i < 3; i++) { // a snapshot, then the log after it
        s.createJob(Job.adhoc("a/prod/filler" + i).task(t -> t.process("p", "./p").cpus(0.1).ramMb(8)).build(),
            TEST_PRINCIPAL);
        loop.advance(Duration.ofSeconds(1));
      }
      assertThat(store(first, Map.of("mesos.frameworkId", "fw-2"))).isTrue();
      try (FileLogBackups backups = FileLogBackups.builder(storage, tmp.resolve("backups")).clock(loop.clock())
          .build()) {
        backup = backups.backupNow();
      }
    }

    FileLogBackups.Contents contents = FileLogBackups.inspect(backup.directory());
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int status = BackupTool.run(new String[] {"inspect", backup.directory().toString()},
        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8), System.err);

    assertThat(contents.backendProperties()).containsExactly(Map.entry("mesos.frameworkId", "fw-2"),
        Map.entry("other", "x"));
    assertThat(status).isZero();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("backend properties: 2", "mesos.frameworkId = fw-2", "other = x");
  }

  @Test
  void theNextLeadersTermReadsWhatTheLastTermStoredAndADeposedTermStoresNothing() {
    ManualLeaderElection election = ManualLeaderElection.group();
    Storage storage = Storage.inMemory();
    Capture backend = new Capture();
    try (Scheduler s = Scheduler.builder().backend(backend).storage(storage).loop(loop).clock(loop.clock())
        .leaderElection(election.participant("a:8081")).build()) {
      s.start();
      election.elect(0);
      loop.runUntilIdle();
      assertThat(store(backend, Map.of("mesos.frameworkId", "fw-1"))).isTrue();
      BackendListener deposed = backend.listener;

      election.depose();
      loop.runUntilIdle();
      List<String> stored = new ArrayList<>();
      deposed.storeBackendProperties(Map.of("mesos.frameworkId", "fw-stale"), () -> stored.add("stored"));
      loop.runUntilIdle();
      assertThat(stored).isEmpty();

      election.elect(0);
      loop.runUntilIdle();
      assertThat(backend.atStart).containsEntry("mesos.frameworkId", "fw-1");
    }
  }
}
