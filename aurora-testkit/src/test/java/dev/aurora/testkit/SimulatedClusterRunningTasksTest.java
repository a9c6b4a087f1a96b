package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the simulated cluster says runs where, through launches, kills, tasks ending by themselves,
 * agent loss and partitions: each agent's tasks, the cluster's running tasks, each task's agent and
 * launch, and what reconciliation reports.
 */
class SimulatedClusterRunningTasksTest {
  private static final JobKey JOB = JobKey.of("test", "prod", "job");
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(3).build();
  /** The latest offer of each agent. */
  private final Map<String, Offer> offers = new LinkedHashMap<>();
  private final List<TaskStatus> statuses = new ArrayList<>();
  private int next;

  @BeforeEach
  void start() {
    cluster.start(new BackendListener() {
      @Override
      public void offers(List<Offer> o) {
        o.forEach(offer -> offers.put(offer.agentId(), offer));
      }

      @Override
      public void offerRescinded(String offerId) {
        offers.values().removeIf(o -> o.id().equals(offerId));
      }

      @Override
      public void statusUpdate(TaskStatus status) {
        statuses.add(status);
      }

      @Override
      public void agentLost(String agentId) {}
    });
    loop.runUntilIdle();
  }

  /** Launches tasks running {@code command} on {@code agent} with its latest offer; returns their ids. */
  private List<TaskId> launch(String agent, int count, String command) {
    TaskConfig config = TaskConfig.builder().addProcesses(ProcessConfig.of("p", command))
        .resources(dev.aurora.api.Resources.of(1, 128, 10)).build();
    List<TaskLaunch> launches = new ArrayList<>();
    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      TaskId id = TaskId.of("t-" + next);
      ids.add(id);
      launches.add(TaskLaunch.builder().taskId(id).instance(InstanceKey.of(JOB, next++)).agentId(agent)
          .config(config).ports(Map.of()).processes(config.processes()).environment(Map.of("K", id.value()))
          .healthCheck(config.healthCheck()).build());
    }
    Offer offer = offers.remove(agent);
    cluster.launch(List.of(offer.id()), launches);
    loop.runUntilIdle();
    return ids;
  }

  private List<TaskId> launch(String agent, int count) {
    return launch(agent, count, "./serve");
  }

  private Map<TaskId, ScheduleStatus> lastStatuses() {
    Map<TaskId, ScheduleStatus> last = new LinkedHashMap<>();
    statuses.forEach(s -> last.put(s.taskId(), s.state()));
    return last;
  }

  private Set<TaskId> tasksOn(String agent) {
    return cluster.agent(agent).tasks();
  }

  @Test
  void eachAgentListsTheTasksLaunchedOnIt() {
    List<TaskId> a0 = launch("agent-0", 3);
    List<TaskId> a1 = launch("agent-1", 2);

    assertThat(tasksOn("agent-0")).containsExactlyInAnyOrderElementsOf(a0);
    assertThat(tasksOn("agent-1")).containsExactlyInAnyOrderElementsOf(a1);
    assertThat(tasksOn("agent-2")).isEmpty();
    assertThat(cluster.runningTasks()).hasSize(5).containsAll(a0).containsAll(a1);
    assertThat(cluster.launchedCount()).isEqualTo(5);
    for (TaskId id : a0) {
      assertThat(cluster.agentOf(id).orElseThrow().id()).isEqualTo("agent-0");
      assertThat(cluster.launchOf(id).orElseThrow().environment()).isEqualTo(Map.of("K", id.value()));
    }
    assertThat(cluster.agentOf(a1.get(1)).orElseThrow().id()).isEqualTo("agent-1");
  }

  @Test
  void killedAndEndedTasksLeaveTheirAgent() {
    List<TaskId> a0 = launch("agent-0", 3);
    List<TaskId> a1 = launch("agent-1", 2);
    loop.advance(Duration.ofSeconds(3));

    cluster.kill(a0.get(1));
    cluster.killTask(a1.get(0));
    cluster.failTask(a0.get(0), "boom");
    loop.runUntilIdle();

    assertThat(tasksOn("agent-0")).containsExactly(a0.get(2));
    assertThat(tasksOn("agent-1")).containsExactly(a1.get(1));
    assertThat(cluster.runningTasks()).containsExactlyInAnyOrder(a0.get(2), a1.get(1));
    assertThat(cluster.agentOf(a0.get(1))).isEmpty();
    assertThat(cluster.launchOf(a1.get(0))).isEmpty();
    Map<TaskId, ScheduleStatus> last = lastStatuses();
    assertThat(last.get(a0.get(1))).isEqualTo(ScheduleStatus.KILLED);
    assertThat(last.get(a1.get(0))).isEqualTo(ScheduleStatus.KILLED);
    assertThat(last.get(a0.get(0))).isEqualTo(ScheduleStatus.FAILED);
    assertThatThrownBy(() -> cluster.killTask(a0.get(1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(a0.get(1).toString());

    statuses.clear();
    cluster.kill(a0.get(1)); // a kill of a task that no longer runs: LOST, as on Mesos
    assertThat(lastStatuses()).isEqualTo(Map.of(a0.get(1), ScheduleStatus.LOST));
  }

  @Test
  void aTaskThatEndsByItselfLeavesItsAgent() {
    List<TaskId> done = launch("agent-0", 2, "true");
    List<TaskId> serving = launch("agent-0", 1);
    loop.advance(Duration.ofSeconds(3));

    assertThat(tasksOn("agent-0")).containsExactlyElementsOf(serving);
    assertThat(lastStatuses().get(done.get(0))).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(lastStatuses().get(done.get(1))).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(lastStatuses().get(serving.get(0))).isEqualTo(ScheduleStatus.RUNNING);
  }

  @Test
  void thousandsOfTasksEndingWithNoLookupLeaveOnlyTheRunningOnes() {
    List<TaskId> serving = launch("agent-2", 2);
    int launched = 2;
    for (int round = 0; round < 200; round++) {
      for (String agent : List.of("agent-0", "agent-1")) {
        if (offers.containsKey(agent)) {
          launched += launch(agent, 8, "true").size();
        }
      }
      loop.advance(Duration.ofSeconds(3));
    }

    int started = cluster.launchedCount(); // a launch beyond what the offer holds fails, over-committed
    assertThat(launched).isGreaterThan(2048);
    assertThat(started).isGreaterThan(1100);
    assertThat(cluster.runningTasks()).containsExactlyInAnyOrderElementsOf(serving);
    assertThat(tasksOn("agent-0")).isEmpty();
    assertThat(tasksOn("agent-1")).isEmpty();
    assertThat(tasksOn("agent-2")).containsExactlyInAnyOrderElementsOf(serving);
    assertThat(lastStatuses().values().stream().filter(s -> s == ScheduleStatus.FINISHED)).hasSize(started - 2);
    assertThat(lastStatuses().values().stream().filter(s -> s == ScheduleStatus.FAILED)).hasSize(launched - started);
  }

  @Test
  void aTaskKilledBeforeItStartsReportsNothingMore() {
    List<TaskId> ids = launch("agent-0", 2);
    cluster.kill(ids.get(0));
    loop.advance(Duration.ofSeconds(3));

    List<ScheduleStatus> first = statuses.stream().filter(s -> s.taskId().equals(ids.get(0)))
        .map(TaskStatus::state).collect(Collectors.toList());
    assertThat(first).containsExactly(ScheduleStatus.KILLED);
    assertThat(lastStatuses().get(ids.get(1))).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(tasksOn("agent-0")).containsExactly(ids.get(1));
  }

  @Test
  void aLostAgentTakesItsTasksAndComesBackEmpty() {
    List<TaskId> a0 = launch("agent-0", 2);
    List<TaskId> a1 = launch("agent-1", 1);
    loop.advance(Duration.ofSeconds(3));

    cluster.loseAgent("agent-0");
    loop.runUntilIdle();
    assertThat(tasksOn("agent-0")).isEmpty();
    assertThat(cluster.runningTasks()).containsExactlyElementsOf(a1);
    assertThat(cluster.agentOf(a0.get(0))).isEmpty();

    statuses.clear();
    cluster.reconcile(Set.of(a0.get(0), a1.get(0)));
    assertThat(lastStatuses()).isEqualTo(Map.of(a0.get(0), ScheduleStatus.LOST, a1.get(0), ScheduleStatus.RUNNING));

    cluster.restoreAgent("agent-0");
    loop.runUntilIdle();
    List<TaskId> again = launch("agent-0", 1);
    assertThat(tasksOn("agent-0")).containsExactlyElementsOf(again);
    assertThat(cluster.runningTasks()).containsExactlyInAnyOrder(a1.get(0), again.get(0));
  }

  @Test
  void reconciliationReportsEveryRunningTaskAgentByAgentInLaunchOrder() {
    List<TaskId> a1 = launch("agent-1", 2);
    List<TaskId> a0 = launch("agent-0", 2);
    loop.advance(Duration.ofSeconds(3));
    List<TaskId> starting = launch("agent-0", 1);
    cluster.kill(a0.get(0));
    loop.runUntilIdle();

    statuses.clear();
    cluster.reconcile(Set.of());
    assertThat(statuses).extracting(TaskStatus::taskId).containsExactly(a0.get(1), starting.get(0), a1.get(0), a1.get(1));
    assertThat(lastStatuses()).containsEntry(starting.get(0), ScheduleStatus.STARTING)
        .containsEntry(a0.get(1), ScheduleStatus.RUNNING);
  }

  @Test
  void aPartitionedAgentsTasksAreReportedUnreachableInLaunchOrderAndAgainWhenItHeals() {
    List<TaskId> ids = launch("agent-2", 3);
    loop.advance(Duration.ofSeconds(3));
    cluster.kill(ids.get(1));
    loop.runUntilIdle();

    statuses.clear();
    cluster.partitionAgent("agent-2");
    assertThat(statuses).extracting(TaskStatus::taskId).containsExactly(ids.get(0), ids.get(2));
    cluster.killTask(ids.get(0)); // runs on, held back until the partition heals
    assertThat(tasksOn("agent-2")).containsExactly(ids.get(2));

    statuses.clear();
    cluster.healAgent("agent-2");
    assertThat(statuses).extracting(s -> s.taskId() + " " + s.state())
        .containsExactly(ids.get(0) + " KILLED", ids.get(2) + " RUNNING");
  }
}
