package dev.aurora.zk;

import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class of this module (junit-platform.properties turns on extension
 * auto-detection; META-INF/services names this class): the in-process ZooKeeper servers' requests to
 * exit the JVM (a quorum port it cannot bind: {@code System.exit(14)}, a transaction log it cannot
 * write) are logged, so such a fault fails the test that caused it instead of killing the test JVM and
 * every test after it.
 */
public final class ZooKeeperExitsLogged implements BeforeAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
  }
}
