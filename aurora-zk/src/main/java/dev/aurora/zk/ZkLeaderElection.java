package dev.aurora.zk;

import dev.aurora.core.LeaderElection;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.Participant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election in ZooKeeper with Curator's {@link LeaderLatch}: each scheduler holds an ephemeral
 * sequential znode under {@link Builder#path}; the lowest leads. A leader whose connection is
 * suspended or whose session is lost is deposed at once (Curator's standard error policy); when the
 * connection returns it joins again. Its latch znode is also the fence of {@link ZkStorage}: a write
 * is a transaction that checks the znode still exists, so a deposed leader can never append.
 *
 * <pre>{@code
 * ZkLeaderElection election = ZkLeaderElection.builder(zk).path("/leader").address("host-a:8081").build();
 * Scheduler scheduler = Scheduler.builder().backend(backend)
 *     .storage(ZkStorage.builder(zk).path("/state").fencedBy(election).build())
 *     .leaderElection(election)
 *     .build();
 * }</pre>
 */
public final class ZkLeaderElection implements LeaderElection {
  private static final Logger LOG = LoggerFactory.getLogger(ZkLeaderElection.class);

  private final ZooKeeperConnection zk;
  private final String path;
  private final String address;
  private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "aurora-zk-election");
    t.setDaemon(true);
    return t;
  });
  private @Nullable LeaderLatch latch;
  private @Nullable Listener listener;
  private boolean closed;

  private ZkLeaderElection(Builder b) {
    this.zk = b.zk;
    this.path = b.path;
    this.address = b.address;
  }

  /** A builder of an election over {@code zk}. */
  public static Builder builder(ZooKeeperConnection zk) {
    return new Builder(zk);
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("leader election is closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("leader election is started already");
      }
      if (!zk.curator().getZookeeperClient().isConnected()) {
        throw new ZooKeeperConnection.ZooKeeperUnavailableException(zk + " is not connected: cannot join the leader "
            + "election at " + path);
      }
      this.listener = listener;
      join();
    }
  }

  /** Starts a new latch (at start, and after relinquishing). */
  private void join() {
    LeaderLatch l = new LeaderLatch(zk.curator(), path, address, LeaderLatch.CloseMode.NOTIFY_LEADER);
    Listener target = listener;
    l.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        LOG.info("{}: elected leader at {}", address.isEmpty() ? "this scheduler" : address, path);
        target.elected();
      }

      @Override
      public void notLeader() {
        LOG.info("{}: no longer the leader at {}", address.isEmpty() ? "this scheduler" : address, path);
        target.deposed();
      }
    }, callbacks);
    try {
      l.start();
    } catch (Exception e) {
      throw new ZooKeeperConnection.ZooKeeperUnavailableException("could not join the leader election at " + path
          + " in " + zk + ": " + e.getMessage(), e);
    }
    latch = l;
  }

  @Override
  public synchronized boolean isLeader() {
    return latch != null && latch.hasLeadership();
  }

  @Override
  public Optional<String> leader() {
    LeaderLatch l;
    synchronized (this) {
      l = latch;
    }
    if (l == null || !zk.curator().getZookeeperClient().isConnected()) {
      return Optional.empty();
    }
    try {
      Participant p = l.getLeader();
      return p.isLeader() && !p.getId().isEmpty() ? Optional.of(p.getId()) : Optional.empty();
    } catch (Exception e) {
      LOG.debug("could not read the leader at {}", path, e);
      return Optional.empty();
    }
  }

  /**
   * The path of this participant's latch znode while it leads: {@link ZkStorage} checks it in every
   * write. Empty when it does not lead.
   */
  synchronized Optional<String> fence() {
    if (latch == null || !latch.hasLeadership() || zk.curator().getState() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(latch.getOurPath());
  }

  /** The znode under which participants hold their latches. */
  public String path() {
    return path;
  }

  @Override
  public synchronized void relinquish() {
    if (closed || latch == null || !latch.hasLeadership()) {
      return;
    }
    closeLatch();
    join();
  }

  private void closeLatch() {
    LeaderLatch l = latch;
    latch = null;
    if (l != null) {
      try {
        l.close(); // NOTIFY_LEADER: a leader hears notLeader
      } catch (IOException | IllegalStateException e) {
        LOG.warn("closing the leader latch at {} failed", path, e);
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeLatch();
    }
    callbacks.shutdown(); // the deposed call already queued still runs
  }

  @Override
  public String toString() {
    return "ZkLeaderElection at " + path + " in " + zk + (address.isEmpty() ? "" : " as " + address);
  }

  /** Builds a {@link ZkLeaderElection}. */
  public static final class Builder {
    private final ZooKeeperConnection zk;
    private String path = "/aurora/scheduler/leader";
    private String address = "";

    Builder(ZooKeeperConnection zk) {
      this.zk = Objects.requireNonNull(zk, "zk");
    }

    /** The znode under which the schedulers of one cluster compete; {@code /aurora/scheduler/leader} unless set. */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
        throw new IllegalArgumentException("leader path must be an absolute znode path like /aurora/leader, was '"
            + path + "'");
      }
      this.path = path;
      return this;
    }

    /**
     * What this scheduler declares as its address (e.g. {@code host:8081}): every participant's {@link
     * #leader()} names the leader by it. None unless set.
     */
    public Builder address(String address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Builds the election; {@link LeaderElection#start} joins it. */
    public ZkLeaderElection build() {
      return new ZkLeaderElection(this);
    }
  }
}
