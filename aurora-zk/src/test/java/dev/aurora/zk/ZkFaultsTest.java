package dev.aurora.zk;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.LeaderElection;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.zk.internal.Frames;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults around ZooKeeper: unreachable at start, a session lost while leading, a deposed writer, damaged
 * or newer znodes. Each gives a clear error; nothing is half-recovered; a leader that loses ZooKeeper
 * stops scheduling, keeps its tasks, and resumes when it returns.
 */
class ZkFaultsTest {
  private static final AtomicInteger PATHS = new AtomicInteger();
  private TestingServer server;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final String path = "/faults-" + PATHS.incrementAndGet();

  @BeforeEach
  void start() throws Exception {
    server = new TestingServer(true);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    server.close();
  }

  private ZooKeeperConnection connect() {
    ZooKeeperConnection zk = ZooKeeperConnection.builder(server.getConnectString()).sessionTimeout(Duration.ofSeconds(4))
        .connect();
    closing.add(zk);
    return zk;
  }

  /** An election over its own session, started, awaited until it leads or follows. */
  private ZkLeaderElection elect(ZooKeeperConnection zk, String address) {
    ZkLeaderElection e = ZkLeaderElection.builder(zk).path(path + "/leader").address(address).build();
    closing.add(e);
    e.start(new LeaderElection.Listener() {
      @Override
      public void elected() {}

      @Override
      public void deposed() {}
    });
    return e;
  }

  private static List<Op> ops(String id) {
    return List.of(new Op.RemoveTasks(List.of(TaskId.of(id))));
  }

  @Test
  void zooKeeperUnreachableAtStartIsAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    assertThatThrownBy(() -> ZooKeeperConnection.builder("127.0.0.1:" + port).connectTimeout(Duration.ofSeconds(1))
        .connect())
        .isInstanceOf(ZooKeeperConnection.ZooKeeperUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("could not be reached within PT1S");
  }

  @Test
  void aDeposedLeaderCanNeverAppend() throws Exception {
    ZooKeeperConnection zkA = connect();
    ZkLeaderElection a = elect(zkA, "a:1");
    HaRig.await("a leads", a::isLeader);
    ZkStorage storageA = ZkStorage.builder(zkA).path(path + "/state").fencedBy(a).build();
    storageA.recover();
    storageA.append(ops("acknowledged"));

    ZooKeeperConnection zkB = connect();
    ZkLeaderElection b = elect(zkB, "b:1");
    KillSession.kill(zkA.curator().getZookeeperClient().getZooKeeper());
    HaRig.await("b leads", b::isLeader);

    assertThatThrownBy(() -> storageA.append(ops("from-the-deposed-leader"))).isInstanceOf(StorageException.class)
        .hasMessageContaining("refused");
    ZkStorage storageB = ZkStorage.builder(zkB).path(path + "/state").fencedBy(b).build();
    assertThat(storageB.recover().log()).containsExactlyElementsOf(ops("acknowledged"));
    storageB.append(ops("from-the-new-leader"));
  }

  @Test
  void aFencedStorageRefusesWritesWhileItsSchedulerDoesNotLead() {
    ZooKeeperConnection zk = connect();
    ZkLeaderElection notStarted = ZkLeaderElection.builder(zk).path(path + "/leader").build();
    ZkStorage storage = ZkStorage.builder(zk).path(path + "/state").fencedBy(notStarted).build();
    storage.recover();
    assertThatThrownBy(() -> storage.append(ops("x"))).isInstanceOf(StorageException.class)
        .hasMessageContaining("not the leader");
    assertThat(storage.recover().log()).isEmpty();
  }

  @Test
  void aBatchLargerThanAZnodeIsWrittenInPartsAndRecoveredWhole() {
    ZooKeeperConnection zk = connect();
    List<Op> big = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      big.add(new Op.RemoveTasks(List.of(TaskId.of("task-" + i + "-" + Integer.toHexString(i * 7919)))));
    }
    ZkStorage s = ZkStorage.builder(zk).path(path + "/state").maxZnodeBytes(1024).build();
    s.recover();
    s.append(big);
    s.append(ops("after"));
    List<Op> expected = new ArrayList<>(big);
    expected.addAll(ops("after"));
    assertThat(ZkStorage.builder(zk).path(path + "/state").build().recover().log()).containsExactlyElementsOf(expected);
  }

  @Test
  void aBatchCutShortByItsWriterIsDroppedAndLaterBatchesKept() throws Exception {
    ZooKeeperConnection zk = connect();
    ZkStorage s = ZkStorage.builder(zk).path(path + "/state").build();
    s.recover();
    s.append(ops("first"));
    String bucket = path + "/state/log/" + zk.curator().getChildren().forPath(path + "/state/log").get(0);
    List<byte[]> frames = Frames.encode(Frames.LOG, ops("never-acknowledged"), 8);
    assertThat(frames.size()).isGreaterThan(1);
    zk.curator().create().withMode(org.apache.zookeeper.CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath(bucket + "/batch-", frames.get(0)); // its writer stopped after the first part

    ZkStorage next = ZkStorage.builder(zk).path(path + "/state").build();
    assertThat(next.recover().log()).containsExactlyElementsOf(ops("first"));
    next.append(ops("second"));
    List<Op> expected = new ArrayList<>(ops("first"));
    expected.addAll(ops("second"));
    assertThat(ZkStorage.builder(zk).path(path + "/state").build().recover().log()).containsExactlyElementsOf(expected);
  }

  @Test
  void aCorruptZnodeFailsRecoveryNamingIt() throws Exception {
    ZooKeeperConnection zk = connect();
    ZkStorage s = ZkStorage.builder(zk).path(path + "/state").build();
    s.recover();
    s.append(ops("1"));
    s.append(ops("2"));
    String bucket = path + "/state/log/" + zk.curator().getChildren().forPath(path + "/state/log").get(0);
    String second = bucket + "/" + zk.curator().getChildren().forPath(bucket).stream().sorted().toList().get(1);
    byte[] data = zk.curator().getData().forPath(second);
    data[data.length - 1] ^= 0x5a;
    zk.curator().setData().forPath(second, data);

    assertThatThrownBy(() -> ZkStorage.builder(zk).path(path + "/state").build().recover())
        .isInstanceOf(StorageException.class)
        .hasMessageContaining(second).hasMessageContaining("checksum").hasMessageContaining("Nothing was recovered");
  }

  @Test
  void aSnapshotOfANewerFormatIsRefused() throws Exception {
    ZooKeeperConnection zk = connect();
    ZkStorage s = ZkStorage.builder(zk).path(path + "/state").build();
    s.recover();
    s.snapshot(ops("snap"));
    zk.curator().setData().forPath(path + "/state/meta", "{\"format\":3,\"snapshot\":0,\"chunks\":1}"
        .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> ZkStorage.builder(zk).path(path + "/state").build().recover())
        .isInstanceOf(StorageException.class).hasMessageContaining("format 3, newer than");
  }

  @Test
  void aSnapshotWrittenInTheFirstFormatIsStillRecovered() throws Exception {
    ZooKeeperConnection zk = connect();
    String state = path + "/state";
    ZkStorage s = ZkStorage.builder(zk).path(state).build();
    s.recover();
    List<Op> snapshot = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      snapshot.addAll(ops("old-" + i));
    }
    // what releases before format 2 wrote: the snapshot one deflated JSON array, cut into "AZS1" chunks
    List<byte[]> chunks = Frames.encode(Frames.SNAPSHOT_V1, snapshot, 4 * 1024);
    zk.curator().create().creatingParentsIfNeeded().forPath(state + "/snapshots/gen-0");
    for (int i = 0; i < chunks.size(); i++) {
      zk.curator().create().forPath(state + "/snapshots/gen-0/" + String.format("chunk-%06d", i), chunks.get(i));
    }
    zk.curator().create().forPath(state + "/meta", ("{\"format\":1,\"snapshot\":0,\"chunks\":" + chunks.size()
        + ",\"ops\":3000,\"afterBucket\":-1,\"afterBatch\":-1}").getBytes(StandardCharsets.UTF_8));

    ZkStorage reader = ZkStorage.builder(zk).path(state).build();
    assertThat(reader.recover().snapshot()).isEqualTo(snapshot);
    reader.append(ops("after"));
    reader.snapshot(snapshot.subList(0, 10)); // the next snapshot is written in the current format
    assertThat(new String(zk.curator().getData().forPath(state + "/meta"), StandardCharsets.UTF_8))
        .contains("\"format\":2");
    assertThat(ZkStorage.builder(zk).path(state).build().recover().snapshot()).isEqualTo(snapshot.subList(0, 10));
  }

  @Test
  void aSnapshotOfManySegmentsAcrossChunksIsRecoveredWhole() throws Exception {
    ZooKeeperConnection zk = connect();
    ZkStorage s = ZkStorage.builder(zk).path(path + "/state").maxZnodeBytes(4 * 1024).build();
    s.recover();
    List<Op> snapshot = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      snapshot.addAll(ops("task-" + i));
    }
    s.snapshot(snapshot);
    assertThat(zk.curator().getChildren().forPath(path + "/state/snapshots/gen-0")).hasSizeGreaterThan(2);
    assertThat(ZkStorage.builder(zk).path(path + "/state").build().recover().snapshot()).isEqualTo(snapshot);
  }

  @Test
  void aSchedulerWhoseStorageIsDamagedNeverSchedulesHalfRecovered() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 2);
    try (HaRig rig = new HaRig(path)) {
      rig.add(server.getConnectString(), Duration.ofSeconds(4));
      rig.onLeader(s -> {
        s.createJob(job, TEST_PRINCIPAL);
        return null;
      });
      rig.awaitRunning(job, 2);
    }
    ZooKeeperConnection zk = connect();
    String log = path + "/state/log";
    String bucket = log + "/" + zk.curator().getChildren().forPath(log).get(0);
    String first = bucket + "/" + zk.curator().getChildren().forPath(bucket).stream().sorted().toList().get(0);
    zk.curator().setData().forPath(first, "garbage".getBytes(StandardCharsets.UTF_8));

    try (HaRig rig = new HaRig(path)) {
      HaRig.Node n = rig.add(server.getConnectString(), Duration.ofSeconds(4));
      HaRig.await("the election was tried and left", () -> !n.election().isLeader()
          && isStopped(n));
      assertThat(n.scheduler().isLeader()).isFalse();
      assertThatThrownBy(() -> n.scheduler().jobs()).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("could not recover").hasMessageContaining(first);
      assertThat(rig.runningOnCluster()).isEmpty(); // nothing was launched or killed
    }
  }

  private static boolean isStopped(HaRig.Node n) {
    try {
      n.scheduler().jobs();
      return false;
    } catch (IllegalStateException e) {
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Test
  void aLeaderThatLosesZooKeeperStopsKeepsItsTasksAndResumesWhenItReturns() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 3);
    try (TcpProxy proxy = new TcpProxy(server.getPort()); HaRig rig = new HaRig(path)) {
      HaRig.Node n = rig.add("127.0.0.1:" + proxy.port(), Duration.ofSeconds(4), false);
      rig.onLeader(s -> {
        s.createJob(job, TEST_PRINCIPAL);
        return null;
      });
      Set<TaskId> before = rig.awaitRunning(job, 3).stream().map(ScheduledTask::id).collect(Collectors.toSet());

      proxy.cut();
      HaRig.await("the leader stops scheduling", () -> !n.scheduler().isLeader());
      TaskId victim = before.iterator().next();
      rig.killOnCluster(victim); // nobody schedules: it is not replaced
      assertThat(rig.runningOnCluster()).hasSize(2).isSubsetOf(before);

      proxy.heal();
      List<ScheduledTask> running = rig.awaitRunning(job, 3, Set.of(victim));
      assertThat(running).extracting(ScheduledTask::id).doesNotContain(victim)
          .containsAll(before.stream().filter(id -> !id.equals(victim)).toList());
      rig.assertNoInstanceRunsTwice();
    }
  }
}
