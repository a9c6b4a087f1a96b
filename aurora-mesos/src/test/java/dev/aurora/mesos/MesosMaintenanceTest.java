package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mesos maintenance feeds the scheduler's host maintenance: an inverse offer for an agent drains its
 * host, and the inverse offer is accepted once the host is drained.
 */
class MesosMaintenanceTest {
  static final JobConfig SERVICE = Job.service("www/prod/hello").instances(4)
      .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
      .build();
  static final Principal OPERATOR = Principal.of("mesos-maintenance");

  FakeMesosMaster master;
  MesosBackend backend;
  Scheduler scheduler;
  final Storage storage = Storage.inMemory();

  @BeforeEach
  void start() {
    master = FakeMesosMaster.builder().agents(4).updateRetry(Duration.ofMillis(200)).build();
    backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(storage).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build();
    backend.followMaintenance(scheduler, OPERATOR);
    scheduler.start();
  }

  @AfterEach
  void stop() {
    scheduler.close();
    storage.close();
    master.close();
  }

  List<ScheduledTask> runningOn(String host) {
    List<ScheduledTask> out = new ArrayList<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().active())) {
      if (t.host().filter(host::equals).isPresent()) {
        out.add(t);
      }
    }
    return out;
  }

  long running() {
    return scheduler.tasks(TaskQuery.job(SERVICE.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING)
        .count();
  }

  @Test
  void anInverseOfferDrainsTheHostAndIsAcceptedOnceItIsDrained() {
    scheduler.createJob(SERVICE, Principal.of("test"));
    Await.until("4 running", () -> running() == 4);
    String agent = master.agentOf(master.activeTasks().iterator().next()).orElseThrow();
    String host = master.agents().stream().filter(a -> a.id().equals(agent)).findFirst().orElseThrow().hostname();
    assertThat(runningOn(host)).isNotEmpty();

    master.scheduleMaintenance(agent, Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(2));

    Await.until("the host drained", () -> scheduler.maintenance().get(host) == MaintenanceMode.DRAINED);
    Await.until("the inverse offer accepted", () -> master.inverseOfferAccepted(agent));
    assertThat(runningOn(host)).isEmpty();
    assertThat(master.activeTasks()).noneMatch(id -> master.agentOf(id).orElseThrow().equals(agent));
    Await.until("the service whole elsewhere", () -> running() == 4);
    assertThat(master.outstandingInverseOffers()).isEmpty();
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void anAgentAlreadyDrainedIsAcceptedAtOnceAndAnInverseOfferSurvivesAReconnection() {
    scheduler.createJob(SERVICE, Principal.of("test"));
    Await.until("4 running", () -> running() == 4);
    String agent = master.agentOf(master.activeTasks().iterator().next()).orElseThrow();
    String host = master.agents().stream().filter(a -> a.id().equals(agent)).findFirst().orElseThrow().hostname();
    scheduler.setMaintenance(java.util.Set.of(host), MaintenanceMode.DRAINING, OPERATOR);
    Await.until("the host drained", () -> scheduler.maintenance().get(host) == MaintenanceMode.DRAINED);

    master.dropConnection();
    master.scheduleMaintenance(agent, Instant.now(), Duration.ofHours(1));

    Await.until("the inverse offer accepted", () -> master.inverseOfferAccepted(agent));
    assertThat(scheduler.maintenance()).containsEntry(host, MaintenanceMode.DRAINED);
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void anOfferWithAnUnavailabilityWindowSchedulesItsHostSoNewTasksGoElsewhereUntilTheWindowIsCancelled() {
    // 25 tasks of 0.5 cpus: three agents of 4 cpus hold 24, the 25th needs the fourth
    JobConfig big = Job.service("www/prod/big").instances(25)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
        .build();
    master.scheduleUnavailability("agent-0", Instant.now().plus(Duration.ofHours(1)), Duration.ofHours(2));

    scheduler.createJob(big, Principal.of("test"));

    Await.until("24 running", () -> scheduler.tasks(TaskQuery.job(big.key())).stream()
        .filter(t -> t.status() == ScheduleStatus.RUNNING).count() == 24);
    assertThat(scheduler.maintenance()).containsEntry("host-0", MaintenanceMode.SCHEDULED);
    assertThat(runningOn("host-0")).isEmpty();
    assertThat(master.activeTasks()).noneMatch(id -> master.agentOf(id).orElseThrow().equals("agent-0"));
    assertThat(master.inverseOfferAccepted("agent-0")).isFalse();

    master.cancelMaintenance("agent-0");

    Await.until("the host back in service and the 25th running there", () -> scheduler.tasks(
        TaskQuery.job(big.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING).count() == 25);
    assertThat(scheduler.maintenance().getOrDefault("host-0", MaintenanceMode.NONE)).isEqualTo(MaintenanceMode.NONE);
    assertThat(runningOn("host-0")).hasSize(1);
    assertThat(master.violations()).isEmpty();
  }
}
