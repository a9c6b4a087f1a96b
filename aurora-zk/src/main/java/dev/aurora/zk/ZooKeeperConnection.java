package dev.aurora.zk;

import dev.aurora.api.AuroraException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.apache.curator.framework.AuthInfo;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;

/**
 * A connection to a ZooKeeper ensemble (a Curator client) with the settings every aurora-zk part
 * shares: session timeout, credentials and the ACL of the znodes it creates. One connection serves
 * the leader election and the storage of a scheduler; close it after the scheduler.
 *
 * <pre>{@code
 * try (ZooKeeperConnection zk = ZooKeeperConnection.builder("zk1:2181,zk2:2181,zk3:2181")
 *         .namespace("aurora/prod")
 *         .digest("aurora", "secret")          // znodes readable and writable by this user only
 *         .connect()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>With SASL instead of a digest, {@link Builder#sasl(String)} names the section of the JAAS
 * configuration ({@code -Djava.security.auth.login.config=...}) that holds this scheduler's login.
 */
public final class ZooKeeperConnection implements AutoCloseable {
  private final CuratorFramework client;
  private final List<ACL> acl;
  private final String description;
  private final boolean owned;

  private ZooKeeperConnection(CuratorFramework client, List<ACL> acl, String description, boolean owned) {
    this.client = client;
    this.acl = List.copyOf(acl);
    this.description = description;
    this.owned = owned;
  }

  /** A builder for a connection to {@code connectString} ({@code host:port,host:port,...}). */
  public static Builder builder(String connectString) {
    return new Builder(connectString);
  }

  /**
   * Uses a Curator client the application already runs (started, with its own credentials and ACL
   * provider); znodes get {@code acl}. {@link #close()} leaves the client open.
   */
  public static ZooKeeperConnection of(CuratorFramework client, List<ACL> acl) {
    return new ZooKeeperConnection(client, acl, "ZooKeeper at " + client.getZookeeperClient().getCurrentConnectionString(),
        false);
  }

  /** The Curator client. */
  public CuratorFramework curator() {
    return client;
  }

  /** The ACL of every znode aurora-zk creates. */
  public List<ACL> acl() {
    return acl;
  }

  /** "ZooKeeper at host:port,...", for messages. */
  @Override
  public String toString() {
    return description;
  }

  /** Closes the Curator client (unless it was given by {@link #of}); its ephemeral znodes go with it. */
  @Override
  public void close() {
    if (owned) {
      client.close();
    }
  }

  /** Builds a {@link ZooKeeperConnection}. */
  public static final class Builder {
    private final String connectString;
    private Duration sessionTimeout = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(15);
    private @Nullable String namespace;
    private final List<AuthInfo> auth = new ArrayList<>();
    private @Nullable List<ACL> acl;
    private boolean followEnsembleChanges = true;
    private @Nullable String saslLoginContext;

    Builder(String connectString) {
      this.connectString = Objects.requireNonNull(connectString, "connect string");
      if (connectString.isBlank()) {
        throw new IllegalArgumentException("ZooKeeper connect string is empty; expected host:port[,host:port...]");
      }
    }

    /**
     * How long ZooKeeper keeps the session (and the leader's latch) of a scheduler it cannot hear;
     * 10 seconds unless set. A leader cut off from the ensemble stops leading when its connection is
     * suspended (a third of this, at most), and another is elected once the session expires.
     */
    public Builder sessionTimeout(Duration timeout) {
      this.sessionTimeout = positive(timeout, "session timeout");
      return this;
    }

    /** How long {@link #connect()} waits for the ensemble; 15 seconds unless set. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** A path prefix for every znode (e.g. {@code "aurora/prod"}), so clusters can share an ensemble. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * Authenticates as {@code user} with the {@code digest} scheme; unless {@link #acl} is set, the
     * znodes created are then readable and writable by this user only ({@code CREATOR_ALL_ACL}).
     */
    public Builder digest(String user, String password) {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      return authorization("digest", (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Authenticates with SASL (Kerberos, or DIGEST-MD5) using the login of section {@code loginContext}
     * of the JAAS configuration ({@code -Djava.security.auth.login.config=/path/jaas.conf}); unless
     * {@link #acl} is set, the znodes created are then readable and writable by this principal only
     * ({@code CREATOR_ALL_ACL}, which ZooKeeper stores as {@code sasl:<principal>}). Naming the section
     * lets one JVM hold several logins. {@link #connect()} fails at once, saying why, if the section is
     * missing or ZooKeeper refuses the login.
     *
     * <pre>
     * AuroraScheduler {
     *   org.apache.zookeeper.server.auth.DigestLoginModule required username="aurora" password="secret";
     * };
     * </pre>
     */
    public Builder sasl(String loginContext) {
      Objects.requireNonNull(loginContext, "loginContext");
      if (loginContext.isBlank()) {
        throw new IllegalArgumentException("the SASL login context (a section of the JAAS configuration) is empty");
      }
      this.saslLoginContext = loginContext;
      return this;
    }

    /**
     * Adds authentication of any scheme ZooKeeper knows ({@code digest} has {@link #digest}, SASL has
     * {@link #sasl}).
     */
    public Builder authorization(String scheme, byte[] credentials) {
      auth.add(new AuthInfo(Objects.requireNonNull(scheme, "scheme"), credentials.clone()));
      return this;
    }

    /**
     * The ACL of every znode created; {@code OPEN_ACL_UNSAFE} unless set (or {@code CREATOR_ALL_ACL}
     * when credentials are given).
     */
    public Builder acl(List<ACL> acl) {
      if (acl.isEmpty()) {
        throw new IllegalArgumentException("an ACL needs at least one entry");
      }
      this.acl = List.copyOf(acl);
      return this;
    }

    /**
     * Whether the client follows the ensemble's membership as ZooKeeper announces it (Curator's
     * ensemble tracker), replacing the connect string with the servers' own addresses; true unless
     * set. Turn it off when the client reaches the servers through addresses of its own (a proxy,
     * NAT, or a load balancer).
     */
    public Builder followEnsembleChanges(boolean follow) {
      this.followEnsembleChanges = follow;
      return this;
    }

    /**
     * Connects, waiting at most the connect timeout.
     *
     * @throws ZooKeeperUnavailableException if the ensemble cannot be reached in time
     */
    public ZooKeeperConnection connect() {
      List<ACL> chosen = acl != null ? acl
          : auth.isEmpty() && saslLoginContext == null ? ZooDefs.Ids.OPEN_ACL_UNSAFE : ZooDefs.Ids.CREATOR_ALL_ACL;
      CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
          .connectString(connectString)
          .sessionTimeoutMs((int) sessionTimeout.toMillis())
          .connectionTimeoutMs((int) Math.min(connectTimeout.toMillis(), sessionTimeout.toMillis()))
          .retryPolicy(new ExponentialBackoffRetry(100, 5, 2_000))
          .ensembleTracker(followEnsembleChanges)
          .aclProvider(new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
              return chosen;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
              return chosen;
            }
          });
      if (!auth.isEmpty()) {
        b.authorization(auth);
      }
      if (namespace != null) {
        b.namespace(namespace);
      }
      if (saslLoginContext != null) {
        checkJaasSection(saslLoginContext);
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "true");
        config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, saslLoginContext);
        b.zkClientConfig(config);
      }
      CuratorFramework client = b.build();
      client.start();
      boolean connected;
      try {
        connected = client.blockUntilConnected((int) connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        client.close();
        throw new ZooKeeperUnavailableException("interrupted while connecting to ZooKeeper at " + connectString, e);
      }
      if (!connected) {
        client.close();
        throw new ZooKeeperUnavailableException("ZooKeeper at " + connectString + " could not be reached within "
            + connectTimeout + ": check that the ensemble runs and that this host can reach it (and the connect string)");
      }
      if (saslLoginContext != null) {
        checkSaslLogin(client, saslLoginContext);
      }
      return new ZooKeeperConnection(client, chosen, "ZooKeeper at " + connectString, true);
    }

    /**
     * The client holds requests until its SASL login is done, so the first one tells whether ZooKeeper
     * accepted it (a refused login leaves the session connected but useless).
     */
    private void checkSaslLogin(CuratorFramework client, String section) {
      try {
        client.getZookeeperClient().getZooKeeper().exists("/", false);
      } catch (KeeperException.AuthFailedException e) {
        client.close();
        throw new ZooKeeperUnavailableException("ZooKeeper at " + connectString + " refused the SASL login of JAAS"
            + " section '" + section + "' (" + System.getProperty("java.security.auth.login.config",
                "java.security.auth.login.config is not set") + "): authentication failed. Check the user name and"
            + " password (or keytab and principal) against the server's, that the server accepts SASL"
            + " (authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider), and for DIGEST-MD5"
            + " that -Dzookeeper.fips-mode=false is set (ZooKeeper 3.9 refuses DIGEST-MD5 in FIPS mode, its default)",
            e);
      } catch (Exception e) {
        client.close();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new ZooKeeperUnavailableException("ZooKeeper at " + connectString + ": the first request after the SASL"
            + " login of JAAS section '" + section + "' failed: " + e, e);
      }
    }

    private static void checkJaasSection(String section) {
      String file = System.getProperty("java.security.auth.login.config");
      AppConfigurationEntry[] entries;
      String problem = null;
      try {
        entries = Configuration.getConfiguration().getAppConfigurationEntry(section);
      } catch (SecurityException e) {
        entries = null;
        problem = e.getMessage();
      }
      if (entries == null || entries.length == 0) {
        throw new IllegalArgumentException("SASL login context '" + section + "' is not in the JAAS configuration ("
            + (file == null ? "java.security.auth.login.config is not set" : "java.security.auth.login.config=" + file)
            + (problem == null ? "" : ": " + problem) + "): add a section " + section + " { ... }; with the login"
            + " module, or pass -Djava.security.auth.login.config=<file> to the JVM");
      }
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be > 0, was " + d);
      }
      return d;
    }
  }

  /** ZooKeeper could not be reached (at connect, or when an election or storage needed it). */
  public static final class ZooKeeperUnavailableException extends AuroraException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public ZooKeeperUnavailableException(String message) {
      super(message);
    }

    /** Creates the exception. */
    public ZooKeeperUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
