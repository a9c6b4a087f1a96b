package dev.aurora.zk;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL (DIGEST-MD5) against an in-process ZooKeeper that authenticates with SASL: a scheduler with
 * SASL credentials elects and stores its state under SASL-protected ACLs, and a wrong login is a clear
 * error. The JAAS configuration and ZooKeeper's auth providers are JVM-wide settings, so this runs as
 * an integration test (failsafe), in a JVM of its own.
 */
class ZooKeeperSaslIT {
  private static final String JAAS = """
      Server {
        org.apache.zookeeper.server.auth.DigestLoginModule required
        user_aurora="secret"
        user_stranger="other";
      };
      AuroraScheduler {
        org.apache.zookeeper.server.auth.DigestLoginModule required username="aurora" password="secret";
      };
      Stranger {
        org.apache.zookeeper.server.auth.DigestLoginModule required username="stranger" password="other";
      };
      WrongPassword {
        org.apache.zookeeper.server.auth.DigestLoginModule required username="aurora" password="guessed";
      };
      """;

  @TempDir static Path dir;
  private static TestingServer server;

  @BeforeAll
  static void startServerWithSasl() throws Exception {
    Path jaas = dir.resolve("jaas.conf");
    Files.writeString(jaas, JAAS);
    System.setProperty("java.security.auth.login.config", jaas.toString());
    // ZooKeeper 3.9 refuses DIGEST-MD5 in FIPS mode, its default (client and server)
    System.setProperty("zookeeper.fips-mode", "false");
    System.setProperty("zookeeper.authProvider.1", "org.apache.zookeeper.server.auth.SASLAuthenticationProvider");
    server = new TestingServer(true);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static ZooKeeperConnection connect(String loginContext) {
    return ZooKeeperConnection.builder(server.getConnectString()).sasl(loginContext)
        .connectTimeout(Duration.ofSeconds(20)).connect();
  }

  @Test
  void aSchedulerWithSaslCredentialsLeadsAndStoresUnderSaslAcls() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 2);
    try (HaRig rig = new HaRig("/sasl")) {
      rig.add(connect("AuroraScheduler"));
      rig.onLeader(s -> {
        s.createJob(job, TEST_PRINCIPAL);
        return null;
      });
      rig.awaitRunning(job, 2);

      try (ZooKeeperConnection reader = connect("AuroraScheduler")) {
        ACL onlyAurora = new ACL(ZooDefs.Perms.ALL, new Id("sasl", "aurora"));
        assertThat(reader.curator().getACL().forPath("/sasl/state")).containsExactly(onlyAurora);
        List<String> buckets = reader.curator().getChildren().forPath("/sasl/state/log");
        assertThat(buckets).isNotEmpty();
        assertThat(reader.curator().getACL().forPath("/sasl/state/log/" + buckets.get(0))).containsExactly(onlyAurora);
        assertThat(reader.curator().getChildren().forPath("/sasl/leader")).isNotEmpty();
      }
      try (ZooKeeperConnection stranger = connect("Stranger")) {
        assertThatThrownBy(() -> stranger.curator().getChildren().forPath("/sasl/state/log"))
            .as("another SASL user cannot read the scheduler's state").isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> stranger.curator().delete().forPath("/sasl/state/log"))
            .isInstanceOf(KeeperException.NoAuthException.class);
      }
    }
  }

  @Test
  void aWrongSaslPasswordIsAClearErrorAtConnect() {
    assertThatThrownBy(() -> connect("WrongPassword"))
        .isInstanceOf(ZooKeeperConnection.ZooKeeperUnavailableException.class)
        .hasMessageContaining("refused the SASL login of JAAS section 'WrongPassword'")
        .hasMessageContaining("authentication failed");
  }

  @Test
  void aSaslLoginContextMissingFromTheJaasConfigurationIsAClearError() {
    assertThatThrownBy(() -> connect("NoSuchSection"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SASL login context 'NoSuchSection' is not in the JAAS configuration")
        .hasMessageContaining("jaas.conf");
  }
}
