package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Each process's state, exit code, start and end times are kept with its task, apart from the task's states. */
class ProcessHistoryTest {
  @TempDir
  Path state;

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  static final Instant T0 = Instant.parse("2026-12-01T20:00:00Z");

  static ProcessRecord running(String name, int run) {
    return new ProcessRecord(name, run, ProcessRecord.State.RUNNING, Optional.empty(), Optional.of(T0),
        Optional.empty(), "started as pid 42");
  }

  static ProcessRecord ended(String name, int run, ProcessRecord.State s, int exit) {
    return new ProcessRecord(name, run, s, Optional.of(exit), Optional.of(T0), Optional.of(T0.plusSeconds(3)),
        "exited " + exit);
  }

  ScheduledTask runningTask(JobConfig job) {
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    return aurora.running(job.key()).get(0);
  }

  @Test
  void theLatestStateOfEachProcessIsKeptWithTheTaskAndItsStateHistoryIsUnchanged() {
    ScheduledTask t = runningTask(SchedulerLifecycleTest.service("www-data/prod/graph", 1));

    aurora.cluster().reportProcesses(t.id(), List.of(running("fetch", 1)));
    aurora.cluster().reportProcesses(t.id(), List.of(ended("fetch", 1, ProcessRecord.State.SUCCESS, 0),
        running("serve", 1)));
    aurora.cluster().reportProcesses(t.id(), List.of(ended("serve", 1, ProcessRecord.State.WAITING, 2),
        running("serve", 2)));
    aurora.cluster().reportProcesses(t.id(), List.of(ended("serve", 1, ProcessRecord.State.WAITING, 2))); // late
    aurora.runUntilIdle();

    ScheduledTask now = aurora.scheduler().task(t.id()).orElseThrow();
    assertThat(now.processes()).containsExactly(ended("fetch", 1, ProcessRecord.State.SUCCESS, 0), running("serve", 2));
    assertThat(now.status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(now.events()).isEqualTo(t.events());
    assertThat(now.statusTime()).isEqualTo(t.statusTime());
  }

  @Test
  void aRestartedSchedulerStillShowsEachProcesssRecord() {
    aurora.restartScheduler(Storage.fileLog(state));
    ScheduledTask t = runningTask(SchedulerLifecycleTest.service("www-data/prod/graph", 1));
    aurora.cluster().reportProcesses(t.id(), List.of(ended("fetch", 1, ProcessRecord.State.SUCCESS, 0),
        running("serve", 1)));
    aurora.runUntilIdle();
    List<ProcessRecord> before = aurora.scheduler().task(t.id()).orElseThrow().processes();
    assertThat(before).hasSize(2);

    aurora.restartScheduler(Storage.fileLog(state));
    aurora.runUntilIdle();

    ScheduledTask recovered = aurora.scheduler().task(t.id()).orElseThrow();
    assertThat(recovered.processes()).isEqualTo(before);
    assertThat(recovered.events()).isEqualTo(aurora.scheduler().task(t.id()).orElseThrow().events());
  }
}
