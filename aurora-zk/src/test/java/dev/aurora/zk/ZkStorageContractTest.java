package dev.aurora.zk;

import dev.aurora.core.Storage;
import dev.aurora.testkit.StorageContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** ZkStorage keeps the storage contract on a real ZooKeeper server (curator-test's TestingServer). */
class ZkStorageContractTest extends StorageContract {
  private static final AtomicInteger TESTS = new AtomicInteger();
  private static TestingServer server;
  private static ZooKeeperConnection zk;
  private final String path = "/contract/test-" + TESTS.incrementAndGet();

  @BeforeAll
  static void startServer() throws Exception {
    server = new TestingServer(true);
    zk = ZooKeeperConnection.builder(server.getConnectString()).connect();
  }

  @AfterAll
  static void stopServer() throws Exception {
    zk.close();
    server.close();
  }

  @Override
  protected Storage open() {
    return ZkStorage.builder(zk).path(path).maxZnodeBytes(2048).bucketCapacity(100).build();
  }
}
