package dev.aurora.mesos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the Mesos masters in ZooKeeper, as {@code --master=zk://zk1:2181,zk2:2181/mesos} does: each
 * master registers an ephemeral sequential node {@code json.info_<seq>} under the path holding its
 * {@code MasterInfo} as JSON ({@code address {hostname, ip, port}}, {@code hostname}, {@code port},
 * {@code id}), and the master with the lowest sequence leads. {@link #masters()} gives the leader first,
 * then the others in sequence order. The detector watches the path and tells the backend when the
 * leader changes, so it subscribes to the new leader at once.
 *
 * <p>It needs Curator and Jackson on the class path: {@code aurora-mesos} declares {@code
 * curator-framework} and {@code jackson-databind} optional, so a user who lists the masters does not
 * get them; a user of this class adds them (or {@code aurora-zk}, which brings both).
 *
 * <pre>{@code
 * try (ZooKeeperMasterDetector masters = ZooKeeperMasterDetector.builder()
 *     .connect("zk://zk1:2181,zk2:2181/mesos").build()) {
 *   MesosBackend backend = MesosBackend.builder().masters(masters)...build();
 * }
 * }</pre>
 */
public final class ZooKeeperMasterDetector implements MasterDetector, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperMasterDetector.class);
  private static final String PREFIX = "json.info_";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CuratorFramework client;
  private final boolean ownsClient;
  private final String path;
  private final String scheme;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final CuratorWatcher watcher = this::changed;
  private final ConnectionStateListener reconnected = this::connectionChanged;
  private volatile List<URI> current = List.of();
  private volatile boolean closed;

  private ZooKeeperMasterDetector(CuratorFramework client, boolean ownsClient, String path, String scheme) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.path = path;
    this.scheme = scheme;
    client.getConnectionStateListenable().addListener(reconnected);
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The masters' base URIs, leader first. Reads ZooKeeper the first time (and whenever no master was
   * known), then answers from what the watch last saw.
   *
   * @throws IllegalStateException if no master is registered, or ZooKeeper cannot be read and no
   *     master was known before (the backend then tries again after its back-off)
   */
  @Override
  public List<URI> masters() {
    List<URI> known = current;
    if (!known.isEmpty()) {
      return known;
    }
    known = refresh();
    if (known.isEmpty()) {
      throw new IllegalStateException("no Mesos master registered in ZooKeeper under " + path);
    }
    return known;
  }

  /** The leading master's base URI, if one is registered. */
  public Optional<URI> leader() {
    List<URI> all = current.isEmpty() ? refresh() : current;
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
  }

  @Override
  public void watch(Runnable leaderChanged) {
    listeners.add(leaderChanged);
  }

  /** Stops watching; closes the ZooKeeper client if the detector made it ({@link Builder#connect}). */
  @Override
  public void close() {
    closed = true;
    client.getConnectionStateListenable().removeListener(reconnected);
    if (ownsClient) {
      client.close();
    }
  }

  private void changed(WatchedEvent event) {
    if (!closed) {
      refresh();
    }
  }

  private void connectionChanged(CuratorFramework c, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED && !closed) {
      refresh();
    }
  }

  /** Reads the masters (setting a new watch) and tells the listeners if the leader changed. */
  private synchronized List<URI> refresh() {
    List<URI> read;
    try {
      read = read();
    } catch (KeeperException.NoNodeException e) {
      read = List.of();
      try {
        // watch for the path to appear
        client.checkExists().usingWatcher(watcher).forPath(path);
      } catch (Exception ignored) {
        // the next reconnection reads again
      }
    } catch (Exception e) {
      LOG.warn("cannot read the Mesos masters in ZooKeeper under {}: {}", path, e.toString());
      return current;
    }
    URI before = current.isEmpty() ? null : current.get(0);
    current = read;
    URI after = read.isEmpty() ? null : read.get(0);
    if (after != null && !after.equals(before)) {
      LOG.info("the leading Mesos master is {} (was {})", after, before == null ? "unknown" : before);
      listeners.forEach(Runnable::run);
    } else if (after == null && before != null) {
      LOG.warn("no Mesos master registered under {} any more", path);
    }
    return read;
  }

  private List<URI> read() throws Exception {
    List<String> children = new ArrayList<>(client.getChildren().usingWatcher(watcher).forPath(path));
    children.removeIf(c -> !c.startsWith(PREFIX));
    children.sort(Comparator.comparingLong(ZooKeeperMasterDetector::sequence));
    List<URI> out = new ArrayList<>();
    for (String child : children) {
      byte[] data;
      try {
        data = client.getData().forPath(path + "/" + child);
      } catch (KeeperException.NoNodeException e) {
        continue; // gone meanwhile: the watch reads again
      }
      try {
        out.add(uriOf(new String(data, StandardCharsets.UTF_8)));
      } catch (RuntimeException | java.io.IOException e) {
        LOG.warn("the Mesos master node {}/{} holds no MasterInfo JSON with a host and port ({}); skipped", path,
            child, e.getMessage());
      }
    }
    return List.copyOf(out);
  }

  private static long sequence(String child) {
    try {
      return Long.parseLong(child.substring(child.lastIndexOf('_') + 1));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The base URI of a master from its MasterInfo JSON: address's hostname or ip, else hostname; its port. */
  URI uriOf(String json) throws java.io.IOException {
    JsonNode info = JSON.readTree(json);
    JsonNode address = info.path("address");
    String host = text(address, "hostname").or(() -> text(address, "ip")).or(() -> text(info, "hostname"))
        .orElseThrow(() -> new IllegalArgumentException("no address.hostname, address.ip nor hostname"));
    int port = address.path("port").asInt(info.path("port").asInt(0));
    if (port <= 0) {
      throw new IllegalArgumentException("no address.port nor port");
    }
    return URI.create(scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    return v.isTextual() && !v.asText().isBlank() ? Optional.of(v.asText()) : Optional.empty();
  }

  /** Settings of a {@link ZooKeeperMasterDetector}: a client and path, or a {@code zk://} URL. */
  public static final class Builder {
    private CuratorFramework client;
    private String path;
    private String url;
    private String scheme = "http";

    Builder() {}

    /** A started Curator client the application owns (it is not closed with the detector), and the path. */
    public Builder client(CuratorFramework client, String path) {
      this.client = client;
      this.path = path;
      return this;
    }

    /**
     * A {@code zk://host:port[,host:port...]/path} URL, as Mesos takes it; the detector starts its own
     * client and closes it on {@link #close()}.
     */
    public Builder connect(String zkUrl) {
      this.url = zkUrl;
      return this;
    }

    /** {@code http} (the default) or {@code https}, for masters that serve TLS. */
    public Builder scheme(String scheme) {
      this.scheme = scheme;
      return this;
    }

    /** A detector with these settings; names every bad setting at once. */
    public ZooKeeperMasterDetector build() {
      List<String> problems = new ArrayList<>();
      String connectString = null;
      String zkPath = path;
      if ((client == null) == (url == null)) {
        problems.add("give either client(client, path) or connect(zk://...), one of them");
      }
      if (url != null) {
        if (!url.startsWith("zk://") || url.indexOf('/', 5) < 0) {
          problems.add("connect: '" + url + "' is no zk://host:port[,host:port...]/path URL");
        } else {
          int slash = url.indexOf('/', 5);
          connectString = url.substring(5, slash);
          zkPath = url.substring(slash);
          if (connectString.contains("@")) {
            problems.add("connect: credentials in a zk:// URL are not supported; give a client instead");
          }
        }
      }
      if (zkPath != null && (!zkPath.startsWith("/") || zkPath.length() > 1 && zkPath.endsWith("/"))) {
        problems.add("path: '" + zkPath + "' must start with '/' and not end with it");
      }
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        problems.add("scheme: '" + scheme + "' is neither http nor https");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("bad ZooKeeper master detector settings: " + String.join("; ", problems));
      }
      if (client != null) {
        return new ZooKeeperMasterDetector(client, false, zkPath, scheme);
      }
      CuratorFramework own = CuratorFrameworkFactory.newClient(connectString, new ExponentialBackoffRetry(250, 10));
      own.start();
      return new ZooKeeperMasterDetector(own, true, zkPath, scheme);
    }
  }
}
