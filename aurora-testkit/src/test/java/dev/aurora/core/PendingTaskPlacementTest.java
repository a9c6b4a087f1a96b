package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A task waits PENDING with no room, then room comes: what it is placed as is the scheduler's task as it
 * stood when placed (whatever the placement keeps of it while it waits), and a task that left PENDING
 * while it waited (killed, its job killed) is never placed nor launched.
 */
class PendingTaskPlacementTest {
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final RecordingBackend backend = new RecordingBackend();

  private static JobConfig job(int instances) {
    return Job.service("a/prod/web").instances(instances)
        .task(t -> t.process("p", "./run --port {{port.http}}").cpus(1).ramMb(64).port("http")).build();
  }

  /** A started scheduler with no offer yet: every task created waits PENDING. */
  private Scheduler started() {
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).build();
    scheduler.start();
    loop.runUntilIdle();
    return scheduler;
  }

  private void offerRoom() {
    backend.listener.offers(List.of(Offer.builder().id("o1").agentId("agent-1").hostname("agent-1.example.com")
        .cpus(8).ramMb(8192).diskMb(8192).addPorts(PortRange.of(31000, 31100)).build()));
    loop.runUntilIdle();
  }

  private static List<ScheduledTask> withStatus(Scheduler scheduler, JobConfig job, ScheduleStatus status) {
    return scheduler.tasks(TaskQuery.job(job.key())).stream().filter(t -> t.status() == status).toList();
  }

  @Test
  void aTaskKilledWhilePendingIsNeverPlacedNorLaunched() {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(3);
      scheduler.createJob(web, TEST_PRINCIPAL);
      loop.runUntilIdle();
      scheduler.killInstances(web.key(), Set.of(1), TEST_PRINCIPAL);
      loop.runUntilIdle();
      TaskId killed = scheduler.tasks(TaskQuery.job(web.key())).stream()
          .filter(t -> t.instance() == 1 && t.status() == ScheduleStatus.KILLED).findFirst().orElseThrow().id();

      offerRoom();

      assertThat(withStatus(scheduler, web, ScheduleStatus.ASSIGNED)).extracting(ScheduledTask::instance)
          .containsExactlyInAnyOrder(0, 2);
      assertThat(scheduler.task(killed).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);
      assertThat(backend.launches).hasSize(1);
      assertThat(backend.launches.get(0).tasks()).hasSize(2).doesNotContain(killed);
    }
  }

  @Test
  void theTasksOfAJobKilledWhilePendingAreNeverPlacedNorLaunched() {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(3);
      scheduler.createJob(web, TEST_PRINCIPAL);
      loop.runUntilIdle();
      scheduler.killJob(web.key(), TEST_PRINCIPAL);
      loop.runUntilIdle();

      offerRoom();

      assertThat(scheduler.tasks(TaskQuery.job(web.key()))).allSatisfy(t -> assertThat(t.agent()).isEmpty());
      assertThat(backend.launches).isEmpty();
    }
  }

  @Test
  void aTaskPlacedAfterWaitingIsTheSchedulersTaskAsItStoodMovedToAssigned() {
    try (Scheduler scheduler = started()) {
      JobConfig web = job(2);
      scheduler.createJob(web, TEST_PRINCIPAL);
      loop.runUntilIdle();
      ScheduledTask waiting = withStatus(scheduler, web, ScheduleStatus.PENDING).get(0);
      // a report about the waiting task changes what the scheduler holds of it while it stays PENDING
      ProcessRecord record = new ProcessRecord("p", 1, ProcessRecord.State.WAITING, Optional.empty(),
          Optional.of(Instant.parse("2026-01-01T00:00:00Z")), Optional.empty(), "reported while pending");
      backend.listener.statusUpdate(TaskStatus.processes(waiting.id(), List.of(record)));
      loop.runUntilIdle();
      ScheduledTask before = scheduler.task(waiting.id()).orElseThrow();
      assertThat(before.status()).isEqualTo(ScheduleStatus.PENDING);
      assertThat(before.processes()).containsExactly(record);

      loop.advance(java.time.Duration.ofSeconds(7));
      offerRoom();

      ScheduledTask placed = scheduler.task(waiting.id()).orElseThrow();
      assertThat(placed.status()).isEqualTo(ScheduleStatus.ASSIGNED);
      assertThat(placed.processes()).as("what it held when placed").containsExactly(record);
      assertThat(placed.events().subList(0, before.events().size())).isEqualTo(before.events());
      assertThat(placed.events().get(placed.events().size() - 1).status()).isEqualTo(ScheduleStatus.ASSIGNED);
      assertThat(placed.agent()).contains("agent-1");
      assertThat(placed.ports()).containsOnlyKeys("http");
      assertThat(placed.config()).isEqualTo(before.config());
    }
  }
}
