package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The masters found in ZooKeeper as Mesos registers them ({@code json.info_<seq>} nodes, lowest
 * sequence leads), on a real ZooKeeper (curator-test), and a backend that follows a change of leader.
 */
class ZooKeeperMasterDetectorTest {
  TestingServer zk;
  CuratorFramework client;

  @BeforeEach
  void start() throws Exception {
    zk = new TestingServer(true);
    client = CuratorFrameworkFactory.builder().connectString(zk.getConnectString()).sessionTimeoutMs(10_000)
        .connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    client.start();
    assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    zk.close();
  }

  /** Registers a master as Mesos does: an ephemeral sequential node with its MasterInfo as JSON. */
  String register(URI master) throws Exception {
    String json = "{\"address\":{\"ip\":\"" + master.getHost() + "\",\"port\":" + master.getPort() + "},"
        + "\"hostname\":\"not-this-one\",\"port\":" + master.getPort() + ",\"id\":\"m-" + master.getPort() + "\","
        + "\"pid\":\"master@" + master.getHost() + ":" + master.getPort() + "\",\"version\":\"1.11.0\"}";
    return client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath("/mesos/json.info_", json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theMasterWithTheLowestSequenceLeadsAndALeaderChangeIsFollowed() throws Exception {
    URI a = URI.create("http://127.0.0.1:5050");
    URI b = URI.create("http://127.0.0.1:5051");
    String nodeA = register(a);
    register(b);
    // what is not a master's node is ignored, and a node that holds no MasterInfo is skipped
    client.create().forPath("/mesos/log_replicas", new byte[0]);
    client.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/mesos/json.info_", "{not json".getBytes());

    try (ZooKeeperMasterDetector detector = ZooKeeperMasterDetector.builder().client(client, "/mesos").build()) {
      assertThat(detector.masters()).containsExactly(a, b);
      int[] changes = new int[1];
      detector.watch(() -> {
        synchronized (changes) {
          changes[0]++;
        }
      });

      client.delete().forPath(nodeA);

      Await.until("the detector names the next master", () -> detector.masters().equals(List.of(b)));
      Await.until("the backend told of the change", () -> {
        synchronized (changes) {
          return changes[0] == 1;
        }
      });
    }
  }

  @Test
  void theBackendSubscribesToTheNewLeaderAsTheSameFramework() throws Exception {
    try (FakeMesosMaster first = FakeMesosMaster.builder().agents(1).build();
        FakeMesosMaster second = FakeMesosMaster.builder().agents(1).build();
        ZooKeeperMasterDetector detector = ZooKeeperMasterDetector.builder().client(client, "/mesos").build()) {
      String firstNode = register(first.leader());
      register(second.leader());
      Harness.Recorder recorder = new Harness.Recorder();
      MesosBackend backend = MesosBackend.builder().masters(detector).frameworkIds(FrameworkIdStore.inMemory())
          .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
      try {
        backend.start(recorder);
        Await.until("subscribed to the first master", () -> backend.subscribed() && first.connected());
        String framework = backend.frameworkId().orElseThrow();

        // the first master loses its leadership (its node goes), though it still answers
        client.delete().forPath(firstNode);

        Await.until("subscribed to the new leader", () -> second.connected() && backend.subscribed());
        assertThat(second.subscriptions().get(0).getId().getValue()).isEqualTo(framework);
        assertThat(backend.frameworkId()).contains(framework);
        Await.until("the stream of the old leader dropped", () -> !first.connected());
        assertThat(first.violations()).isEmpty();
        assertThat(second.violations()).isEmpty();
      } finally {
        backend.close();
      }
    }
  }

  @Test
  void theBackendWaitsForAMasterToRegister() throws Exception {
    try (FakeMesosMaster master = FakeMesosMaster.builder().agents(1).build();
        ZooKeeperMasterDetector detector = ZooKeeperMasterDetector.builder()
            .connect("zk://" + zk.getConnectString() + "/mesos").build()) {
      assertThatThrownBy(detector::masters).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no Mesos master registered in ZooKeeper under /mesos");
      MesosBackend backend = MesosBackend.builder().masters(detector).frameworkIds(FrameworkIdStore.inMemory())
          .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
      try {
        backend.start(new Harness.Recorder());
        register(master.leader());
        Await.until("subscribed once a master registered", backend::subscribed);
      } finally {
        backend.close();
      }
    }
  }

  @Test
  void badSettingsAreNamedAtOnce() {
    assertThatThrownBy(() -> ZooKeeperMasterDetector.builder().connect("http://zk:2181").scheme("ftp").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connect: 'http://zk:2181' is no zk://")
        .hasMessageContaining("scheme: 'ftp'");
    assertThatThrownBy(() -> ZooKeeperMasterDetector.builder().build())
        .hasMessageContaining("give either client(client, path) or connect(zk://...)");
  }
}
