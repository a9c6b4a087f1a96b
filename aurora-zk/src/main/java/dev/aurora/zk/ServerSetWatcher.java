package dev.aurora.zk;

import dev.aurora.zk.internal.serverset.ServerSetJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.utils.PathUtils;
import org.apache.curator.utils.ZKPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Finagle ServerSet in ZooKeeper and keeps a live, immutable list of its members, so that a
 * service finds its peers (or a client its servers) with one dependency.
 *
 * <pre>{@code
 * try (ServerSetWatcher peers = ServerSetWatcher.watch(zk, "/aurora/www-data/prod/hello")) {
 *   peers.awaitInitialized(Duration.ofSeconds(10));
 *   List<ServerSetMember> now = peers.members();            // sorted by shard, then znode name
 *   peers.onChange(members -> balancer.setBackends(members));
 * }
 * }</pre>
 *
 * <p>It reads every child znode of the path whose name starts with {@code member_}, as written by
 * {@link ServerSetAnnouncer}, by Aurora's executor and by Finagle (unknown fields, such as Finagle's
 * {@code memberId} or {@code metadata}, are ignored or kept as {@link ServerSetMember#memberId()}). A
 * child that is not a member (not JSON, no service endpoint) is left out of the list with a warning. The
 * path need not exist yet: the list is empty until it does. Members of every status are listed; use
 * {@link ServerSetMember#isAlive()} to keep those to send requests to.
 */
public final class ServerSetWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerSetWatcher.class);
  private static final Comparator<ServerSetMember> ORDER =
      Comparator.comparing((ServerSetMember m) -> m.shard().orElse(Integer.MAX_VALUE))
          .thenComparing(ServerSetMember::name);

  private final String path;
  private final CuratorCache cache;
  private final CountDownLatch initialized = new CountDownLatch(1);
  private final List<Consumer<? super List<ServerSetMember>>> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, ServerSetMember> parsed = new HashMap<>(); // by znode path; on the cache's thread
  private final Map<String, byte[]> parsedFrom = new HashMap<>();
  private volatile List<ServerSetMember> members = List.of();
  private boolean ready; // guarded by this

  /** A subscription to changes; closing it stops delivery. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  private ServerSetWatcher(CuratorFramework zk, String path) {
    this.path = path;
    this.cache = CuratorCache.build(zk, path);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forAll((type, oldData, data) -> refresh(false))
        .forInitialized(() -> refresh(true))
        .build());
    cache.start();
  }

  /**
   * Starts following the ServerSet at {@code path} (e.g. {@code /aurora/www-data/prod/hello}).
   *
   * @param zk a started Curator client; the watcher does not close it
   * @throws IllegalArgumentException if {@code path} is not a valid ZooKeeper path
   */
  public static ServerSetWatcher watch(CuratorFramework zk, String path) {
    Objects.requireNonNull(zk, "zk");
    PathUtils.validatePath(path);
    return new ServerSetWatcher(zk, path);
  }

  /** The path followed. */
  public String path() {
    return path;
  }

  /**
   * The members now: an immutable list sorted by shard (members without one last), then znode name. Empty
   * until the first read of ZooKeeper is done (see {@link #awaitInitialized}).
   */
  public List<ServerSetMember> members() {
    return members;
  }

  /** The members whose status is ALIVE, in the order of {@link #members()}. */
  public List<ServerSetMember> alive() {
    return members.stream().filter(ServerSetMember::isAlive).toList();
  }

  /**
   * Waits until the first read of the path is done, so that {@link #members()} holds what ZooKeeper holds.
   *
   * @throws TimeoutException if that takes longer than {@code timeout} (ZooKeeper unreachable)
   */
  public void awaitInitialized(Duration timeout) throws TimeoutException, InterruptedException {
    if (!initialized.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("ServerSet " + path + " not read within " + timeout);
    }
  }

  /**
   * Waits until the members satisfy {@code condition} (e.g. {@code m -> m.size() == 3}) and returns them.
   *
   * @throws TimeoutException if they do not within {@code timeout}; its message lists the members then
   */
  public List<ServerSetMember> await(Predicate<? super List<ServerSetMember>> condition, Duration timeout)
      throws TimeoutException, InterruptedException {
    CountDownLatch met = new CountDownLatch(1);
    AtomicReference<List<ServerSetMember>> seen = new AtomicReference<>();
    try (Subscription s = onChange(m -> {
      if (seen.get() == null && condition.test(m)) {
        seen.set(m);
        met.countDown();
      }
    })) {
      if (!met.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("ServerSet " + path + ": condition not met within " + timeout
            + "; members now: " + members);
      }
      return seen.get();
    }
  }

  /**
   * Calls {@code listener} with the members now (at once, on the calling thread, if the first read is
   * done), then with the new list after every change, on the watcher's thread: one call at a time, in
   * order. It must be quick. An exception it throws is logged and ignored.
   */
  public Subscription onChange(Consumer<? super List<ServerSetMember>> listener) {
    Objects.requireNonNull(listener, "listener");
    AtomicReference<Consumer<? super List<ServerSetMember>>> holder = new AtomicReference<>(listener);
    Consumer<List<ServerSetMember>> wrapped = m -> {
      Consumer<? super List<ServerSetMember>> l = holder.get();
      if (l != null) {
        try {
          l.accept(m);
        } catch (RuntimeException e) {
          log.warn("ServerSet {}: a change listener threw", path, e);
        }
      }
    };
    synchronized (this) { // ordered with refresh: the first list is never newer than the next change's
      listeners.add(wrapped);
      if (ready) {
        wrapped.accept(members);
      }
    }
    return () -> {
      holder.set(null);
      listeners.remove(wrapped);
    };
  }

  /** Stops following the path. */
  @Override
  public void close() {
    cache.close();
    listeners.clear();
  }

  /** On the cache's thread: rebuilds the list from the cache's direct children named member_*. */
  private synchronized void refresh(boolean initial) {
    if (initial) {
      ready = true;
    } else if (!ready) {
      return;
    }
    List<ServerSetMember> next = new ArrayList<>();
    Map<String, ServerSetMember> keep = new HashMap<>();
    Map<String, byte[]> keepFrom = new HashMap<>();
    cache.stream().forEach((ChildData c) -> {
      ZKPaths.PathAndNode pn = ZKPaths.getPathAndNode(c.getPath());
      if (!pn.getPath().equals(path) || !pn.getNode().startsWith("member_")) {
        return;
      }
      byte[] data = c.getData() == null ? new byte[0] : c.getData();
      ServerSetMember m = parsed.get(c.getPath());
      if (m == null || parsedFrom.get(c.getPath()) != data) {
        try {
          m = ServerSetJson.read(pn.getNode(), data);
        } catch (IllegalArgumentException e) {
          if (!parsed.containsKey(c.getPath()) || parsedFrom.get(c.getPath()) != data) {
            log.warn("ServerSet {}: {}; left out", path, e.getMessage());
          }
          m = null;
        }
      }
      if (m != null) {
        next.add(m);
      }
      keep.put(c.getPath(), m);
      keepFrom.put(c.getPath(), data);
    });
    parsed.clear();
    parsed.putAll(keep);
    parsedFrom.clear();
    parsedFrom.putAll(keepFrom);
    next.sort(ORDER);
    List<ServerSetMember> list = List.copyOf(next);
    boolean changed = !list.equals(members);
    members = list;
    if (initial) {
      initialized.countDown();
    }
    if (changed || initial) {
      for (Consumer<? super List<ServerSetMember>> l : listeners) {
        l.accept(list);
      }
    }
  }
}
