package dev.aurora.zk;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.zk.ServerSetMember.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerSetWatcher} against a real ZooKeeper (curator-test), reading members as Aurora's executor,
 * Finagle and our announcer write them.
 */
class ServerSetWatcherTest {
  private static final Duration BOUND = ZkTesting.BOUND;
  private static final String PATH = "/aurora/www-data/prod/hello";
  private static TestingServer server;
  private CuratorFramework zk;
  private ServerSetWatcher watcher;

  /** As Aurora's Thermos executor writes it (docs/features/service-discovery.md of Apache Aurora). */
  static final String AURORA = """
      {"additionalEndpoints":{"aurora":{"host":"192.168.33.7","port":15345},
       "health":{"host":"192.168.33.7","port":15345},"http":{"host":"192.168.33.7","port":15345}},
       "serviceEndpoint":{"host":"192.168.33.7","port":15345},"shard":0,"status":"ALIVE"}""";

  /** As Finagle's ZkAnnouncer writes it, with a memberId and metadata. */
  static final String FINAGLE = """
      {"serviceEndpoint":{"host":"10.0.1.5","port":8080},
       "additionalEndpoints":{"admin":{"host":"10.0.1.5","port":9990}},
       "status":"ALIVE","shard":1,"memberId":"10.0.1.5:8080","metadata":{"zone":"a"}}""";

  /** As ServerSetAnnouncer writes it. */
  static final String OURS = """
      {"serviceEndpoint":{"host":"host-2","port":31001},"additionalEndpoints":{"http":{"host":"host-2","port":31001},
       "admin":{"host":"host-2","port":31002}},"status":"ALIVE","shard":2}""";

  @BeforeAll
  static void startZooKeeper() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopZooKeeper() throws Exception {
    server.close();
  }

  @BeforeEach
  void connect() throws Exception {
    zk = ZkTesting.client(server.getConnectString());
    zk.delete().quietly().deletingChildrenIfNeeded().forPath("/aurora");
  }

  @AfterEach
  void close() {
    if (watcher != null) {
      watcher.close();
    }
    zk.close();
  }

  private String member(String json) throws Exception {
    return zk.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
        .forPath(PATH + "/member_", json.getBytes(UTF_8));
  }

  @Test
  void readsMembersWrittenByAuroraFinagleAndTheAnnouncer() throws Exception {
    member(FINAGLE);
    member(AURORA);
    member(OURS);

    watcher = ServerSetWatcher.watch(zk, PATH);
    watcher.awaitInitialized(BOUND);

    List<ServerSetMember> members = watcher.members();
    assertThat(members).extracting(m -> m.shard().orElseThrow()).containsExactly(0, 1, 2);
    ServerSetMember aurora = members.get(0);
    assertThat(aurora.serviceEndpoint()).isEqualTo(new Endpoint("192.168.33.7", 15345));
    assertThat(aurora.additionalEndpoints()).containsOnlyKeys("aurora", "health", "http");
    assertThat(aurora.isAlive()).isTrue();
    assertThat(aurora.memberId()).isEmpty();
    ServerSetMember finagle = members.get(1);
    assertThat(finagle.serviceEndpoint()).isEqualTo(new Endpoint("10.0.1.5", 8080));
    assertThat(finagle.endpoint("admin")).contains(new Endpoint("10.0.1.5", 9990));
    assertThat(finagle.memberId()).contains("10.0.1.5:8080");
    ServerSetMember ours = members.get(2);
    assertThat(ours.additionalEndpoints()).isEqualTo(Map.of(
        "http", new Endpoint("host-2", 31001), "admin", new Endpoint("host-2", 31002)));
    assertThat(members).allSatisfy(m -> assertThat(m.name()).matches("member_\\d{10}"));
  }

  @Test
  void listenersSeeEveryChangeAsANewImmutableList() throws Exception {
    watcher = ServerSetWatcher.watch(zk, PATH); // the path does not exist yet
    watcher.awaitInitialized(BOUND);
    LinkedBlockingQueue<List<ServerSetMember>> seen = new LinkedBlockingQueue<>();
    watcher.onChange(seen::add);
    assertThat(seen.poll(BOUND.toSeconds(), TimeUnit.SECONDS)).isEmpty(); // the list now, at once

    String first = member(OURS);
    List<ServerSetMember> one = seen.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
    assertThat(one).extracting(ServerSetMember::name).containsExactly(first.substring(PATH.length() + 1));
    member(AURORA);
    assertThat(seen.poll(BOUND.toSeconds(), TimeUnit.SECONDS)).hasSize(2);
    zk.delete().forPath(first);
    assertThat(seen.poll(BOUND.toSeconds(), TimeUnit.SECONDS)).extracting(m -> m.shard().orElseThrow())
        .containsExactly(0);

    assertThat(one).hasSize(1); // a list handed out never changes
    assertThatThrownBy(() -> one.add(one.get(0))).isInstanceOf(UnsupportedOperationException.class);
    assertThat(watcher.members()).hasSize(1);
  }

  @Test
  void aMembersStatusChangedInPlaceIsSeen() throws Exception {
    String path = member(FINAGLE);
    watcher = ServerSetWatcher.watch(zk, PATH);
    watcher.awaitInitialized(BOUND);
    assertThat(watcher.alive()).hasSize(1);

    zk.setData().forPath(path, FINAGLE.replace("ALIVE", "STOPPING").getBytes(UTF_8)); // as Finagle does on shutdown

    assertThat(watcher.await(m -> m.size() == 1 && !m.get(0).isAlive(), BOUND).get(0).status()).isEqualTo("STOPPING");
    assertThat(watcher.alive()).isEmpty();
  }

  @Test
  void aChildThatIsNotAMemberIsLeftOut() throws Exception {
    member("not json at all");
    member("{\"serviceEndpoint\":{\"host\":\"h\"},\"status\":\"ALIVE\"}"); // no port
    zk.create().forPath(PATH + "/config", "{}".getBytes(UTF_8)); // not named member_
    member(OURS);

    watcher = ServerSetWatcher.watch(zk, PATH);
    watcher.awaitInitialized(BOUND);

    assertThat(watcher.members()).extracting(m -> m.serviceEndpoint().host()).containsExactly("host-2");
  }

  @Test
  void statusOtherThanAliveIsListedButNotAlive() throws Exception {
    member(OURS.replace("ALIVE", "DEAD"));
    member(AURORA);

    watcher = ServerSetWatcher.watch(zk, PATH);
    watcher.awaitInitialized(BOUND);

    assertThat(watcher.members()).extracting(ServerSetMember::status).containsExactly("ALIVE", "DEAD");
    assertThat(watcher.alive()).extracting(ServerSetMember::shard).containsExactly(Optional.of(0));
  }

  @Test
  void awaitSaysWhatItSawWhenTheConditionIsNotMet() throws Exception {
    member(OURS);
    watcher = ServerSetWatcher.watch(zk, PATH);

    assertThatThrownBy(() -> watcher.await(m -> m.size() == 2, Duration.ofMillis(300)))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("members now: [member_")
        .hasMessageContaining("host-2:31001 ALIVE shard 2");
  }
}
