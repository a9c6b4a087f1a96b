package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@code Scheduler} on the Mesos backend survives each fault of the fake master: every service is
 * back at its instance count and no instance runs twice.
 */
class SchedulerOnMesosTest {
  static final JobConfig SERVICE = Job.service("www/prod/hello").instances(4)
      .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
      .build();

  enum Fault {
    DROPPED_CONNECTION(t -> t.master.dropConnection()),
    MISSED_HEARTBEATS(t -> {
      t.master.stopHeartbeats();
      Await.until("a missed heartbeat", () -> t.registry.counter("aurora.mesos.heartbeats.missed").count() >= 1);
      t.master.resumeHeartbeats();
    }),
    FAILOVER(t -> t.master.failover()),
    DUPLICATE_UPDATES(t -> {
      t.master.duplicateUpdates(true);
      t.killOneOnTheAgent();
    }),
    RETRIES_CROSSING_THEIR_ACKNOWLEDGEMENTS(t -> {
      t.master.resendOnAcknowledge(6);
      t.killOneOnTheAgent();
    }),
    REORDERED_UPDATES(t -> {
      t.master.reorderUpdates(true);
      t.killOneOnTheAgent();
    }),
    LOST_UPDATES(t -> {
      t.master.loseUpdates(3);
      t.killOneOnTheAgent();
    }),
    RESCINDED_OFFERS(t -> {
      t.master.rescindOffers();
      t.killOneOnTheAgent();
    }),
    AGENT_LOSS(t -> t.master.loseAgent(t.master.agentOf(t.master.activeTasks().iterator().next()).orElseThrow())),
    /** Replaced at once (the default policy), then back: the old tasks are killed on their agent. */
    PARTITION_AND_HEAL(t -> {
      String agent = t.master.agentOf(t.master.activeTasks().iterator().next()).orElseThrow();
      long cut = t.master.activeTasks().stream().filter(id -> agent.equals(t.master.agentOf(id).orElseThrow())).count();
      t.master.partitionAgent(agent);
      Await.until("replacements launched", () -> t.master.launchedCount() >= 4 + cut);
      t.master.healAgent(agent);
    }),
    A_TASK_THAT_NEVER_REPORTS(t -> {
      t.master.behave(info -> true, FakeMesosMaster.Script.NEVER_REPORT);
      t.killOneOnTheAgent();
      Await.until("its replacement launched", () -> t.master.launchedCount() >= 6);
      t.master.behave(info -> true, FakeMesosMaster.Script.RUN_FOREVER);
    }),
    SCHEDULER_RESTART_WITH_THE_OLD_FRAMEWORK_ID(t -> {
      t.scheduler.close();
      t.startScheduler();
    });

    final Consumer<SchedulerOnMesosTest> apply;

    Fault(Consumer<SchedulerOnMesosTest> apply) {
      this.apply = apply;
    }
  }

  FakeMesosMaster master;
  final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  final FrameworkIdStore ids = FrameworkIdStore.inMemory();
  final Storage storage = Storage.inMemory();
  Scheduler scheduler;

  @BeforeEach
  void start() {
    master = FakeMesosMaster.builder().masters(2).agents(4).updateRetry(Duration.ofMillis(200)).build();
    startScheduler();
  }

  void startScheduler() {
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(ids).meterRegistry(registry)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).stuckTaskTimeout(Duration.ofMillis(500))
        .leftoverRefusal(Duration.ofMillis(50)).build();
    StateLoop loop = StateLoop.singleThread(Clock.systemUTC());
    scheduler = Scheduler.builder().loop(loop).backend(backend).storage(Failover.keepOpen(storage))
        .offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100))
        .flapping(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(50)).build();
    scheduler.start();
  }

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
    storage.close();
    master.close();
  }

  /** A running task ends on its agent (so the scheduler has to place a replacement through the fault). */
  void killOneOnTheAgent() {
    master.failTask(master.activeTasks().iterator().next(), "crashed");
  }

  long running() {
    return scheduler.tasks(TaskQuery.job(SERVICE.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING)
        .count();
  }

  void awaitServiceWhole() {
    Await.value("4 instances running, each once", () -> {
      Map<String, Integer> byInstance = master.activeByName();
      boolean whole = running() == 4 && byInstance.size() == 4
          && byInstance.values().stream().allMatch(n -> n == 1)
          && master.activeTasks().stream().allMatch(id -> master.state(id).orElseThrow() == TaskState.TASK_RUNNING);
      return whole ? java.util.Optional.of(true) : java.util.Optional.empty();
    }, Duration.ofSeconds(20));
  }

  @Test
  void theMasterStopsOfferingWhileNothingIsPendingAndOffersAgainWhenAJobArrives() {
    Await.until("SUPPRESS with nothing to run", master::suppressed);
    // the offers the scheduler held run out (declined); no new ones come
    Await.until("no offer outstanding", () -> master.outstandingOffers() == 0);

    scheduler.createJob(SERVICE, Principal.of("test"));
    Await.until("REVIVE for the new job", () -> master.callCount(Call.Type.REVIVE) == 1);
    awaitServiceWhole();
    Await.until("SUPPRESS once every task runs", master::suppressed);

    assertThat(master.callCount(Call.Type.SUPPRESS)).isEqualTo(2);
    assertThat(master.callCount(Call.Type.REVIVE)).isEqualTo(1);
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aFrameworkWithNothingPendingSuppressesAgainAfterResubscribing() {
    Await.until("SUPPRESS with nothing to run", master::suppressed);

    master.failover();

    Await.until("subscribed to the new leader", () -> master.subscriptions().size() == 2);
    Await.until("SUPPRESS sent again to the new subscription", master::suppressed);
    assertThat(master.callCount(Call.Type.SUPPRESS)).isEqualTo(2);
    assertThat(master.violations()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void theServiceIsBackAtItsInstanceCountWithNoInstanceRunTwice(Fault fault) {
    scheduler.createJob(SERVICE, Principal.of("test"));
    awaitServiceWhole();

    fault.apply.accept(this);

    awaitServiceWhole();
    assertThat(master.violations()).isEmpty();
  }
}
