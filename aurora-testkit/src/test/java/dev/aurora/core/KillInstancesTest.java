package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Scaling a job down, to zero included, and the outcome of one-off jobs. */
class KillInstancesTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(30);

  static JobConfig service(int instances) {
    return Job.service("www-data/prod/web").instances(instances)
        .task(t -> t.process("server", "./server").cpus(0.5).ramMb(128)).build();
  }

  private final List<SchedulerEvent> events = new ArrayList<>();

  private void record() {
    aurora.scheduler().events().subscribe(events::add);
  }

  @Test
  void killingEveryInstanceOfAServiceKeepsTheJobWithZeroInstances() {
    JobConfig web = service(3);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    record();

    aurora.scheduler().killInstances(web.key(), Set.of(0, 1, 2), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));

    assertThat(aurora.active(web.key())).isEmpty();
    assertThat(aurora.scheduler().job(web.key())).contains(web.withInstances(0));
    assertThat(events).noneMatch(e -> e instanceof SchedulerEvent.JobKilled)
        .anyMatch(e -> e instanceof SchedulerEvent.JobChanged);

    aurora.restartScheduler();
    assertThat(aurora.scheduler().job(web.key())).contains(web.withInstances(0));
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.active(web.key())).isEmpty();

    aurora.scheduler().addInstances(web.key(), 2, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.running(web.key())).extracting(ScheduledTask::instance).containsExactly(0, 1);
    assertThat(aurora.running(web.key())).allSatisfy(t -> assertThat(t.config()).isEqualTo(web.task()));
    assertThat(aurora.scheduler().job(web.key())).contains(web.withInstances(2));

    aurora.scheduler().killJob(web.key(), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().job(web.key())).isEmpty();
  }

  @Test
  void aServiceMayBeCreatedWithZeroInstancesButAOneOffOrCronJobMayNot() {
    aurora.scheduler().createJob(service(1).withInstances(0), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().job(service(1).key()).orElseThrow().instances()).isZero();

    JobConfig batch = Job.adhoc("www-data/prod/batch").instances(1)
        .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build().withInstances(0);
    assertThatThrownBy(() -> aurora.scheduler().createJob(batch, TEST_PRINCIPAL))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("instances");
    assertThat(aurora.scheduler().job(batch.key())).isEmpty();
  }

  @Test
  void killingEveryInstanceOfACronRunLeavesItsTemplateAsItIs() {
    JobConfig nightly = Job.cron("www-data/prod/nightly", "0 3 * * *").instances(2)
        .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build();
    aurora.scheduler().createJob(nightly, TEST_PRINCIPAL);
    aurora.scheduler().startCronJob(nightly.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(nightly.key())).hasSize(2);

    aurora.scheduler().killInstances(nightly.key(), Set.of(0, 1), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.active(nightly.key())).isEmpty();
    assertThat(aurora.scheduler().job(nightly.key())).contains(nightly);

    aurora.scheduler().startCronJob(nightly.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(nightly.key())).extracting(ScheduledTask::instance).containsExactly(0, 1);
  }

  @Test
  void killingTheLastInstancesOfAOneOffJobEndsItWithItsOutcome() {
    JobConfig batch = Job.adhoc("www-data/prod/batch").instances(3)
        .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build();
    aurora.cluster().behave(t -> t.instance().instance() == 0, TaskBehavior.finishAfter(Duration.ofSeconds(10)));
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    record();
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(batch.key())).extracting(ScheduledTask::instance).containsExactly(1, 2);

    aurora.scheduler().killInstances(batch.key(), Set.of(1, 2), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));

    assertThat(events).noneMatch(e -> e instanceof SchedulerEvent.JobKilled);
    assertThat(events).filteredOn(e -> e instanceof SchedulerEvent.JobFinished).singleElement()
        .satisfies(e -> {
          SchedulerEvent.JobFinished f = (SchedulerEvent.JobFinished) e;
          assertThat(f.finished()).containsExactly(0);
          assertThat(f.failed()).containsExactly(1, 2);
        });
    assertThat(aurora.scheduler().job(batch.key())).isEmpty();
  }

  @Test
  void theOutcomeOfAOneOffJobCountsEveryInstanceHoweverMany() {
    JobConfig batch = Job.adhoc("www-data/prod/batch").instances(300)
        .task(t -> t.process("work", "./work").cpus(0.1).ramMb(16)).build();
    // two thirds finish early, so history is pruned (100 per job) while the job still runs
    aurora.cluster().behave(t -> t.instance().instance() < 200, TaskBehavior.finishAfter(Duration.ofMinutes(1)));
    aurora.cluster().behave(t -> t.instance().instance() >= 200, TaskBehavior.finishAfter(Duration.ofMinutes(20)));
    aurora.cluster().behave(t -> t.instance().instance() == 299, TaskBehavior.failAfter(Duration.ofMinutes(20)));
    aurora.scheduler().createJob(batch.withTask(batch.task()), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(10));
    aurora.restartScheduler(); // what was pruned is gone from storage too
    record();
    aurora.advance(Duration.ofMinutes(30));

    assertThat(events).filteredOn(e -> e instanceof SchedulerEvent.JobFinished).singleElement()
        .satisfies(e -> {
          SchedulerEvent.JobFinished f = (SchedulerEvent.JobFinished) e;
          assertThat(f.finished()).containsExactlyElementsOf(IntStream.range(0, 299).boxed().toList());
          assertThat(f.failed()).containsExactly(299);
        });
  }
}
