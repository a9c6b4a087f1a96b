package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static dev.aurora.testkit.AuroraExtension.racks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SchedulerLifecycleTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(120).attributes(racks(10));

  static JobConfig service(String key, int instances) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(256).diskMb(64).port("http"))
        .constraint(Constraint.limit("host", 1))
        .build();
  }

  @Test
  void hundredInstancesArePlacedOnePerHost() {
    JobConfig job = service("www-data/prod/hello", 100);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    List<ScheduledTask> running = aurora.running(job.key());
    assertThat(running).hasSize(100);
    assertThat(running.stream().map(t -> t.host().orElseThrow()).collect(Collectors.toSet())).hasSize(100);
    assertThat(running.stream().map(ScheduledTask::instance).collect(Collectors.toSet()))
        .isEqualTo(java.util.stream.IntStream.range(0, 100).boxed().collect(Collectors.toSet()));
    // ports were assigned and the command got them
    ScheduledTask t = running.get(0);
    int port = t.ports().get("http");
    assertThat(port).isBetween(31000, 31999);
    assertThat(aurora.cluster().launchOf(t.id()).orElseThrow().processes().get(0).command())
        .isEqualTo("./server --port " + port);
    assertThat(aurora.cluster().launchOf(t.id()).orElseThrow().environment())
        .containsEntry("AURORA_INSTANCE", Integer.toString(t.instance()))
        .containsEntry("AURORA_PORT_HTTP", Integer.toString(port));
  }

  @Test
  void killedServiceTaskIsReplaced() {
    JobConfig job = service("www-data/prod/hello", 5);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask victim = aurora.running(job.key()).get(2);

    aurora.cluster().killTask(victim.id());
    aurora.runUntilIdle();
    assertThat(aurora.scheduler().task(victim.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);

    aurora.advance(Duration.ofMinutes(1));
    List<ScheduledTask> running = aurora.running(job.key());
    assertThat(running).hasSize(5);
    assertThat(running).extracting(ScheduledTask::id).doesNotContain(victim.id());
    assertThat(running).filteredOn(r -> r.instance() == victim.instance()).hasSize(1);
  }

  @Test
  void lostAgentsTasksAreRescheduledElsewhere() {
    JobConfig job = service("www-data/prod/hello", 20);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask onLost = aurora.running(job.key()).get(0);
    String agentId = onLost.agent().orElseThrow();

    aurora.cluster().loseAgent(agentId);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.scheduler().task(onLost.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.LOST);
    List<ScheduledTask> running = aurora.running(job.key());
    assertThat(running).hasSize(20);
    assertThat(running).allSatisfy(t -> assertThat(t.agent()).isNotEqualTo(java.util.Optional.of(agentId)));
  }

  @Test
  void flappingTaskIsThrottledWithGrowingBackoff() {
    JobConfig job = service("www-data/prod/flappy", 1);
    aurora.cluster().behave(job.key(), TaskBehavior.failAfter(Duration.ofSeconds(1)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);

    List<Duration> penalties = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      // run until the instance's task is throttled, then measure how long it stays so
      for (int s = 0; s < 600 && aurora.tasks(job.key()).stream().noneMatch(t -> t.status() == ScheduleStatus.THROTTLED); s++) {
        aurora.advance(Duration.ofSeconds(1));
      }
      ScheduledTask throttled = aurora.tasks(job.key()).stream()
          .filter(t -> t.status() == ScheduleStatus.THROTTLED).findFirst().orElseThrow();
      java.time.Instant since = throttled.statusTime();
      while (aurora.scheduler().task(throttled.id()).orElseThrow().status() == ScheduleStatus.THROTTLED) {
        aurora.advance(Duration.ofSeconds(1));
      }
      penalties.add(Duration.between(since, aurora.scheduler().task(throttled.id()).orElseThrow().statusTime()));
    }
    assertThat(penalties).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
        Duration.ofSeconds(240), Duration.ofSeconds(300));
  }

  @Test
  void jobThatCannotFitSaysWhy() {
    JobConfig huge = Job.service("www-data/prod/huge").instances(2)
        .task(t -> t.process("p", "./big").cpus(1).ramMb(100_000))
        .build();
    aurora.scheduler().createJob(huge, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.pending(huge.key())).hasSize(2);
    PendingReason why = aurora.scheduler().whyPending(huge.key());
    assertThat(why.vetoes()).containsEntry("insufficient ram", 120);
    assertThat(why.toString()).isEqualTo("insufficient ram: 120 agents");
    assertThat(aurora.scheduler().whyPending(aurora.pending(huge.key()).get(0).id()).toString())
        .isEqualTo("insufficient ram: 120 agents");
  }

  @Test
  void limitVetoesAreCountedWhenTooManyInstancesForHosts() {
    JobConfig job = service("www-data/prod/wide", 125);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(120);
    assertThat(aurora.scheduler().whyPending(job.key()).toString()).isEqualTo("limit host:1: 120 agents");
  }

  @Test
  void createTwiceIsRefusedAndChangesNothing() {
    JobConfig job = service("www-data/prod/hello", 3);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    assertThatThrownBy(() -> aurora.scheduler().createJob(job.withInstances(7), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("exists already");
    assertThat(aurora.scheduler().job(job.key()).orElseThrow().instances()).isEqualTo(3);
    assertThat(aurora.active(job.key())).hasSize(3);
  }

  @Test
  void killJobKillsEverythingAndRemovesTheJob() {
    JobConfig job = service("www-data/prod/hello", 4);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.scheduler().killJob(job.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.scheduler().job(job.key())).isEmpty();
    assertThat(aurora.tasks(job.key())).hasSize(4).allSatisfy(t -> assertThat(t.status()).isEqualTo(ScheduleStatus.KILLED));
    assertThat(aurora.cluster().runningTasks()).isEmpty();
    assertThatThrownBy(() -> aurora.scheduler().killJob(job.key(), TEST_PRINCIPAL)).isInstanceOf(NoSuchJobException.class);
  }

  @Test
  void killInstancesRestartInstancesAndAddInstances() {
    JobConfig job = service("www-data/prod/hello", 4);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    aurora.scheduler().killInstances(job.key(), Set.of(3), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).extracting(ScheduledTask::instance).containsExactly(0, 1, 2);
    assertThat(aurora.scheduler().job(job.key()).orElseThrow().instances()).isEqualTo(3);

    TaskId before = aurora.running(job.key()).get(1).id();
    aurora.scheduler().restartInstances(job.key(), Set.of(1), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.scheduler().task(before).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(aurora.running(job.key())).extracting(ScheduledTask::instance).containsExactly(0, 1, 2);
    assertThat(aurora.running(job.key()).get(1).id()).isNotEqualTo(before);

    aurora.scheduler().addInstances(job.key(), 2, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).extracting(ScheduledTask::instance).containsExactly(0, 1, 2, 3, 4);

    assertThatThrownBy(() -> aurora.scheduler().killInstances(job.key(), Set.of(2, 9), TEST_PRINCIPAL))
        .isInstanceOf(NoSuchInstanceException.class).hasMessageContaining("[9]");
    assertThat(aurora.running(job.key())).hasSize(5);
  }

  @Test
  void stateIsRecoveredAfterRestartAndTasksKeepRunning() {
    JobConfig job = service("www-data/prod/hello", 10);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    Set<TaskId> before = new HashSet<>(aurora.running(job.key()).stream().map(ScheduledTask::id).toList());

    aurora.restartScheduler();
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.scheduler().job(job.key())).contains(job);
    assertThat(aurora.running(job.key()).stream().map(ScheduledTask::id).collect(Collectors.toSet())).isEqualTo(before);
    // and it still keeps them running
    aurora.cluster().killTask(before.iterator().next());
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.running(job.key())).hasSize(10);
  }
}
