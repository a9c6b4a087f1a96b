package dev.aurora.zk;

import dev.aurora.api.Announce;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.EventStream;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.zk.internal.serverset.ServerSetJson;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces a scheduler's tasks in ZooKeeper as Finagle ServerSet members, as Aurora does, so that
 * clients (Finagle, {@link ServerSetWatcher}, anything that reads ServerSets) find them.
 *
 * <p>A task is announced while it is RUNNING and healthy (with a health check: once a check has passed;
 * without one: once RUNNING), if its job has an {@link Announce}. It gets an ephemeral sequential znode
 * {@code member_NNNNNNNNNN} under {@code <zkPath>/<role>/<environment>/<job>} holding
 *
 * <pre>{@code
 * {"serviceEndpoint":{"host":"web-3","port":31001},
 *  "additionalEndpoints":{"admin":{"host":"web-3","port":31002},"http":{"host":"web-3","port":31001}},
 *  "status":"ALIVE","shard":2}
 * }</pre>
 *
 * with the {@code primaryPort} as the service endpoint, every named port as an additional endpoint and the
 * instance id as the shard. The member is removed as soon as the task stops being RUNNING or healthy (it
 * is killed, fails, is lost, or fails a health check). After a ZooKeeper session loss the members come
 * back (Curator's {@link PersistentNode} re-creates them, with new sequence numbers) once the session is
 * re-established.
 *
 * <pre>{@code
 * CuratorFramework zk = CuratorFrameworkFactory.newClient("zk1:2181,zk2:2181,zk3:2181",
 *     new ExponentialBackoffRetry(1000, 3));
 * zk.start();
 * scheduler.start();
 * try (ServerSetAnnouncer announcer = ServerSetAnnouncer.start(scheduler, zk)) {
 *   ...  // as long as the scheduler runs
 * }
 * }</pre>
 *
 * <p>It works with any backend: it uses only the scheduler's public events and reads. It writes to
 * ZooKeeper on its own thread, never on the scheduler's state loop, so a slow or unreachable ZooKeeper
 * does not slow scheduling. Members are ephemeral znodes of the given client's session: they are removed
 * when this announcer is closed or that session ends, and written again by the announcer of whichever
 * scheduler runs next (Aurora announces from each task's executor instead, so its members outlive the
 * scheduler). Close the announcer when the scheduler closes.
 */
public final class ServerSetAnnouncer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerSetAnnouncer.class);
  private static final int REMOVERS = 8;

  private final CuratorFramework zk;
  private final ExecutorService writer;
  /** Deletes members: a deletion waits for ZooKeeper's answer, so several run at once. */
  private final ExecutorService removers;
  private final Set<CompletableFuture<?>> removing = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final EventStream.Subscription subscription;
  // touched only on the writer thread
  private final Map<TaskId, PersistentNode> members = new HashMap<>();
  /** How many of our members each ServerSet path has: its parents are created before its first member. */
  private final Map<String, Integer> membersPerPath = new HashMap<>();
  private final Map<TaskId, String> pathOf = new HashMap<>();
  private final Set<TaskId> seenInEvents = new HashSet<>();
  private boolean initialSyncDone;
  private volatile int announced;
  private volatile boolean closed;

  /** What a task should have in ZooKeeper: a member with this data under this path, or none (null). */
  private record Desired(String path, byte[] data) {}

  private ServerSetAnnouncer(Scheduler scheduler, CuratorFramework zk) {
    this.zk = zk;
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "aurora-serverset-announcer");
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    this.removers = Executors.newFixedThreadPool(REMOVERS, r -> {
      Thread t = new Thread(r, "aurora-serverset-remover-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // Events first, then the tasks running now: an event seen before the read was applied is at least as
    // new as the read for its task (see apply), so no member is left stale.
    this.subscription = scheduler.events().subscribe(this::onEvent);
    List<ScheduledTask> running;
    try {
      running = scheduler.tasks(TaskQuery.all().states(ScheduleStatus.RUNNING));
    } catch (RuntimeException e) {
      subscription.close();
      writer.shutdownNow();
      removers.shutdownNow();
      throw e;
    }
    for (ScheduledTask t : running) {
      if (t.config().announce().isPresent()) {
        Desired d = desired(t);
        TaskId id = t.id();
        submit(() -> {
          if (!seenInEvents.contains(id)) {
            apply(id, d);
          }
        });
      }
    }
    submit(() -> {
      initialSyncDone = true; // events from here on are all newer than the read: no need to remember them
      seenInEvents.clear();
    });
  }

  /**
   * Starts announcing the tasks of {@code scheduler} through {@code zk}: the RUNNING and healthy tasks of
   * jobs with an {@link Announce} now, and every change from now on.
   *
   * @param scheduler a started scheduler
   * @param zk a started Curator client; the announcer does not close it
   * @throws IllegalStateException if the scheduler is not started, or is closed
   */
  public static ServerSetAnnouncer start(Scheduler scheduler, CuratorFramework zk) {
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(zk, "zk");
    return new ServerSetAnnouncer(scheduler, zk);
  }

  /**
   * The ServerSet path of a job announced under {@code announce}: {@code <zkPath>/<role>/<environment>/<name>}.
   */
  public static String serverSetPath(JobKey job, Announce announce) {
    return ZKPaths.makePath(announce.zkPath(), job.role(), job.environment(), job.name());
  }

  /** How many tasks are announced now (members written, or being written while ZooKeeper is away). */
  public int announcedCount() {
    return announced;
  }

  /**
   * Completes once every change the announcer has seen so far is written to ZooKeeper: each member that
   * should exist has been created at least once, and each that should not has been deleted. Bound the
   * wait: while ZooKeeper is unreachable it does not complete.
   */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      writer.execute(() -> {
        try {
          for (PersistentNode n : members.values()) {
            while (!n.waitForInitialCreate(1, TimeUnit.SECONDS)) {
              if (closed) {
                break;
              }
            }
          }
          CompletableFuture.allOf(removing.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> done.complete(null));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          done.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(new IllegalStateException("the announcer is closed"));
    }
    return done;
  }

  /** Stops announcing and removes every member this announcer wrote. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    subscription.close();
    submit(() -> {
      for (PersistentNode n : members.values()) {
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> closeQuietly(n), removers);
        removing.add(f);
      }
      members.clear();
      pathOf.clear();
      membersPerPath.clear();
      announced = 0;
    });
    writer.shutdown();
    try {
      boolean done = writer.awaitTermination(30, TimeUnit.SECONDS)
          && CompletableFuture.allOf(removing.toArray(new CompletableFuture<?>[0]))
              .thenApply(v -> true).completeOnTimeout(false, 30, TimeUnit.SECONDS).join();
      if (!done) {
        log.warn("ServerSet announcer: members not all removed after 30 s; they go when the ZooKeeper session ends");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      writer.shutdownNow();
      removers.shutdown();
    }
  }

  /** On the state loop: works out what the task should have, and hands the write to the writer thread. */
  private void onEvent(SchedulerEvent e) {
    ScheduledTask t;
    if (e instanceof SchedulerEvent.TaskStateChanged s) {
      t = s.task();
    } else if (e instanceof SchedulerEvent.TaskHealthChanged h) {
      t = h.task();
    } else {
      return;
    }
    if (t.config().announce().isEmpty()) {
      return; // a task's config never changes: it was never announced
    }
    Desired d = desired(t);
    TaskId id = t.id();
    submit(() -> {
      if (!initialSyncDone) {
        seenInEvents.add(id);
      }
      apply(id, d);
    });
  }

  private static Desired desired(ScheduledTask t) {
    Optional<Announce> announce = t.config().announce();
    if (announce.isEmpty() || !t.isRunningAndHealthy() || t.host().isEmpty()) {
      return null;
    }
    Map<String, Integer> ports = t.ports();
    Integer primary = ports.get(announce.get().primaryPort());
    if (primary == null || primary < 0) {
      log.warn("task {}: not announced, its primary port {} has no number", t.id(), announce.get().primaryPort());
      return null;
    }
    return new Desired(serverSetPath(t.job(), announce.get()),
        ServerSetJson.write(t.host().get(), primary, ports, t.instance()));
  }

  private void submit(Runnable work) {
    try {
      writer.execute(work);
    } catch (RejectedExecutionException e) {
      // closed: nothing more is announced
    }
  }

  /** On the writer thread. */
  private void apply(TaskId id, Desired d) {
    if (closed) {
      return;
    }
    PersistentNode existing = members.get(id);
    if (d == null) {
      if (existing != null) {
        members.remove(id);
        membersPerPath.computeIfPresent(pathOf.remove(id), (p, n) -> n == 1 ? null : n - 1);
        announced = members.size();
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> closeQuietly(existing), removers);
        removing.add(f);
        f.whenComplete((v, e) -> removing.remove(f));
        log.debug("task {}: member removed", id);
      }
    } else if (existing == null) {
      if (!membersPerPath.containsKey(d.path())) {
        // Once, before the first member: a create that has to make the parents itself does so one at a
        // time on Curator's background thread, which would serialize the first members of a ServerSet.
        try {
          zk.createContainers(d.path());
        } catch (Exception e) {
          log.debug("ServerSet {}: parents not created yet ({}); the member's create makes them", d.path(), e.toString());
        }
      }
      PersistentNode node = new PersistentNode(zk, CreateMode.EPHEMERAL_SEQUENTIAL, false,
          ZKPaths.makePath(d.path(), "member_"), d.data());
      node.start();
      members.put(id, node);
      pathOf.put(id, d.path());
      membersPerPath.merge(d.path(), 1, Integer::sum);
      announced = members.size();
      log.debug("task {}: announcing under {}", id, d.path());
    }
  }

  private static void closeQuietly(PersistentNode n) {
    try {
      n.close();
    } catch (IOException | RuntimeException e) {
      log.warn("ServerSet member {} not removed ({}); it goes when the ZooKeeper session ends", n.getActualPath(),
          e.toString());
    }
  }
}
