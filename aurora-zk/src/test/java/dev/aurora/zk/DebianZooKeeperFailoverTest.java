package dev.aurora.zk;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failover of {@link FailoverTest} against Debian's {@code zookeeper} server, a server that is not
 * curator-test's: started from {@code /usr/share/zookeeper/bin/zkServer.sh start-foreground} with a
 * configuration of its own in a temporary directory. Skipped, saying so, when the package is not
 * installed ({@code .ci/run} installs it through {@code CI_INSTALL_PACKAGES}).
 */
class DebianZooKeeperFailoverTest {
  private static final Path HOME = Path.of("/usr/share/zookeeper");
  private static final Path SERVER_SCRIPT = HOME.resolve("bin/zkServer.sh");
  private Process server;
  private Path dir;
  private int port;

  @BeforeEach
  void startDebianServer() throws Exception {
    assumeTrue(Files.isDirectory(HOME), "Debian's zookeeper package is not installed (" + HOME + " is absent): "
        + "skipped. Install it with 'apt-get install zookeeper' (CI does, through CI_INSTALL_PACKAGES in .ci/run)");
    assumeTrue(Files.isExecutable(SERVER_SCRIPT), HOME + " exists but has no executable " + SERVER_SCRIPT
        + ": skipped (an unexpected layout of the zookeeper package)");
    dir = Files.createTempDirectory("debian-zk");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path cfg = dir.resolve("zoo.cfg");
    Files.writeString(cfg, String.join("\n", "tickTime=500", "initLimit=10", "syncLimit=5",
        "dataDir=" + dir.resolve("data"), "clientPort=" + port, "clientPortAddress=127.0.0.1",
        "minSessionTimeout=1000", "maxSessionTimeout=20000", "admin.enableServer=false", ""));
    Files.createDirectories(dir.resolve("data"));
    ProcessBuilder pb = new ProcessBuilder(SERVER_SCRIPT.toString(), "start-foreground", cfg.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("server.out").toFile());
    pb.environment().put("ZOOCFGDIR", dir.toString());
    pb.environment().put("ZOO_LOG_DIR", dir.toString());
    server = pb.start();
    awaitListening(Duration.ofSeconds(60));
  }

  /** Waits until the server accepts connections; fails with its output if it exits or never listens. */
  private void awaitListening(Duration bound) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    while (true) {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        if (!server.isAlive() || System.nanoTime() > deadline) {
          String out = Files.exists(dir.resolve("server.out")) ? Files.readString(dir.resolve("server.out")) : "";
          throw new AssertionError("Debian's ZooKeeper server (" + SERVER_SCRIPT + " start-foreground) "
              + (server.isAlive() ? "did not listen on port " + port + " within " + bound : "exited with "
              + server.exitValue()) + "; its output:\n" + out);
        }
        server.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS); // a bounded wait for the server to come up
      }
    }
  }

  @AfterEach
  void stopDebianServer() throws IOException {
    if (server != null) {
      server.destroy();
      server.onExit().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void whenTheLeadersSessionExpiresAnotherSchedulerTakesOverOnDebiansServer() throws Exception {
    String connect = "127.0.0.1:" + port;
    JobConfig job = HaRig.service("www-data/prod/web", 4);
    try (HaRig rig = new HaRig("/debian")) {
      rig.add(connect, Duration.ofSeconds(4)); // waits up to 20 s for the server to come up
      rig.add(connect, Duration.ofSeconds(4));
      HaRig.Node old = rig.awaitLeader();
      old.scheduler().createJob(job, TEST_PRINCIPAL);
      Set<TaskId> before = rig.awaitRunning(job, 4).stream().map(ScheduledTask::id).collect(Collectors.toSet());

      KillSession.kill(old.zk().curator().getZookeeperClient().getZooKeeper());

      rig.awaitLeader(old);
      assertThat(rig.awaitRunning(job, 4)).extracting(ScheduledTask::id).containsExactlyInAnyOrderElementsOf(before);
      TaskId victim = before.iterator().next();
      rig.killOnCluster(victim);
      assertThat(rig.awaitRunning(job, 4, Set.of(victim))).hasSize(4);
      rig.assertNoInstanceRunsTwice();
    }
  }
}
