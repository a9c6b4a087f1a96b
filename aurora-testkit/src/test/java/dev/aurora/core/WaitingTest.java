package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Awaiting an update, healthy instances, a one-off job's end or a task's end with a future. */
class WaitingTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10);

  static final UpdateSettings SETTINGS = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
      .maxFailedInstances(0).rollbackOnFailure(true).build();
  static final JobTemplate WEB = Job.service("www-data/prod/web")
      .task(t -> t.process("server", "./server --version {{version}}").cpus(0.5).ramMb(128).port("http")
          .healthCheck(HealthCheck.http("http", "/health")))
      .update(SETTINGS)
      .toTemplate();

  static JobConfig web(String version, int instances) {
    return WEB.toBuilder().instances(instances).bind("version", version).build();
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    try {
      future.join();
      throw new AssertionError("not failed");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  private JobConfig runningV1() {
    JobConfig v1 = web("1", 3);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    return v1;
  }

  @Test
  void awaitingAnUpdateThatRollsForwardCompletesWithIt() {
    JobConfig v1 = runningV1();
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3), TEST_PRINCIPAL, "ship v2");
    CompletableFuture<UpdateDetails> forward = aurora.scheduler().whenRolledForward(id);
    CompletableFuture<UpdateDetails> ends = aurora.scheduler().whenUpdateEnds(id);
    assertThat(forward).isNotDone();

    aurora.advance(Duration.ofMinutes(5));

    assertThat(forward.join().status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(ends.join()).isEqualTo(forward.join());
    assertThat(aurora.scheduler().whenRolledForward(id)).isCompletedWithValue(forward.join()); // ended already
  }

  @Test
  void awaitingAnUpdateThatRollsBackFailsWithHowItEnded() {
    JobConfig v1 = runningV1();
    JobConfig bad = web("bad", 3);
    aurora.cluster().behave(t -> t.config().equals(bad.task()), TaskBehavior.unhealthy());
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), bad, TEST_PRINCIPAL, "break it");
    CompletableFuture<UpdateDetails> forward = aurora.scheduler().whenRolledForward(id);
    CompletableFuture<UpdateDetails> ends = aurora.scheduler().whenUpdateEnds(id);

    aurora.advance(Duration.ofMinutes(10));

    assertThat(failureOf(forward)).isInstanceOf(UpdateFailedException.class)
        .hasMessageStartingWith("update " + id + " of www-data/prod/web ended ROLLED_BACK")
        .satisfies(e -> assertThat(((UpdateFailedException) e).update().status()).isEqualTo(UpdateStatus.ROLLED_BACK));
    assertThat(ends.join().status()).isEqualTo(UpdateStatus.ROLLED_BACK);
  }

  @Test
  void awaitingAnUnknownUpdateFails() {
    assertThat(failureOf(aurora.scheduler().whenUpdateEnds(new UpdateId("nope"))))
        .isInstanceOf(NoSuchUpdateException.class);
  }

  @Test
  void awaitingHealthyInstancesCompletesOnceTheyAre() {
    JobConfig v1 = web("1", 3);
    aurora.cluster().behave(t -> t.instance().instance() == 2, TaskBehavior.unhealthy());
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    CompletableFuture<List<ScheduledTask>> two = aurora.scheduler().whenHealthy(v1.key(), 2);
    CompletableFuture<List<ScheduledTask>> all = aurora.scheduler().whenHealthy(v1.key());
    assertThat(two).isNotDone();

    aurora.advance(Duration.ofMinutes(1));

    assertThat(two.join()).extracting(ScheduledTask::instance).containsExactlyInAnyOrder(0, 1);
    assertThat(two.join()).allSatisfy(t -> assertThat(t.isRunningAndHealthy()).isTrue());
    assertThat(all).isNotDone(); // instance 2 never gets healthy

    aurora.scheduler().killJob(v1.key(), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(failureOf(all)).isInstanceOf(NoSuchJobException.class)
        .hasMessage("job www-data/prod/web was killed before every instance was RUNNING and healthy");
  }

  @Test
  void aOneOffJobsEndCanBeAwaited() {
    JobConfig batch = Job.adhoc("www-data/prod/batch").instances(2)
        .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build();
    aurora.cluster().behave(t -> t.config().equals(batch.task()), TaskBehavior.finishAfter(Duration.ofSeconds(10)));
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    CompletableFuture<SchedulerEvent.JobFinished> finished = aurora.scheduler().whenFinished(batch.key());
    assertThat(finished).isNotDone();

    aurora.advance(Duration.ofMinutes(1));

    assertThat(finished.join().finished()).containsExactly(0, 1);
    assertThat(finished.join().failed()).isEmpty();
    assertThat(failureOf(aurora.scheduler().whenFinished(batch.key()))).isInstanceOf(NoSuchJobException.class)
        .hasMessageContaining("a one-off job that has finished is gone");
  }

  @Test
  void awaitingAServiceToFinishIsRefused() {
    JobConfig v1 = runningV1();
    assertThat(failureOf(aurora.scheduler().whenFinished(v1.key()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("job www-data/prod/web is a service; only a one-off job finishes");
  }

  @Test
  void aKilledTaskEndCanBeAwaited() {
    JobConfig v1 = runningV1();
    ScheduledTask victim = aurora.running(v1.key()).get(0);
    CompletableFuture<ScheduledTask> ended = aurora.scheduler().whenTaskEnds(victim.id());
    assertThat(ended).isNotDone();

    aurora.cluster().killTask(victim.id());
    aurora.runUntilIdle();

    assertThat(ended.join().status().isTerminal()).isTrue();
    assertThat(ended.join().id()).isEqualTo(victim.id());
    assertThat(failureOf(aurora.scheduler().whenTaskEnds(dev.aurora.api.TaskId.of("nope"))))
        .isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void closingTheSchedulerFailsWhatWasAwaited() {
    JobConfig v1 = web("1", 3);
    aurora.cluster().behave(t -> true, TaskBehavior.unhealthy());
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    CompletableFuture<List<ScheduledTask>> healthy = aurora.scheduler().whenHealthy(v1.key());

    aurora.scheduler().close();

    assertThat(failureOf(healthy)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the scheduler stopped before");
  }

  @Test
  void awaitingWorksOnTheProductionStateLoop() throws Exception {
    StateLoop loop = StateLoop.singleThread(java.time.Clock.systemUTC());
    dev.aurora.testkit.SimulatedCluster cluster = dev.aurora.testkit.SimulatedCluster.builder(loop).agents(4)
        .delays(Duration.ZERO, Duration.ZERO).build();
    try (Scheduler scheduler = Scheduler.builder().loop(loop).backend(cluster).build()) {
      scheduler.start();
      JobConfig batch = Job.adhoc("www-data/prod/batch").instances(2)
          .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build();
      cluster.behave(t -> t.config().equals(batch.task()), TaskBehavior.finishAfter(Duration.ofMillis(200)));
      JobConfig v1 = Job.service("www-data/prod/web").instances(3)
          .task(t -> t.process("server", "./server").cpus(0.1).ramMb(16)).build();
      scheduler.createJob(v1, TEST_PRINCIPAL);
      scheduler.createJob(batch, TEST_PRINCIPAL);
      CompletableFuture<SchedulerEvent.JobFinished> finished = scheduler.whenFinished(batch.key());

      assertThat(scheduler.whenHealthy(v1.key()).get(30, java.util.concurrent.TimeUnit.SECONDS)).hasSize(3);
      assertThat(finished.get(30, java.util.concurrent.TimeUnit.SECONDS).finished()).containsExactly(0, 1);
    }
  }

  @Test
  void awaitingANegativeNumberOfInstancesIsRefused() {
    JobConfig v1 = runningV1();
    assertThatThrownBy(() -> aurora.scheduler().whenHealthy(v1.key(), -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("instance count must be >= 0, was -1");
  }
}
