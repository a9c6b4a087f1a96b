package dev.aurora.zk;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.Test;

/** An in-process ZooKeeper server's request to exit fails no more than its own test. */
class ZooKeeperExitsLoggedTest {
  @Test
  void aZooKeeperServersRequestToExitDoesNotEndTheTestJvm() {
    ServiceUtils.requestSystemExit(14); // what a member that cannot bind its quorum port does
    assertThat(Thread.currentThread().isAlive()).as("the test JVM goes on").isTrue();
  }
}
