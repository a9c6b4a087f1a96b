package dev.aurora.zk;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/** Curator clients and ZooKeeper ensembles for tests against curator-test's servers. */
final class ZkTesting {
  static final Duration BOUND = Duration.ofSeconds(20);
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private ZkTesting() {}

  /**
   * An ensemble of {@code members} servers, not started, on ports outside the kernel's ephemeral
   * range. curator-test's own ports come from that range (a socket bound to port 0, then closed),
   * so a client socket opened meanwhile could take one: a member that then cannot bind its quorum
   * port makes ZooKeeper call {@code System.exit(14)}, killing the test JVM (since then
   * {@link ZooKeeperExitsLogged} logs such requests). Here no outgoing connection can take the ports.
   */
  static TestingCluster ensemble(int members) {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      specs.add(new InstanceSpec(null, freePort(), freePort(), freePort(), true, -1));
    }
    return new TestingCluster(specs);
  }

  /** A port this JVM has not handed out, free now, and below the ephemeral range. */
  static synchronized int freePort() {
    int below = ephemeralLow();
    int from = Math.max(1_024, below - 12_000);
    if (below - from < 1_000) {
      return InstanceSpec.getRandomPort(); // no room below the range: curator-test's way
    }
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(from, below);
      if (!HANDED_OUT.contains(port) && bindable(port)) {
        HANDED_OUT.add(port);
        return port;
      }
    }
    throw new IllegalStateException("no free port in [" + from + ", " + below + ")");
  }

  static int ephemeralLow() {
    try {
      // Files.readString reads a /proc file short (it trusts the file's reported size): read lines
      try (var lines = Files.lines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
        return Integer.parseInt(lines.findFirst().orElseThrow().trim().split("\\s+")[0]);
      }
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default when the range cannot be read
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

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
