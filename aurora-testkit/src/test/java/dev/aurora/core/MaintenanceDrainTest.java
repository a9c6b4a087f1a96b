package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MaintenanceDrainTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(8).scheduler(b -> b.drainSla(0, 0.8));

  static JobConfig service(String key, int instances) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server").cpus(1).ramMb(256))
        .constraint(Constraint.limit("host", 1))
        .build();
  }

  private Set<String> hosts(JobConfig job) {
    return aurora.running(job.key()).stream().map(t -> t.host().orElseThrow()).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void drainingThreeHostsNeverTakesAFiveInstanceServiceBelowFourRunning() {
    JobConfig web = service("www-data/prod/web", 5);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web.key())).hasSize(5);
    Set<String> drained = hosts(web).stream().limit(3).collect(Collectors.toCollection(TreeSet::new));

    // follow the running count through every event
    Set<TaskId> running = new HashSet<>(aurora.running(web.key()).stream().map(ScheduledTask::id).toList());
    int[] lowest = {running.size()};
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskStateChanged c && c.task().job().equals(web.key())) {
        if (c.task().status() == ScheduleStatus.RUNNING) {
          running.add(c.task().id());
        } else {
          running.remove(c.task().id());
        }
        lowest[0] = Math.min(lowest[0], running.size());
      }
    });

    aurora.scheduler().setMaintenance(drained, MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    for (int s = 0; s < 120; s++) {
      aurora.advance(Duration.ofSeconds(1));
      assertThat(aurora.running(web.key())).hasSizeGreaterThanOrEqualTo(4);
    }

    assertThat(lowest[0]).isEqualTo(4);
    assertThat(aurora.running(web.key())).hasSize(5);
    assertThat(hosts(web)).doesNotContainAnyElementsOf(drained);
    assertThat(aurora.scheduler().maintenance()).isEqualTo(
        drained.stream().collect(Collectors.toMap(h -> h, h -> MaintenanceMode.DRAINED)));
    assertThat(aurora.tasks(web.key())).filteredOn(t -> t.status() == ScheduleStatus.KILLED)
        .hasSize(3).allSatisfy(t -> assertThat(t.events()).extracting(TaskEvent::status).contains(ScheduleStatus.DRAINING));
    assertThat(aurora.registry().get("aurora.maintenance.tasks.drained").counter().count()).isEqualTo(3.0);

    // ending maintenance returns the hosts to service
    aurora.scheduler().setMaintenance(drained, MaintenanceMode.NONE, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().maintenance()).isEmpty();
    JobConfig wide = service("www-data/prod/wide", 8);
    aurora.scheduler().createJob(wide, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(hosts(wide)).containsAll(drained);
  }

  @Test
  void aDrainWaitsWhileTooFewOtherInstancesAreHealthy() {
    JobConfig web = Job.service("www-data/prod/web").instances(3)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(1).ramMb(256).port("http")
            .healthCheck(HealthCheck.http("http", "/health")))
        .constraint(Constraint.limit("host", 1))
        .build();
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    List<ScheduledTask> tasks = aurora.running(web.key());
    ScheduledTask onDrained = tasks.get(0);
    ScheduledTask sick = tasks.get(1);
    aurora.cluster().setHealthy(sick.id(), false);
    aurora.runUntilIdle();

    // 3 instances at 0.8 need 2 healthy others: only one is healthy, so the task stays
    aurora.scheduler().setMaintenance(Set.of(onDrained.host().orElseThrow()), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(30));
    assertThat(aurora.scheduler().task(onDrained.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(aurora.scheduler().maintenance()).containsValue(MaintenanceMode.DRAINING);

    aurora.cluster().setHealthy(sick.id(), true);
    aurora.advance(Duration.ofSeconds(30));
    assertThat(aurora.scheduler().task(onDrained.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(aurora.scheduler().maintenance()).containsValue(MaintenanceMode.DRAINED);
    assertThat(aurora.running(web.key())).hasSize(3);
  }

  @Test
  void aSingleInstanceJobCanBeDrainedAndAnEmptyHostIsDrainedAtOnce() {
    JobConfig solo = service("www-data/prod/solo", 1);
    aurora.scheduler().createJob(solo, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    String host = aurora.running(solo.key()).get(0).host().orElseThrow();
    String empty = aurora.cluster().agents().stream().map(dev.aurora.testkit.SimulatedCluster.Agent::hostname)
        .filter(h -> !h.equals(host)).findFirst().orElseThrow();

    aurora.scheduler().setMaintenance(Set.of(empty), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().maintenance()).isEqualTo(Map.of(empty, MaintenanceMode.DRAINED));

    aurora.scheduler().setMaintenance(Set.of(host), MaintenanceMode.DRAINED, TEST_PRINCIPAL); // means "drain"
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINING);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
    assertThat(aurora.running(solo.key())).singleElement()
        .satisfies(t -> assertThat(t.host()).isNotEqualTo(java.util.Optional.of(host)));
  }

  @Test
  void scheduledHostsKeepTheirTasksAndADrainResumesAfterARestart() {
    JobConfig web = service("www-data/prod/web", 5);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    String host = hosts(web).iterator().next();
    aurora.scheduler().setMaintenance(Set.of(host), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(hosts(web)).contains(host);

    aurora.scheduler().setMaintenance(Set.of(host), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.restartScheduler();
    aurora.advance(Duration.ofSeconds(30));
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
    assertThat(hosts(web)).hasSize(5).doesNotContain(host);

    // asking a drained host to be only scheduled leaves it drained
    aurora.scheduler().setMaintenance(Set.of(host), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
  }
}
