package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A call waiting for the state loop when the scheduler stops (closed, or deposed in HA mode) fails at
 * once instead of waiting forever.
 */
class PendingCallsTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(2).build();
  private final JobConfig job = Job.service("www-data/prod/web").instances(1)
      .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128).diskMb(16)).build();

  /** The manual loop seen from other threads: calls queue for the test thread to run. */
  private final StateLoop queued = QueuedLoop.of(loop);

  @Test
  void aCallWaitingWhenTheSchedulerClosesFailsInsteadOfHanging() throws Exception {
    Scheduler s = Scheduler.builder().backend(cluster).clock(clock).loop(queued).build();
    QueuedLoop.runUntil(loop, CompletableFuture.runAsync(s::start));

    CompletableFuture<Void> call = CompletableFuture.runAsync(() -> s.createJob(job, TEST_PRINCIPAL));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (loop.queueDepth() == 0) { // the call is queued for the loop, which nobody runs now
      assertThat(System.nanoTime()).as("the call queued within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    s.close();

    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
