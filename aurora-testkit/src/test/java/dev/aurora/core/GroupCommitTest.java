package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Calls from many threads that wait for the state loop at the same time are run in one turn of the
 * loop and stored with one append (group commit): single {@code createJob} calls from concurrent
 * clients share a storage write without asking for it.
 */
class GroupCommitTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(2).build();
  private final RecordingStorage storage = new RecordingStorage();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** The manual loop seen from other threads: calls queue for the test thread to run. */
  private final StateLoop queued = QueuedLoop.of(loop);

  static JobConfig service(String key) {
    return Job.service(key).instances(1).task(t -> t.process("p", "./run").cpus(0.1).ramMb(16)).build();
  }

  @Test
  void createJobCallsFromConcurrentClientsShareOneStorageAppend() throws Exception {
    Scheduler s = Scheduler.builder().backend(cluster).clock(clock).loop(queued).storage(storage)
        .meterRegistry(registry).build();
    QueuedLoop.runUntil(loop, CompletableFuture.runAsync(s::start));
    loop.runUntilIdle();
    int before = storage.appends.size();

    List<CompletableFuture<Void>> calls = List.of("a/prod/one", "a/prod/two", "a/prod/three").stream()
        .map(k -> CompletableFuture.runAsync(() -> s.createJob(service(k), TEST_PRINCIPAL))).toList();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    // all three calls wait in the scheduler's queue (plus the loop's one turn to drain it)
    while (registry.get("aurora.loop.queue.depth").gauge().value() < 4) {
      assertThat(System.nanoTime()).as("the calls queued within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    QueuedLoop.runUntil(loop, CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)));

    CompletableFuture<List<JobConfig>> jobs = CompletableFuture.supplyAsync(s::jobs);
    QueuedLoop.runUntil(loop, jobs);
    assertThat(jobs.get()).hasSize(3);
    assertThat(storage.appends.subList(before, storage.appends.size()))
        .filteredOn(ops -> ops.stream().anyMatch(o -> o instanceof Op.SaveJob)).singleElement()
        .satisfies(ops -> assertThat(ops).filteredOn(o -> o instanceof Op.SaveJob).hasSize(3));
    s.close();
  }
}
