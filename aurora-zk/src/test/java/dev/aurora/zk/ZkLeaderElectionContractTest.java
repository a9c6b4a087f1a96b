package dev.aurora.zk;

import dev.aurora.core.LeaderElection;
import dev.aurora.testkit.LeaderElectionContract;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** ZkLeaderElection keeps the leader election contract; each participant has its own ZooKeeper session. */
class ZkLeaderElectionContractTest extends LeaderElectionContract {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static final List<ZooKeeperConnection> CONNECTIONS = new ArrayList<>();
  private static TestingServer server;
  private final String path = "/election/test-" + TESTS.incrementAndGet();

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    CONNECTIONS.forEach(ZooKeeperConnection::close);
    server.close();
  }

  @Override
  protected LeaderElection newParticipant(String address) {
    ZooKeeperConnection zk = ZooKeeperConnection.builder(server.getConnectString()).connect();
    CONNECTIONS.add(zk);
    return ZkLeaderElection.builder(zk).path(path).address(address).build();
  }
}
