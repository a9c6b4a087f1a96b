package dev.aurora.zk;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/** Curator clients for tests against curator-test's TestingServer. */
final class ZkTesting {
  static final Duration BOUND = Duration.ofSeconds(20);

  private ZkTesting() {}

  /** A started client, connected. */
  static CuratorFramework client(String connect) throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connect)
        .sessionTimeoutMs(10_000).connectionTimeoutMs(5_000).retryPolicy(new RetryOneTime(100)).build();
    c.start();
    if (!c.blockUntilConnected((int) BOUND.toSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException("no ZooKeeper at " + connect);
    }
    return c;
  }
}
