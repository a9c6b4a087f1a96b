package dev.aurora.zk;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ServerSetAnnouncer} on the simulated cluster, against a real ZooKeeper (curator-test). */
class ServerSetAnnouncerTest {
  private static final Duration BOUND = ZkTesting.BOUND;
  private static TestingServer server;

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4);

  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private CuratorFramework schedulerZk;
  private CuratorFramework clientZk;

  static final JobConfig WEB = Job.service("www-data/prod/hello").instances(2)
      .task(t -> t.process("server", "./hello --port {{port.http}}").cpus(1).ramMb(128).port("http", "admin"))
      .announce("http", "/aurora")
      .build();
  static final String WEB_PATH = "/aurora/www-data/prod/hello";

  @BeforeAll
  static void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopZooKeeper() throws Exception {
    server.close();
  }

  @BeforeEach
  void clients() throws Exception {
    schedulerZk = ZkTesting.client(server.getConnectString());
    clientZk = ZkTesting.client(server.getConnectString());
    schedulerZk.delete().quietly().deletingChildrenIfNeeded().forPath("/aurora");
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
    schedulerZk.close();
    clientZk.close();
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeAfter.add(c);
    return c;
  }

  private ServerSetAnnouncer announcer() {
    return closing(ServerSetAnnouncer.start(aurora.scheduler(), schedulerZk));
  }

  private ServerSetWatcher watch(String path) {
    return closing(ServerSetWatcher.watch(clientZk, path));
  }

  private static void flush(ServerSetAnnouncer a) throws Exception {
    a.flush().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void runningTaskIsAnnouncedAsAFinagleServerSetMember() throws Exception {
    announcer();
    ServerSetWatcher watcher = watch(WEB_PATH);
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    List<ServerSetMember> members = watcher.await(m -> m.size() == 2, BOUND);

    List<ScheduledTask> running = aurora.running(WEB.key());
    assertThat(running).hasSize(2);
    for (ScheduledTask t : running) {
      ServerSetMember m = members.get(t.instance());
      String host = t.host().orElseThrow();
      assertThat(m.serviceEndpoint()).isEqualTo(new ServerSetMember.Endpoint(host, t.ports().get("http")));
      assertThat(m.additionalEndpoints()).isEqualTo(Map.of(
          "http", new ServerSetMember.Endpoint(host, t.ports().get("http")),
          "admin", new ServerSetMember.Endpoint(host, t.ports().get("admin"))));
      assertThat(m.status()).isEqualTo("ALIVE");
      assertThat(m.shard()).contains(t.instance());
      assertThat(m.name()).matches("member_\\d{10}");
      // the exact JSON Aurora's executor writes, and an ephemeral znode
      Stat stat = new Stat();
      JsonNode json = new ObjectMapper().readTree(
          clientZk.getData().storingStatIn(stat).forPath(WEB_PATH + "/" + m.name()));
      assertThat(json.get("serviceEndpoint").get("host").asText()).isEqualTo(host);
      assertThat(json.get("serviceEndpoint").get("port").asInt()).isEqualTo(t.ports().get("http"));
      assertThat(json.get("status").asText()).isEqualTo("ALIVE");
      assertThat(json.get("shard").asInt()).isEqualTo(t.instance());
      assertThat(stat.getEphemeralOwner()).isEqualTo(schedulerZk.getZookeeperClient().getZooKeeper().getSessionId());
    }
  }

  @Test
  void jobWithoutAnnounceIsNotAnnounced() throws Exception {
    ServerSetAnnouncer announcer = announcer();
    JobConfig quiet = Job.service("www-data/prod/quiet")
        .task(t -> t.process("server", "./quiet").cpus(1).ramMb(128).port("http")).build();
    aurora.scheduler().createJob(quiet, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(quiet.key())).hasSize(1);

    flush(announcer);

    assertThat(announcer.announcedCount()).isZero();
    assertThat(clientZk.checkExists().forPath("/aurora")).isNull();
  }

  @Test
  void taskWithHealthCheckIsAnnouncedOnlyWhileHealthy() throws Exception {
    ServerSetAnnouncer announcer = announcer();
    ServerSetWatcher watcher = watch(WEB_PATH);
    JobConfig checked = Job.service("www-data/prod/hello").instances(1)
        .task(t -> t.process("server", "./hello --port {{port.http}}").cpus(1).ramMb(128).port("http", "admin")
            .healthCheck(HealthCheck.http("admin", "/health")))
        .announce("http", "/aurora")
        .build();
    aurora.cluster().behave(checked.key(), TaskBehavior.unhealthy());
    aurora.scheduler().createJob(checked, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask task = aurora.running(checked.key()).get(0);
    assertThat(task.healthy()).contains(false);

    flush(announcer);
    watcher.awaitInitialized(BOUND);
    assertThat(announcer.announcedCount()).isZero();
    assertThat(watcher.members()).isEmpty();

    aurora.cluster().setHealthy(task.id(), true);
    aurora.runUntilIdle();
    assertThat(watcher.await(m -> m.size() == 1, BOUND).get(0).shard()).contains(0);

    aurora.cluster().setHealthy(task.id(), false);
    aurora.runUntilIdle();
    watcher.await(List::isEmpty, BOUND);
    assertThat(aurora.running(checked.key())).extracting(ScheduledTask::id).containsExactly(task.id());
  }

  @Test
  void memberIsRemovedAsSoonAsTheTaskStopsRunning() throws Exception {
    announcer();
    ServerSetWatcher watcher = watch(WEB_PATH);
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    watcher.await(m -> m.size() == 2, BOUND);

    aurora.scheduler().killInstances(WEB.key(), Set.of(1), TEST_PRINCIPAL);

    // removed while the kill is still on its way (the cluster has not confirmed it)
    assertThat(watcher.await(m -> m.size() == 1, BOUND).get(0).shard()).contains(0);
    assertThat(aurora.tasks(WEB.key())).extracting(ScheduledTask::status).contains(ScheduleStatus.KILLING);
  }

  @Test
  void replacedTaskIsAnnouncedAgainUnderItsNewPorts() throws Exception {
    announcer();
    ServerSetWatcher watcher = watch(WEB_PATH);
    aurora.scheduler().createJob(WEB.withInstances(1), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    String first = watcher.await(m -> m.size() == 1, BOUND).get(0).name();

    aurora.cluster().failTask(aurora.running(WEB.key()).get(0).id(), "crashed");
    aurora.runUntilIdle();
    aurora.advance(Duration.ofMinutes(5)); // past any flapping penalty
    aurora.runUntilIdle();
    ScheduledTask replacement = aurora.running(WEB.key()).get(0);

    ServerSetMember m = watcher.await(l -> l.size() == 1 && !l.get(0).name().equals(first), BOUND).get(0);
    assertThat(m.serviceEndpoint().port()).isEqualTo(replacement.ports().get("http"));
  }

  @Test
  void tasksAlreadyRunningAreAnnouncedWhenTheAnnouncerStarts() throws Exception {
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ServerSetWatcher watcher = watch(WEB_PATH);

    announcer();

    assertThat(watcher.await(m -> m.size() == 2, BOUND)).extracting(m -> m.shard().orElseThrow())
        .containsExactly(0, 1);
  }

  @Test
  void membersComeBackAfterAZooKeeperSessionLoss() throws Exception {
    announcer();
    ServerSetWatcher watcher = watch(WEB_PATH);
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    watcher.await(m -> m.size() == 2, BOUND);
    long oldSession = schedulerZk.getZookeeperClient().getZooKeeper().getSessionId();
    assertThat(owners(watcher.members())).containsOnly(oldSession);

    expireSession(schedulerZk); // on the server: its ephemeral members are deleted

    List<ServerSetMember> after = watcher.await(m -> m.size() == 2 && !owners(m).contains(oldSession)
        && !owners(m).contains(0L), BOUND);
    assertThat(after).extracting(m -> m.shard().orElseThrow()).containsExactly(0, 1);
    assertThat(owners(after)).containsOnly(schedulerZk.getZookeeperClient().getZooKeeper().getSessionId());
  }

  /** The sessions owning the members' znodes (0 for one gone meanwhile). */
  private Set<Long> owners(List<ServerSetMember> members) {
    Set<Long> owners = new java.util.HashSet<>();
    for (ServerSetMember m : members) {
      try {
        Stat stat = clientZk.checkExists().forPath(WEB_PATH + "/" + m.name());
        owners.add(stat == null ? 0L : stat.getEphemeralOwner());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return owners;
  }

  /**
   * Expires a client's session on the server, as a long partition would: a second handle joins the
   * session and closes it.
   */
  private static void expireSession(CuratorFramework client) throws Exception {
    ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
    java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
    ZooKeeper twin = new ZooKeeper(server.getConnectString(), 10_000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
        connected.countDown();
      }
    }, zk.getSessionId(), zk.getSessionPasswd());
    assertThat(connected.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    twin.close();
  }

  @Test
  void announcingANotYetStartedSchedulerIsRefused() {
    try (dev.aurora.core.Scheduler notStarted = dev.aurora.core.Scheduler.builder().backend(aurora.cluster())
        .clock(aurora.clock()).build()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerSetAnnouncer.start(notStarted, schedulerZk))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
    }
  }

  @Test
  void closingTheAnnouncerRemovesItsMembers() throws Exception {
    ServerSetAnnouncer announcer = ServerSetAnnouncer.start(aurora.scheduler(), schedulerZk);
    ServerSetWatcher watcher = watch(WEB_PATH);
    aurora.scheduler().createJob(WEB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    watcher.await(m -> m.size() == 2, BOUND);

    announcer.close();

    watcher.await(List::isEmpty, BOUND);
    assertThat(aurora.running(WEB.key())).hasSize(2);
  }
}
