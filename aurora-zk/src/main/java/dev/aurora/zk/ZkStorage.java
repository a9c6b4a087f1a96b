package dev.aurora.zk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.zk.internal.Frames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's state replicated in ZooKeeper: every scheduler of a cluster reads the same log, so
 * a newly elected leader recovers what the previous one acknowledged.
 *
 * <p><b>Layout</b> under {@link Builder#path} ({@code /aurora/scheduler/state} unless set):
 *
 * <pre>
 * meta                               the commit point: format, the snapshot's generation and chunk count,
 *                                    and the last log znode the snapshot covers (JSON)
 * log/bucket-NNNNNNNNNN/batch-NNNNNNNNNN
 *                                    one znode per appended batch (persistent sequential), deflated JSON;
 *                                    a bucket holds at most 10,000 of them, so no listing outgrows a znode
 * snapshots/gen-G/chunk-NNNNNN       the snapshot of generation G in segments of 1,024 ops, each deflated
 *                                    JSON (encoded and decoded in parallel), cut into chunks
 * </pre>
 *
 * <p><b>Appends</b> are one ZooKeeper transaction per batch (the scheduler's group commit: all the ops
 * of a state-loop turn), which also checks the writer's fence: with {@link Builder#fencedBy} set, the
 * leader's latch znode must still exist, so a deposed leader (session expired, or another elected)
 * can never append. A batch too large for one znode ({@link Builder#maxZnodeBytes}) is written as
 * several parts, one transaction each; recovery keeps a batch only if every part is there (a batch cut
 * short was never acknowledged).
 *
 * <p><b>Snapshots</b> write the chunks of a new generation, then switch {@code meta} to it in one
 * transaction (the commit point), then delete the log and older generations (compaction). Recovery
 * reads {@code meta}, its snapshot and every log znode after it; a znode that is damaged, missing, or
 * of another format fails recovery with a message naming it, and nothing is half-recovered.
 */
public final class ZkStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(ZkStorage.class);
  /**
   * The format written: 2 since snapshots are segmented ({@link Frames}); a storage of format 1 is
   * still read (and becomes format 2 at its next snapshot), a newer one is refused.
   */
  private static final int FORMAT = 2;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Enough below ZooKeeper's default 1 MiB jute.maxbuffer for the transaction's other bytes. */
  private static final int DEFAULT_MAX_ZNODE = 512 * 1024;
  private static final int DELETES_PER_TRANSACTION = 500;
  private static final int READS_IN_FLIGHT = 500;

  private final ZooKeeperConnection zk;
  private final CuratorFramework client;
  private final String root;
  private final String metaPath;
  private final String logPath;
  private final String snapshotsPath;
  private final @Nullable ZkLeaderElection fence;
  private final int maxPayload;
  private final int bucketCapacity;

  // what this writer knows of the stored state, valid after recover()
  private boolean recovered;
  private boolean closed;
  private int metaVersion = -1;
  private long snapshotGen = -1;
  private @Nullable String bucket;
  private int inBucket;
  private long lastBucket = -1;
  private long lastBatch = -1;

  private ZkStorage(Builder b) {
    this.zk = b.zk;
    this.client = b.zk.curator();
    this.root = b.path;
    this.metaPath = root + "/meta";
    this.logPath = root + "/log";
    this.snapshotsPath = root + "/snapshots";
    this.fence = b.fence;
    this.maxPayload = b.maxZnodeBytes - Frames.HEADER;
    this.bucketCapacity = b.bucketCapacity;
  }

  /** A builder of storage over {@code zk}. */
  public static Builder builder(ZooKeeperConnection zk) {
    return new Builder(zk);
  }

  // ------------------------------------------------------------------ recovery

  @Override
  public synchronized Stored recover() {
    if (closed) {
      throw new IllegalStateException("storage is closed");
    }
    try {
      for (String p : List.of(root, logPath, snapshotsPath)) {
        if (client.checkExists().forPath(p) == null) {
          try {
            client.create().creatingParentsIfNeeded().forPath(p);
          } catch (KeeperException.NodeExistsException e) {
            // another scheduler made it
          }
        }
      }
      Stat stat = new Stat();
      byte[] metaBytes = null;
      try {
        metaBytes = client.getData().storingStatIn(stat).forPath(metaPath);
      } catch (KeeperException.NoNodeException e) {
        stat = null;
      }
      long gen = -1;
      int chunks = 0;
      int format = FORMAT;
      long opCount = -1;
      long afterBucket = -1;
      long afterBatch = -1;
      if (stat != null) {
        ObjectNode meta = readMeta(metaBytes);
        gen = meta.path("snapshot").asLong(-1);
        chunks = meta.path("chunks").asInt(0);
        afterBucket = meta.path("afterBucket").asLong(-1);
        afterBatch = meta.path("afterBatch").asLong(-1);
        format = meta.path("format").asInt();
        opCount = meta.path("ops").asLong(-1);
      }
      List<Op> snapshot = gen < 0 ? List.of() : readSnapshot(gen, chunks, format, opCount);

      List<Op> log = new ArrayList<>();
      List<String> buckets = sorted(client.getChildren().forPath(logPath));
      long lastB = afterBucket;
      long lastN = afterBatch;
      String lastBucketPath = null;
      int lastCount = 0;
      List<byte[]> pending = new ArrayList<>();
      String pendingStart = null;
      int pendingParts = 0;
      for (String b : buckets) {
        long bseq = seq(b);
        if (bseq < afterBucket) {
          continue; // compacted away, or left by a compaction cut short
        }
        String bpath = logPath + "/" + b;
        List<String> batches = sorted(client.getChildren().forPath(bpath));
        lastBucketPath = bpath;
        lastCount = batches.size();
        List<String> paths = new ArrayList<>();
        for (String n : batches) {
          if (bseq == afterBucket && seq(n) <= afterBatch) {
            continue;
          }
          paths.add(bpath + "/" + n);
        }
        List<byte[]> datas = readAll(paths);
        for (int i = 0; i < paths.size(); i++) {
          String where = "log znode " + paths.get(i);
          Frames.Frame f = Frames.read(Frames.LOG, datas.get(i), where);
          if (f.part() == 0) {
            if (!pending.isEmpty()) {
              LOG.warn("storage {}: dropped the batch starting at {}: {} of its {} parts were written (its "
                  + "writer stopped before the batch was acknowledged)", root, pendingStart, pending.size(), pendingParts);
            }
            pending = new ArrayList<>();
            pendingStart = paths.get(i);
            pendingParts = f.parts();
          } else if (pending.isEmpty() || f.parts() != pendingParts || f.part() != pending.size()) {
            throw Frames.corrupt(where, "it is part " + f.part() + " of " + f.parts() + " but follows "
                + (pending.isEmpty() ? "no earlier part" : "part " + (pending.size() - 1) + " of " + pendingParts));
          }
          pending.add(f.payload());
          if (pending.size() == f.parts()) {
            log.addAll(Frames.decode(pending, pending.size() == 1 ? where : "the batch starting at " + pendingStart));
            pending = new ArrayList<>();
          }
          lastB = bseq;
          lastN = seq(paths.get(i));
        }
      }
      if (!pending.isEmpty()) {
        LOG.warn("storage {}: dropped the last batch starting at {}: {} of its {} parts were written (never "
            + "acknowledged)", root, pendingStart, pending.size(), pendingParts);
      }
      // all read: only now does this writer take the position
      this.metaVersion = stat == null ? -1 : stat.getVersion();
      this.snapshotGen = gen;
      this.lastBucket = lastB;
      this.lastBatch = lastN;
      this.bucket = lastBucketPath;
      this.inBucket = lastCount;
      this.recovered = true;
      LOG.info("storage {}: recovered a snapshot of {} ops (generation {}) and {} logged ops", root, snapshot.size(),
          gen, log.size());
      return new Stored(snapshot, log);
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw failure("recovery", e);
    }
  }

  private ObjectNode readMeta(byte[] bytes) {
    ObjectNode meta;
    try {
      meta = (ObjectNode) JSON.readTree(bytes);
    } catch (IOException | ClassCastException | NullPointerException e) {
      throw Frames.corrupt("the meta znode " + metaPath, "it is not the JSON object aurora-zk writes");
    }
    if (meta == null || !meta.has("format")) {
      throw Frames.corrupt("the meta znode " + metaPath, "it has no format");
    }
    int format = meta.path("format").asInt(-1);
    if (format > FORMAT) {
      throw new StorageException("ZooKeeper storage " + root + " has format " + format + ", newer than this version "
          + "of aurora-zk reads (" + FORMAT + "): upgrade this scheduler; nothing was recovered");
    }
    if (format < 1) {
      throw Frames.corrupt("the meta znode " + metaPath, "its format " + meta.path("format") + " is unknown");
    }
    return meta;
  }

  private List<Op> readSnapshot(long gen, int chunks, int format, long opCount) throws Exception {
    byte[] magic = format == 1 ? Frames.SNAPSHOT_V1 : Frames.SNAPSHOT;
    String dir = snapshotsPath + "/gen-" + gen;
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      paths.add(dir + "/" + chunkName(i));
    }
    List<byte[]> datas = readAll(paths);
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      String where = "snapshot chunk " + paths.get(i);
      if (datas.get(i) == null) {
        throw Frames.corrupt(where, "it is missing (meta says generation " + gen + " has " + chunks + " chunks)");
      }
      Frames.Frame f = Frames.read(magic, datas.get(i), where);
      if (f.part() != i || f.parts() != chunks) {
        throw Frames.corrupt(where, "it is part " + f.part() + " of " + f.parts() + ", expected " + i + " of " + chunks);
      }
      payloads.add(f.payload());
    }
    String where = "snapshot generation " + gen + " (" + dir + ")";
    return format == 1 ? Frames.decode(payloads, where) : Frames.decodeSnapshot(payloads, opCount, where);
  }

  /** Reads many znodes, pipelined; a missing one reads as null. */
  private List<byte[]> readAll(List<String> paths) throws Exception {
    byte[][] out = new byte[paths.size()][];
    if (paths.isEmpty()) {
      return List.of();
    }
    CountDownLatch done = new CountDownLatch(paths.size());
    Semaphore inFlight = new Semaphore(READS_IN_FLIGHT);
    AtomicReference<Exception> error = new AtomicReference<>();
    for (int i = 0; i < paths.size(); i++) {
      int index = i;
      inFlight.acquire();
      client.getData().inBackground((c, event) -> {
        try {
          KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
          if (code == KeeperException.Code.OK) {
            out[index] = event.getData();
          } else if (code != KeeperException.Code.NONODE) {
            error.compareAndSet(null, KeeperException.create(code, event.getPath()));
          }
        } finally {
          inFlight.release();
          done.countDown();
        }
      }).forPath(paths.get(i));
    }
    if (!done.await(Math.max(30, paths.size() / 100), TimeUnit.SECONDS)) {
      throw new StorageException("ZooKeeper storage " + root + ": reading " + paths.size() + " znodes timed out in " + zk);
    }
    if (error.get() != null) {
      throw error.get();
    }
    List<byte[]> list = new ArrayList<>(out.length);
    for (byte[] b : out) {
      list.add(b);
    }
    return list;
  }

  // ------------------------------------------------------------------ writes

  @Override
  public synchronized void append(List<Op> ops) {
    checkWritable();
    if (ops.isEmpty()) {
      return;
    }
    List<byte[]> frames = Frames.encode(Frames.LOG, ops, maxPayload);
    try {
      for (byte[] frame : frames) {
        String b = currentBucket();
        List<CuratorTransactionResult> results = commit(
            client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(b + "/batch-", frame));
        String created = results.get(results.size() - 1).getResultPath();
        inBucket++;
        lastBucket = seq(b);
        lastBatch = seq(created);
      }
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw failure("append of " + ops.size() + " ops", e);
    }
  }

  private String currentBucket() throws Exception {
    if (bucket == null || inBucket >= bucketCapacity) {
      List<CuratorTransactionResult> r = commit(client.transactionOp().create()
          .withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(logPath + "/bucket-"));
      bucket = r.get(r.size() - 1).getResultPath();
      inBucket = 0;
    }
    return bucket;
  }

  @Override
  public synchronized void snapshot(List<Op> snapshot) {
    checkWritable();
    long gen = snapshotGen + 1;
    String dir = snapshotsPath + "/gen-" + gen;
    List<byte[]> frames = Frames.encodeSnapshot(snapshot, maxPayload);
    try {
      deleteTree(dir); // left by an attempt that failed before its commit
      commit(client.transactionOp().create().forPath(dir));
      List<CuratorOp[]> chunks = new ArrayList<>();
      for (int i = 0; i < frames.size(); i++) {
        chunks.add(new CuratorOp[] {client.transactionOp().create().forPath(dir + "/" + chunkName(i), frames.get(i))});
      }
      commitPipelined(chunks);
      ObjectNode meta = JSON.createObjectNode().put("format", FORMAT).put("snapshot", gen).put("chunks", frames.size())
          .put("ops", snapshot.size()).put("afterBucket", lastBucket).put("afterBatch", lastBatch);
      byte[] bytes = JSON.writeValueAsBytes(meta);
      List<CuratorTransactionResult> r = commit(metaVersion < 0
          ? client.transactionOp().create().forPath(metaPath, bytes)
          : client.transactionOp().setData().withVersion(metaVersion).forPath(metaPath, bytes));
      CuratorTransactionResult last = r.get(r.size() - 1);
      metaVersion = last.getResultStat() != null ? last.getResultStat().getVersion() : 0;
      snapshotGen = gen;
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw failure("snapshot of " + snapshot.size() + " ops", e);
    }
    compact(gen);
  }

  /** Deletes the log the snapshot covers and older generations; what is left is ignored by recovery. */
  private void compact(long gen) {
    try {
      List<String> doomed = new ArrayList<>();
      for (String b : sorted(client.getChildren().forPath(logPath))) {
        String bpath = logPath + "/" + b;
        for (String n : client.getChildren().forPath(bpath)) {
          doomed.add(bpath + "/" + n);
        }
        doomed.add(bpath);
      }
      for (String g : client.getChildren().forPath(snapshotsPath)) {
        if (!g.equals("gen-" + gen)) {
          String gpath = snapshotsPath + "/" + g;
          for (String c : client.getChildren().forPath(gpath)) {
            doomed.add(gpath + "/" + c);
          }
          doomed.add(gpath);
        }
      }
      bucket = null; // the next append starts a new bucket
      inBucket = 0;
      for (int i = 0; i < doomed.size(); i += DELETES_PER_TRANSACTION) {
        List<CuratorOp> ops = new ArrayList<>();
        for (String p : doomed.subList(i, Math.min(doomed.size(), i + DELETES_PER_TRANSACTION))) {
          ops.add(client.transactionOp().delete().forPath(p));
        }
        commit(ops.toArray(CuratorOp[]::new));
      }
    } catch (Exception e) {
      LOG.warn("storage {}: compaction after snapshot generation {} stopped ({}); recovery ignores what is left and "
          + "the next snapshot deletes it", root, gen, e.toString());
    }
  }

  private void deleteTree(String path) throws Exception {
    if (client.checkExists().forPath(path) != null) {
      client.delete().deletingChildrenIfNeeded().forPath(path);
    }
  }

  /** The znode a write must check (this writer's fence), null without a fence; refuses when not leading. */
  private String fencePath() {
    if (fence == null) {
      return null;
    }
    Optional<String> f = fence.fence();
    if (f.isEmpty()) {
      throw new StorageException("ZooKeeper storage " + root + ": write refused, this scheduler is not the leader ("
          + fence + ")");
    }
    return f.get();
  }

  /** Runs {@code ops} as one transaction, checking first that this writer still holds its fence. */
  private List<CuratorTransactionResult> commit(CuratorOp... ops) throws Exception {
    List<CuratorOp> all = new ArrayList<>(ops.length + 1);
    String fencePath = fencePath();
    if (fencePath != null) {
      all.add(client.transactionOp().check().forPath(fencePath));
    }
    all.addAll(List.of(ops));
    try {
      return client.transaction().forOperations(all);
    } catch (KeeperException.NoNodeException e) {
      if (fencePath != null && client.checkExists().forPath(fencePath) == null) {
        throw new StorageException("ZooKeeper storage " + root + ": write refused, this scheduler was deposed (its "
            + "leader latch znode " + fencePath + " is gone: session expired or leadership lost)", e);
      }
      throw e;
    }
  }

  /**
   * Runs each of {@code transactions} as {@link #commit} does, all sent at once (pipelined) rather than
   * one round trip after another; fails if any fails.
   */
  private void commitPipelined(List<CuratorOp[]> transactions) throws Exception {
    if (transactions.isEmpty()) {
      return;
    }
    CountDownLatch done = new CountDownLatch(transactions.size());
    AtomicReference<Exception> error = new AtomicReference<>();
    String fencePath = fencePath();
    for (CuratorOp[] ops : transactions) {
      List<CuratorOp> all = new ArrayList<>(ops.length + 1);
      if (fencePath != null) {
        all.add(client.transactionOp().check().forPath(fencePath));
      }
      all.addAll(List.of(ops));
      client.transaction().inBackground((c, event) -> {
        try {
          KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
          if (code != KeeperException.Code.OK) {
            error.compareAndSet(null, KeeperException.create(code, event.getPath()));
          }
        } finally {
          done.countDown();
        }
      }).forOperations(all);
    }
    if (!done.await(Math.max(60, transactions.size()), TimeUnit.SECONDS)) {
      throw new StorageException("ZooKeeper storage " + root + ": writing " + transactions.size() + " znodes timed out in "
          + zk);
    }
    Exception e = error.get();
    if (e != null) {
      if (e instanceof KeeperException.NoNodeException && fencePath != null
          && client.checkExists().forPath(fencePath) == null) {
        throw new StorageException("ZooKeeper storage " + root + ": write refused, this scheduler was deposed (its "
            + "leader latch znode " + fencePath + " is gone: session expired or leadership lost)", e);
      }
      throw e;
    }
  }

  private void checkWritable() {
    if (closed) {
      throw new StorageException("ZooKeeper storage " + root + " is closed");
    }
    if (!recovered) {
      throw new IllegalStateException("recover() the storage before writing to it");
    }
  }

  private StorageException failure(String what, Exception e) {
    if (e instanceof KeeperException.ConnectionLossException || e instanceof KeeperException.SessionExpiredException) {
      return new StorageException("ZooKeeper storage " + root + ": " + what + " failed, " + zk + " was lost ("
          + e.getMessage() + "); the write may or may not have happened", e);
    }
    if (e instanceof KeeperException.NoAuthException) {
      return new StorageException("ZooKeeper storage " + root + ": " + what + " was refused by the ACL of " + e.getMessage()
          + ": check the credentials of the ZooKeeperConnection", e);
    }
    return new StorageException("ZooKeeper storage " + root + ": " + what + " failed: " + e, e);
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "ZkStorage at " + root + " in " + zk;
  }

  private static String chunkName(int i) {
    return String.format("chunk-%06d", i);
  }

  private static long seq(String name) {
    return Long.parseLong(name.substring(name.length() - 10));
  }

  private static List<String> sorted(List<String> names) {
    List<String> s = new ArrayList<>(names);
    s.sort(Comparator.comparingLong(ZkStorage::seq));
    return s;
  }

  /** Builds a {@link ZkStorage}. */
  public static final class Builder {
    private final ZooKeeperConnection zk;
    private String path = "/aurora/scheduler/state";
    private @Nullable ZkLeaderElection fence;
    private int maxZnodeBytes = DEFAULT_MAX_ZNODE;
    private int bucketCapacity = 10_000;

    Builder(ZooKeeperConnection zk) {
      this.zk = Objects.requireNonNull(zk, "zk");
    }

    /** The znode under which the state lives; {@code /aurora/scheduler/state} unless set. */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
        throw new IllegalArgumentException("state path must be an absolute znode path like /aurora/state, was '"
            + path + "'");
      }
      this.path = path;
      return this;
    }

    /**
     * Fences every write by {@code election}: a write is a transaction that checks this scheduler's
     * leader latch znode still exists, so it fails once the scheduler is deposed. Set it whenever
     * several schedulers share the storage.
     */
    public Builder fencedBy(ZkLeaderElection election) {
      this.fence = Objects.requireNonNull(election, "election");
      return this;
    }

    /**
     * The largest znode written (frame header included); 512 KiB unless set, half of ZooKeeper's
     * default {@code jute.maxbuffer}. Larger batches and snapshots are cut into parts of this size.
     */
    public Builder maxZnodeBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("max znode size must be >= 1024 bytes, was " + bytes);
      }
      this.maxZnodeBytes = bytes;
      return this;
    }

    /** How many log znodes one bucket holds; 10,000 unless set (keeps each listing far below 1 MiB). */
    public Builder bucketCapacity(int batches) {
      if (batches < 1) {
        throw new IllegalArgumentException("bucket capacity must be >= 1, was " + batches);
      }
      this.bucketCapacity = batches;
      return this;
    }

    /** Builds the storage; nothing is read until the scheduler calls {@link Storage#recover()}. */
    public ZkStorage build() {
      return new ZkStorage(this);
    }
  }
}
