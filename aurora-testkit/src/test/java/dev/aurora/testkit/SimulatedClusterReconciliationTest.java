package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation reports what a task is, health included, as a Mesos agent's reconciled status
 * carries the {@code healthy} field: a scheduler that recovered a task without its health (the write
 * of its health was lost in a crash) learns it again. Found by simulation seed 8.
 */
class SimulatedClusterReconciliationTest {
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(1).build();
  private final List<Offer> offers = new ArrayList<>();
  private final List<TaskStatus> statuses = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster.start(new BackendListener() {
      @Override
      public void offers(List<Offer> o) {
        offers.addAll(o);
      }

      @Override
      public void offerRescinded(String offerId) {}

      @Override
      public void statusUpdate(TaskStatus status) {
        statuses.add(status);
      }

      @Override
      public void agentLost(String agentId) {}
    });
    loop.runUntilIdle();
  }

  private TaskId launchHealthChecked() {
    TaskId id = TaskId.of("t-1");
    TaskConfig config = TaskConfig.builder().addProcesses(ProcessConfig.of("p", "./serve"))
        .resources(dev.aurora.api.Resources.of(1, 128, 10)).healthCheck(HealthCheck.http("http", "/health")).build();
    Offer offer = offers.get(offers.size() - 1);
    cluster.launch(List.of(offer.id()), List.of(TaskLaunch.builder().taskId(id)
        .instance(InstanceKey.of(JobKey.of("test", "prod", "job"), 0)).agentId(offer.agentId()).config(config)
        .ports(Map.of()).processes(config.processes()).environment(Map.of()).healthCheck(config.healthCheck())
        .build()));
    loop.advance(Duration.ofSeconds(3));
    return id;
  }

  private TaskStatus reconciled(TaskId id) {
    statuses.clear();
    cluster.reconcile(Set.of(id));
    return statuses.stream().filter(s -> s.taskId().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void reconciliationReportsARunningTasksHealth() {
    TaskId id = launchHealthChecked();
    TaskStatus s = reconciled(id);
    assertThat(s.state()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(s.healthy()).isEqualTo(Optional.of(true));

    cluster.setHealthy(id, false);
    assertThat(reconciled(id).healthy()).isEqualTo(Optional.of(false));
  }
}
