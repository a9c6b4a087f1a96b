package dev.aurora.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import dev.aurora.mesos.FrameworkIdStore;
import dev.aurora.mesos.MesosBackend;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import dev.aurora.zk.ZkLeaderElection;
import dev.aurora.zk.ZkStorage;
import dev.aurora.zk.ZooKeeperConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.test.TestingServer;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two schedulers in HA mode on ZooKeeper storage (curator-test), each on "its own machine", over one
 * fake Mesos master: when the leader goes, the new leader reads the framework id from the ZooKeeper
 * storage and subscribes as the same framework, so the tasks keep running and are adopted. Here rather
 * than in aurora-zk or aurora-mesos, whose tests may not use each other (aurora-architecture's
 * LayersTest); samples may use every module.
 */
class MesosFrameworkIdOnZooKeeperTest {
  static final JobConfig SERVICE = Job.service("www/prod/hello").instances(4)
      .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
      .build();

  @TempDir
  Path machines;

  TestingServer zkServer;
  FakeMesosMaster master;
  final List<AutoCloseable> open = new ArrayList<>();

  record Node(ZooKeeperConnection zk, Scheduler scheduler) {}

  @BeforeEach
  void start() throws Exception {
    zkServer = new TestingServer(true);
    master = FakeMesosMaster.builder().agents(4).updateRetry(Duration.ofMillis(200)).build();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    master.close();
    zkServer.close();
  }

  Node node(String machine) {
    ZooKeeperConnection zk = ZooKeeperConnection.builder(zkServer.getConnectString())
        .sessionTimeout(Duration.ofSeconds(4)).connectTimeout(Duration.ofSeconds(20)).connect();
    open.add(zk);
    ZkLeaderElection election = ZkLeaderElection.builder(zk).path("/aurora/leader").address(machine + ":8081").build();
    ZkStorage storage = ZkStorage.builder(zk).path("/aurora/state").fencedBy(election).build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris)
        .frameworkIdMigration(FrameworkIdStore.file(machines.resolve(machine).resolve("aurora-framework-id")))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50)).build();
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).leaderElection(election)
        .offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100)).build();
    open.add(scheduler);
    scheduler.start();
    return new Node(zk, scheduler);
  }

  void awaitServiceWhole(Scheduler leader) {
    Await.value("4 instances running, each once", () -> {
      Map<String, Integer> byInstance = master.activeByName();
      long running;
      try {
        running = leader.tasks(TaskQuery.job(SERVICE.key())).stream()
            .filter(t -> t.status() == ScheduleStatus.RUNNING).count();
      } catch (RuntimeException notYet) {
        return Optional.empty(); // elected, still recovering
      }
      boolean whole = running == 4 && byInstance.size() == 4 && byInstance.values().stream().allMatch(n -> n == 1);
      return whole ? Optional.of(true) : Optional.empty();
    }, Duration.ofSeconds(30));
  }

  @Test
  void theNewLeaderSubscribesWithTheOldLeadersFrameworkIdAndAdoptsItsTasks() throws Exception {
    Node a = node("machine-a");
    Await.until("machine-a leads", () -> a.scheduler().isLeader());
    Node b = node("machine-b");
    Await.until("machine-a schedules", () -> {
      try {
        a.scheduler().jobs();
        return true;
      } catch (RuntimeException e) {
        return false;
      }
    });
    a.scheduler().createJob(SERVICE, Principal.of("test"));
    awaitServiceWhole(a.scheduler());
    String frameworkId = master.frameworkId().orElseThrow();
    Set<String> tasks = master.activeTasks();

    a.scheduler().close(); // machine-a goes; its tasks keep running on Mesos
    a.zk().close();
    open.remove(a.scheduler());
    open.remove(a.zk());

    Await.until("machine-b leads", () -> b.scheduler().isLeader());
    Await.until("machine-b subscribed", () -> master.subscriptions().size() == 2);
    FrameworkInfo again = master.subscriptions().get(1);
    assertThat(again.hasId()).as("the new leader subscribes with the id in the ZooKeeper storage").isTrue();
    assertThat(again.getId().getValue()).isEqualTo(frameworkId);
    awaitServiceWhole(b.scheduler());
    assertThat(master.activeTasks()).as("the same tasks: none killed, none run twice").isEqualTo(tasks);
    assertThat(master.launchedCount()).isEqualTo(4);
    assertThat(master.violations()).isEmpty();
  }
}
