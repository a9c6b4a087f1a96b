package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FaultsTest {
  final RecordingStorage flaky = new RecordingStorage();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10)
      .scheduler(b -> b.storage(flaky).offerHold(Duration.ofSeconds(30)).declineBackoff(Duration.ofSeconds(20))
          .history(3, Duration.ofHours(1)));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n).task(t -> t.process("p", "./run").cpus(1).ramMb(128)).build();
  }

  @Test
  void storageFailureStopsTheSchedulerAndARestartRecoversTheAcknowledgedState() {
    JobConfig kept = service("a/prod/kept", 2);
    aurora.scheduler().createJob(kept, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    flaky.failing = true;
    assertThatThrownBy(() -> aurora.scheduler().createJob(service("a/prod/lost", 2), TEST_PRINCIPAL))
        .isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> aurora.scheduler().jobs()).isInstanceOf(StorageException.class)
        .hasMessageContaining("restart");

    flaky.failing = false;
    aurora.restartScheduler();
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(kept.key());
    assertThat(aurora.running(kept.key())).hasSize(2);
  }

  @Test
  void reconciliationKillsTasksTheSchedulerDoesNotKnow() {
    JobConfig job = service("a/prod/orphaned", 3);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.cluster().runningTasks()).hasSize(3);

    aurora.restartScheduler(Storage.inMemory()); // a scheduler that remembers nothing
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.cluster().runningTasks()).isEmpty();
  }

  @Test
  void tasksTheBackendDoesNotKnowBecomeLostAndAreReplaced() {
    JobConfig job = service("a/prod/vanished", 2);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    TaskId vanished = aurora.running(job.key()).get(0).id();
    aurora.cluster().loseAgent(aurora.cluster().agentOf(vanished).orElseThrow().id()); // the cluster forgets it...
    // ...but the scheduler misses the news: restart from storage taken before the loss was processed
    aurora.restartScheduler();
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.scheduler().task(vanished).orElseThrow().status()).isEqualTo(ScheduleStatus.LOST);
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void duplicateAndStaleStatusUpdatesAreHarmless() {
    JobConfig job = service("a/prod/dup", 1);
    List<SchedulerEvent> events = new ArrayList<>();
    aurora.scheduler().events().subscribe(events::add);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask t = aurora.running(job.key()).get(0);
    int before = events.size();

    // the cluster repeats itself: reconciliation reports RUNNING again, and a late STARTING arrives
    aurora.cluster().reconcile(Set.of(t.id()));
    aurora.runUntilIdle();

    assertThat(aurora.scheduler().task(t.id()).orElseThrow()).satisfies(now -> {
      assertThat(now.status()).isEqualTo(ScheduleStatus.RUNNING);
      assertThat(now.events()).hasSameSizeAs(t.events());
    });
    assertThat(events).hasSize(before);
  }

  @Test
  void unusedOffersAreDeclinedAfterTheHoldAndComeBackAfterTheBackoff() {
    aurora.runUntilIdle();
    assertThat(aurora.cluster().outstandingOffers()).isEqualTo(10);
    aurora.advance(Duration.ofSeconds(31));
    assertThat(aurora.registry().counter("aurora.offers.declined").count()).isEqualTo(10);
    assertThat(aurora.cluster().outstandingOffers()).isZero();
    aurora.advance(Duration.ofSeconds(20));
    assertThat(aurora.cluster().outstandingOffers()).isEqualTo(10);

    // and a job created now is placed on them
    JobConfig job = service("a/prod/late", 2);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void rescindedOffersAreDroppedAtOnce() {
    aurora.runUntilIdle();
    for (var agent : aurora.cluster().agents()) {
      aurora.cluster().rescindOffer(agent.id());
    }
    aurora.runUntilIdle();
    assertThat(aurora.registry().counter("aurora.offers.rescinded").count()).isEqualTo(10);
    assertThat(aurora.registry().get("aurora.offers.held").gauge().value()).isZero();
  }

  @Test
  void historyIsPrunedPerJob() {
    JobConfig job = service("a/prod/churn", 1);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    for (int i = 0; i < 6; i++) {
      aurora.cluster().killTask(aurora.running(job.key()).get(0).id());
      aurora.advance(Duration.ofMinutes(6)); // past any flapping penalty
    }
    aurora.advance(Duration.ofMinutes(1));
    List<ScheduledTask> all = aurora.tasks(job.key());
    assertThat(all.stream().filter(t -> t.status().isTerminal()).count()).isEqualTo(3);
    assertThat(all.stream().filter(t -> t.status() == ScheduleStatus.RUNNING).count()).isEqualTo(1);

    aurora.advance(Duration.ofHours(2)); // older than the max age
    assertThat(aurora.tasks(job.key())).hasSize(1);
  }

  @Test
  void oneOffJobRetriesFailuresAndReportsTheOutcome() {
    JobConfig job = Job.adhoc("a/prod/batch").instances(3)
        .task(t -> t.process("p", "./work").cpus(1).ramMb(64).maxTaskFailures(2)).build();
    List<SchedulerEvent.JobFinished> finished = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.JobFinished f) {
        finished.add(f);
      }
    });
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    List<ScheduledTask> running = aurora.running(job.key());
    aurora.cluster().finishTask(running.get(0).id());
    aurora.cluster().failTask(running.get(1).id(), "exit 3");
    aurora.cluster().failTask(running.get(2).id(), "exit 3");
    aurora.advance(Duration.ofMinutes(2)); // retries run after their flapping penalty
    List<ScheduledTask> retries = aurora.running(job.key());
    assertThat(retries).extracting(ScheduledTask::instance).containsExactly(1, 2);
    assertThat(retries).allSatisfy(t -> assertThat(t.failureCount()).isEqualTo(1));
    aurora.cluster().finishTask(retries.get(0).id());
    aurora.cluster().failTask(retries.get(1).id(), "exit 3");
    aurora.advance(Duration.ofMinutes(2));

    assertThat(aurora.active(job.key())).isEmpty();
    assertThat(finished).singleElement().satisfies(f -> {
      assertThat(f.finished()).containsExactly(0, 1);
      assertThat(f.failed()).containsExactly(2);
    });
    assertThat(aurora.scheduler().job(job.key())).isEmpty();
  }

  @Test
  void eventsAndMetricsFollowTheLifecycle() {
    List<String> transitions = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskStateChanged c) {
        transitions.add(c.from() + ">" + c.task().status());
      }
    });
    JobConfig job = service("a/prod/observed", 2);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(transitions.stream().distinct().collect(Collectors.toList()))
        .containsExactly("INIT>PENDING", "PENDING>ASSIGNED", "ASSIGNED>STARTING", "STARTING>RUNNING");
    assertThat(aurora.registry().get("aurora.tasks").tag("state", "RUNNING").gauge().value()).isEqualTo(2);
    assertThat(aurora.registry().get("aurora.tasks.pending").gauge().value()).isZero();
    assertThat(aurora.registry().get("aurora.placement.tasks.placed").counter().count()).isEqualTo(2);
    assertThat(aurora.registry().get("aurora.placement.pass").timer().count()).isPositive();
    assertThat(aurora.registry().get("aurora.loop.queue.depth").gauge().value()).isZero();
    assertThat(aurora.scheduler().task(aurora.running(job.key()).get(0).id()).orElseThrow().events())
        .extracting(TaskEvent::status).containsExactly(ScheduleStatus.INIT, ScheduleStatus.PENDING,
            ScheduleStatus.ASSIGNED, ScheduleStatus.STARTING, ScheduleStatus.RUNNING);
  }
}
