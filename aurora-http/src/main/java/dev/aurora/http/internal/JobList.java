package dev.aurora.http.internal;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.EventStream;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@code GET /api/v1/jobs}, kept up to date from the scheduler's events rather than
 * rebuilt from a walk of every job and task:
 *
 * <ul>
 *   <li>A listener on the scheduler's loop records each task's state and each job's creation, change
 *       and removal in a small model (a map update per event: the loop never waits for a reader, nor
 *       encodes anything).
 *   <li>A read re-encodes only the jobs that changed since the last answer (one JSON fragment each),
 *       joins the fragments into one {@code byte[]} and keeps it with an ETag, and a gzip of it made
 *       on the first read that accepts gzip. Reads in between serve the kept bytes; one reader at a
 *       time builds, the others serve the last answer meanwhile (when it is allowed to be that old).
 *   <li>It reads the scheduler (on its loop) only to seed the model (at the first read, after a
 *       change through the API, after this scheduler was not the leader, and, as a safety net for a
 *       change no event reports, when it builds an answer {@link #RESEED} or more after the last
 *       seed) and to read the config of a job an event says was created or changed.
 * </ul>
 *
 * <p><b>Staleness.</b> An answer is served while it is at most {@code staleness} old, even if
 * scheduler events came since; once older, the next read builds a new one. A change made through
 * this API is always in the next read: {@link #apiChanged()} makes the next read re-seed.
 */
public final class JobList implements AutoCloseable {
  /** How often the model is re-read whole, for changes no event reports. */
  static final long RESEED = Duration.ofSeconds(60).toNanos();

  private final Scheduler scheduler;
  private final long stalenessNanos;
  private final LongSupplier nanos;
  private final EventStream.Subscription subscription;
  private final String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);

  // ---- the model: written by the loop's listener and by seeding; guarded by `model`
  private final Object model = new Object();
  private final Map<JobKey, Meta> jobs = new HashMap<>();
  private final Map<JobKey, Map<TaskId, ScheduleStatus>> active = new HashMap<>();
  private Set<JobKey> dirty = new HashSet<>();
  /** While a seed is read: the tasks and jobs events touched meanwhile (their event is newer). */
  private @Nullable Set<Object> touched;
  private volatile long version;
  private volatile boolean reseed = true;

  // ---- built answers: guarded by `build`
  private final ReentrantLock build = new ReentrantLock();
  private final TreeMap<JobKey, byte[]> fragments = new TreeMap<>();
  private long builtVersion = -1;
  private long seededAt;
  private final Map<String, Body> answers = new ConcurrentHashMap<>();

  /** A job's summary fields; {@code type} null while its config is to be read. */
  private static final class Meta {
    final @Nullable String type;
    final int instances;

    Meta(@Nullable String type, int instances) {
      this.type = type;
      this.instances = instances;
    }

    static Meta of(JobConfig job) {
      return new Meta(job.isCron() ? "cron" : job.isService() ? "service" : "adhoc", job.instances());
    }

    static Meta unknown() {
      return new Meta(null, 0);
    }

    boolean same(Meta o) {
      return o.type != null && o.type.equals(type) && o.instances == instances;
    }
  }

  private record Summary(Meta meta, Map<String, Integer> counts) {}

  /** One answer: the JSON bytes, their ETag, and (made once, when first asked) their gzip. */
  public static final class Body {
    private final long version;
    private final long builtAtNanos;
    private final byte[] json;
    private final String etag;
    private volatile byte @Nullable [] gzip;

    Body(long version, long builtAtNanos, byte[] json, String etag) {
      this.version = version;
      this.builtAtNanos = builtAtNanos;
      this.json = json;
      this.etag = etag;
    }

    /** The JSON array. Shared: never modify it. */
    public byte[] json() {
      return json;
    }

    /** The strong ETag of the identity bytes (quoted). */
    public String etag() {
      return etag;
    }

    /** The ETag of the gzip bytes (quoted). */
    public String gzipEtag() {
      return etag.substring(0, etag.length() - 1) + "-gz\"";
    }

    /** The JSON gzipped, made on first use. Shared: never modify it. */
    public byte[] gzip() {
      byte[] g = gzip;
      if (g == null) {
        g = gzipOf(json);
        gzip = g;
      }
      return g;
    }

    /** Whether an {@code If-None-Match} value names this answer (in either encoding). */
    public boolean matches(String ifNoneMatch) {
      String gz = gzipEtag();
      for (String tag : ifNoneMatch.split(",")) {
        String t = tag.strip();
        if (t.startsWith("W/")) {
          t = t.substring(2);
        }
        if (t.equals("*") || t.equals(etag) || t.equals(gz)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Follows {@code scheduler}'s events at once; reads may lag them by {@code staleness}. */
  public JobList(Scheduler scheduler, Duration staleness, LongSupplier nanos) {
    this.scheduler = scheduler;
    this.stalenessNanos = staleness.toNanos();
    this.nanos = nanos;
    this.subscription = scheduler.events().subscribe(this::on);
  }

  @Override
  public void close() {
    subscription.close();
  }

  /** A change was made through the API: the next read re-reads the scheduler whole. */
  public void apiChanged() {
    reseed = true;
  }

  /**
   * The job list ({@code role} empty: every role's), as of at most the staleness ago.
   *
   * @throws dev.aurora.core.NotLeaderException when this scheduler does not lead
   */
  public Body read(Optional<String> role) {
    if (!scheduler.isLeader()) {
      reseed = true;
      scheduler.jobs();   // throws NotLeaderException, naming the leader
    }
    String key = role.orElse("");
    Body b = answers.get(key);
    if (b != null && current(b, nanos.getAsLong())) {
      return b;
    }
    build.lock();
    try {
      long now = nanos.getAsLong();
      b = answers.get(key);
      if (b != null && current(b, now)) {
        return b;
      }
      if (reseed || now - seededAt >= RESEED || now < seededAt) {
        seed(now);
      }
      long v = refresh();
      b = answers.get(key);
      if (b == null || b.version != v) {
        if (answers.size() >= 1_000) {
          answers.clear();
        }
        b = new Body(v, now, join(role.orElse(null)), "\"jobs-" + epoch + "-" + v + "\"");
        answers.put(key, b);
      }
      return b;
    } finally {
      build.unlock();
    }
  }

  /** Whether {@code b} may be served: nothing changed since, or it is within the staleness. */
  private boolean current(Body b, long now) {
    if (reseed) {
      return false;
    }
    long age = now - b.builtAtNanos;
    return b.version == version || (age >= 0 && age < stalenessNanos);
  }

  // ---------------------------------------------------------------- on the scheduler's loop

  private void on(SchedulerEvent e) {
    if (e instanceof SchedulerEvent.TaskStateChanged c) {
      ScheduledTask t = c.task();
      synchronized (model) {
        Map<TaskId, ScheduleStatus> tasks = active.get(t.job());
        if (t.status().isActive()) {
          if (tasks == null) {
            tasks = new HashMap<>(8);
            active.put(t.job(), tasks);
          }
          tasks.put(t.id(), t.status());
        } else if (tasks != null) {
          tasks.remove(t.id());
          if (tasks.isEmpty()) {
            active.remove(t.job());
          }
        }
        touch(t.id(), t.job());
      }
    } else if (e instanceof SchedulerEvent.JobCreated c) {
      configChanged(c.job());
    } else if (e instanceof SchedulerEvent.JobChanged c) {
      configChanged(c.job());
    } else if (e instanceof SchedulerEvent.UpdateStateChanged c) {
      configChanged(c.update().job());   // an update may replace the job's config
    } else if (e instanceof SchedulerEvent.JobKilled c) {
      removed(c.job());
    } else if (e instanceof SchedulerEvent.JobFinished c) {
      removed(c.job());
    }
  }

  private void configChanged(JobKey job) {
    synchronized (model) {
      jobs.put(job, Meta.unknown());
      touch(job, job);
    }
  }

  private void removed(JobKey job) {
    synchronized (model) {
      jobs.remove(job);
      touch(job, job);
    }
  }

  /** Under `model`. */
  private void touch(Object what, JobKey job) {
    if (touched != null) {
      touched.add(what);
    }
    dirty.add(job);
    version++;
  }

  // ---------------------------------------------------------------- off the loop, under `build`

  /** Reads every job and active task and takes what no event has told since. */
  private void seed(long now) {
    synchronized (model) {
      touched = new HashSet<>();
      reseed = false;
    }
    List<JobConfig> seedJobs;
    List<ScheduledTask> seedTasks;
    try {
      seedJobs = scheduler.jobs();
      seedTasks = scheduler.tasks(TaskQuery.all().active());
    } catch (RuntimeException e) {
      synchronized (model) {
        touched = null;
        reseed = true;
      }
      throw e;
    }
    synchronized (model) {
      Set<Object> newer = touched;
      touched = null;
      Map<JobKey, JobConfig> byKey = new HashMap<>();
      seedJobs.forEach(j -> byKey.put(j.key(), j));
      for (JobKey k : new ArrayList<>(jobs.keySet())) {
        if (!byKey.containsKey(k) && !newer.contains(k)) {
          jobs.remove(k);
          dirty.add(k);
        }
      }
      byKey.forEach((k, j) -> {
        Meta m = Meta.of(j);
        Meta had = jobs.get(k);
        if (!newer.contains(k) && (had == null || !had.same(m))) {
          jobs.put(k, m);
          dirty.add(k);
        }
      });
      Map<TaskId, ScheduledTask> seedById = new HashMap<>();
      seedTasks.forEach(t -> seedById.put(t.id(), t));
      for (Map.Entry<JobKey, Map<TaskId, ScheduleStatus>> e : new ArrayList<>(active.entrySet())) {
        for (TaskId id : new ArrayList<>(e.getValue().keySet())) {
          if (!seedById.containsKey(id) && !newer.contains(id)) {
            e.getValue().remove(id);
            dirty.add(e.getKey());
          }
        }
        if (e.getValue().isEmpty()) {
          active.remove(e.getKey());
        }
      }
      for (ScheduledTask t : seedTasks) {
        if (newer.contains(t.id())) {
          continue;
        }
        Map<TaskId, ScheduleStatus> tasks = active.computeIfAbsent(t.job(), k -> new HashMap<>(8));
        if (tasks.put(t.id(), t.status()) != t.status()) {
          dirty.add(t.job());
        }
      }
      version++;
    }
    seededAt = now;
  }

  /** Re-encodes the jobs that changed; returns the version the fragments now show. */
  private long refresh() {
    Map<JobKey, Meta> toRead = new HashMap<>();
    Map<JobKey, byte @Nullable []> encoded = new HashMap<>();
    Map<JobKey, Summary> toEncode = new HashMap<>();
    long v;
    synchronized (model) {
      v = version;
      if (v == builtVersion) {
        return v;
      }
      Set<JobKey> changed = dirty;
      dirty = new HashSet<>();
      for (JobKey k : changed) {
        Meta m = jobs.get(k);
        if (m == null) {
          encoded.put(k, null);
        } else if (m.type == null) {
          toRead.put(k, m);
        } else {
          toEncode.put(k, new Summary(m, counts(k)));
        }
      }
    }
    // encoded off the model's lock, so the loop's listener never waits for JSON
    toEncode.forEach((k, summary) -> encoded.put(k, fragment(k, summary.meta(), summary.counts())));
    toEncode.clear();
    // a job created or changed: its config, read from the scheduler (off the model's lock); one read
    // of every config when many jobs changed (e.g. a stream of new jobs), rather than one call each
    Map<JobKey, JobConfig> all = null;
    if (toRead.size() > 8) {
      all = new HashMap<>();
      for (JobConfig j : scheduler.jobs()) {
        all.put(j.key(), j);
      }
    }
    for (Map.Entry<JobKey, Meta> e : toRead.entrySet()) {
      Optional<JobConfig> config = all != null ? Optional.ofNullable(all.get(e.getKey())) : scheduler.job(e.getKey());
      synchronized (model) {
        if (jobs.get(e.getKey()) != e.getValue()) {
          continue;   // changed again meanwhile: it is dirty again and the next read takes it
        }
        if (config.isPresent()) {
          Meta m = Meta.of(config.get());
          jobs.put(e.getKey(), m);
          toEncode.put(e.getKey(), new Summary(m, counts(e.getKey())));
        } else {
          jobs.remove(e.getKey());
          encoded.put(e.getKey(), null);
        }
      }
    }
    toEncode.forEach((k, summary) -> encoded.put(k, fragment(k, summary.meta(), summary.counts())));
    encoded.forEach((k, f) -> {
      if (f == null) {
        fragments.remove(k);
      } else {
        fragments.put(k, f);
      }
    });
    builtVersion = v;
    return v;
  }

  /** Under `model`. */
  private Map<String, Integer> counts(JobKey k) {
    Map<String, Integer> counts = new TreeMap<>();
    Map<TaskId, ScheduleStatus> tasks = active.get(k);
    if (tasks != null) {
      for (ScheduleStatus s : tasks.values()) {
        counts.merge(s.name(), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static byte[] fragment(JobKey k, Meta m, Map<String, Integer> counts) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", k.toString());
    out.put("type", m.type);
    out.put("instances", m.instances);
    out.put("active", counts);
    return Json.write(out);
  }

  private byte[] join(@Nullable String role) {
    int size = 2 + fragments.size();
    for (byte[] f : fragments.values()) {
      size += f.length;
    }
    byte[] out = new byte[size];
    int at = 0;
    out[at++] = '[';
    boolean first = true;
    for (Map.Entry<JobKey, byte[]> e : fragments.entrySet()) {
      if (role != null && !role.equals(e.getKey().role())) {
        continue;
      }
      if (!first) {
        out[at++] = ',';
      }
      first = false;
      byte[] f = e.getValue();
      System.arraycopy(f, 0, out, at, f.length);
      at += f.length;
    }
    out[at++] = ']';
    return at == out.length ? out : java.util.Arrays.copyOf(out, at);
  }

  static byte[] gzipOf(byte[] json) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 8 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      gz.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
