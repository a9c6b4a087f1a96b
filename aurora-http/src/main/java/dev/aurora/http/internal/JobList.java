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
 *   <li>A listener on the scheduler's loop only puts each event that matters here (a task's state,
 *       a job's creation, change and removal) in an {@link Inbox}: a slot write and an ordered count
 *       write, no lock, so the loop never waits for a reader, whatever the reader is doing. A task's
 *       change is kept as its job, id and state only (not the event's snapshot of the task), so what
 *       waits for the next read is small and dies young.
 *   <li>A read takes the events from the inbox into a small model (a map update each), re-encodes
 *       only the jobs that changed since the last answer (one JSON fragment each), joins the fragments
 *       into one {@code byte[]} and keeps it with an ETag, and a gzip of it made on the first read that
 *       accepts gzip. Reads in between serve the kept bytes; one reader at a time builds. Once the
 *       answer is half the staleness old and something changed, the next reader builds the next one
 *       while the others keep serving the last (still within the staleness), so under steady reads
 *       nobody waits for a build; a reader waits only when the answer it would serve is too old.
 *   <li>A job's creation or change comes with its config, read by the listener on the loop (where
 *       a read of the scheduler runs inline: a map lookup, no hand-off), so a build never asks the
 *       loop for configs. A build reads the scheduler (a call that waits for its loop) only to seed the
 *       model (at the first read, after a change through the API, after this scheduler was not the
 *       leader, after the inbox overflowed because nobody read for a long time, and, as a safety net
 *       for a change no event reports, when it builds an answer {@link #RESEED} or more after the
 *       last seed) and, rarely, for a config the listener could not read.
 * </ul>
 *
 * <p><b>Staleness.</b> An answer is served while it is at most {@code staleness} old, even if
 * scheduler events came since; once older, the next read builds a new one. A change made through
 * this API is always in the next read: {@link #apiChanged()} makes the next read re-seed.
 */
public final class JobList implements AutoCloseable {
  /** How often the model is re-read whole, for changes no event reports. */
  static final long RESEED = Duration.ofSeconds(60).toNanos();
  /**
   * Events kept for the next read at most (each holds its task's snapshot, which the scheduler
   * mostly holds anyway): beyond this the loop drops them and the next read re-reads the scheduler
   * whole. A scheduler placing 40,000 tasks a second makes about 250,000 a second.
   */
  static final int INBOX_LIMIT = 1 << 18;
  /** Events a read takes from the inbox at most (the rest wait for the next read). */
  static final int DRAIN_MAX = INBOX_LIMIT;

  private final Scheduler scheduler;
  private final long stalenessNanos;
  private final LongSupplier nanos;
  private final EventStream.Subscription subscription;
  private final String epoch = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);

  // ---- written by the loop's listener only
  /** {@link TaskChange}s and the job events themselves, in the order the loop saw them. */
  private final Inbox<Object> inbox;
  /**
   * The events the listener was given that matter here (queued or dropped). Written by the loop with a
   * release store ({@link #VERSION}; no fence per event), after the event is in the inbox, so a reader
   * that reads it (a volatile read) finds every event it counts in the inbox.
   */
  private volatile long version;

  private static final java.lang.invoke.VarHandle VERSION;

  static {
    try {
      VERSION = java.lang.invoke.MethodHandles.lookup().findVarHandle(JobList.class, "version", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
  private volatile boolean reseed = true;

  // ---- the model and the built answers: guarded by `build`
  private final ReentrantLock build = new ReentrantLock();
  private final Map<JobKey, Meta> jobs = new HashMap<>();
  private final Map<JobKey, Map<TaskId, ScheduleStatus>> active = new HashMap<>();
  private Set<JobKey> dirty = new HashSet<>();
  private final TreeMap<JobKey, byte[]> fragments = new TreeMap<>();
  /** Counts the changes of {@link #fragments}: an answer's content is that of its generation. */
  private long generation;
  private long seededAt;
  private final Map<String, Body> answers = new ConcurrentHashMap<>();

  /**
   * A task's new state, as much of a {@link SchedulerEvent.TaskStateChanged} as the list needs: the
   * event itself holds a whole snapshot of the task (its history, ports, times; about 220 bytes with
   * the event and its time), which, kept in the inbox until the next read, would outlive young
   * collections (up to the staleness under reads, indefinitely while nobody reads) and be copied and
   * promoted by the collector. This keeps only references the scheduler holds anyway.
   */
  private record TaskChange(JobKey job, TaskId id, ScheduleStatus status) {}

  /**
   * A job created or changed, with its config as the listener read it on the loop right after the
   * change ({@code config} null when it could not: the next build reads it from the scheduler).
   */
  private record ConfigChange(JobKey job, @Nullable JobConfig config) {}

  /** A job's summary fields; {@code type} null while its config is to be read. */
  private static final class Meta {
    static final Meta UNKNOWN = new Meta(null, 0);

    final @Nullable String type;
    final int instances;

    Meta(@Nullable String type, int instances) {
      this.type = type;
      this.instances = instances;
    }

    static Meta of(JobConfig job) {
      return new Meta(job.isCron() ? "cron" : job.isService() ? "service" : "adhoc", job.instances());
    }

    boolean same(Meta o) {
      return o.type != null && o.type.equals(type) && o.instances == instances;
    }
  }

  /** One answer: the JSON bytes, their ETag, and (made once, when first asked) their gzip. */
  public static final class Body {
    private final long version;
    private final long builtAtNanos;
    private final long generation;
    private final byte[] json;
    private final String etag;
    private volatile byte @Nullable [] gzip;

    Body(long version, long builtAtNanos, long generation, byte[] json, String etag, byte @Nullable [] gzip) {
      this.version = version;
      this.builtAtNanos = builtAtNanos;
      this.generation = generation;
      this.json = json;
      this.etag = etag;
      this.gzip = gzip;
    }

    /** The same content, found current as of {@code version} at {@code now}. */
    Body renewed(long version, long now) {
      return new Body(version, now, generation, json, etag, gzip);
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

    /** Whether {@link #gzip()} is made already (and costs nothing). */
    public boolean hasGzip() {
      return gzip != null;
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
    this(scheduler, staleness, nanos, INBOX_LIMIT);
  }

  /** The same, keeping at most {@code inboxLimit} events between two reads. */
  JobList(Scheduler scheduler, Duration staleness, LongSupplier nanos, int inboxLimit) {
    this.scheduler = scheduler;
    this.stalenessNanos = staleness.toNanos();
    this.nanos = nanos;
    this.inbox = new Inbox<>(inboxLimit);
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
    long at = nanos.getAsLong();
    if (b != null && current(b, at)) {
      // past half the staleness with changes waiting, one reader builds the next answer while the others
      // keep serving this one, still within the staleness: no reader waits for a build unless it takes
      // more than half the staleness (when every reader found the answer expired and waited for the
      // build, they queued behind it in bursts)
      if (!dueAhead(b, at) || !build.tryLock()) {
        return b;
      }
      Body last = b;
      try {
        b = answers.get(key);
        return b != null && !dueAhead(b, nanos.getAsLong()) ? b : build(role, key, b, nanos.getAsLong());
      } catch (RuntimeException e) {
        // the scheduler could not be read (the model keeps what is to be taken again): the last answer
        // is still within the staleness; a read once it is not builds, or fails, as always
        return last;
      } finally {
        build.unlock();
      }
    }
    build.lock();
    try {
      long now = nanos.getAsLong();
      b = answers.get(key);
      if (b != null && current(b, now)) {
        return b;
      }
      return build(role, key, b, now);
    } finally {
      build.unlock();
    }
  }

  /**
   * The answer for {@code role} if one is at hand and may be served now without building, or null:
   * never waits, never reads the scheduler's state, never builds (a read through {@link #read} does
   * that), so it may run on a thread that must not block, such as an HTTP server's dispatcher. Null
   * too when this scheduler does not lead or the next answer is due to be built ahead.
   */
  public @Nullable Body readIfAtHand(Optional<String> role) {
    Body b = answers.get(role.orElse(""));
    if (b == null || !scheduler.isLeader()) {
      return null;
    }
    long at = nanos.getAsLong();
    return current(b, at) && !dueAhead(b, at) ? b : null;
  }

  /** Under {@code build}: takes the events (or re-reads the scheduler) and makes the answer for {@code key}. */
  private Body build(Optional<String> role, String key, @Nullable Body b, long now) {
    long v = version;   // read first: every event it counts is in the inbox now (or was dropped)
    boolean all;
    if (reseed || inbox.overflowed() || now - seededAt >= RESEED || now < seededAt) {
      all = seed(now);
    } else {
      all = inbox.drain(this::apply, DRAIN_MAX);
    }
    refresh();
    // with events left in the inbox (the loop adding faster than this reader takes), the answer
    // is current only within the staleness
    long shows = all ? v : -1;
    if (b == null || b.generation != generation) {
      if (answers.size() >= 1_000) {
        answers.clear();
      }
      b = new Body(shows, now, generation, join(role.orElse(null)), "\"jobs-" + epoch + "-" + generation + "\"", null);
    } else {
      b = b.renewed(shows, now);
    }
    answers.put(key, b);
    return b;
  }

  /** Whether {@code b} (current) is past half the staleness with changes since: time to build the next. */
  private boolean dueAhead(Body b, long now) {
    long age = now - b.builtAtNanos;
    return b.version != version && age >= stalenessNanos / 2 && age >= 0;
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

  /**
   * On the loop, for every event: a slot write at most (for a task's change, of a small {@link
   * TaskChange} rather than the event with its task snapshot), never a lock.
   */
  private void on(SchedulerEvent e) {
    if (e instanceof SchedulerEvent.TaskStateChanged c) {
      ScheduledTask t = c.task();
      inbox.add(new TaskChange(t.job(), t.id(), t.status()));
      VERSION.setRelease(this, version + 1);   // the loop is the only writer
    } else if (e instanceof SchedulerEvent.JobCreated c) {
      configChangedOnLoop(c.job());
    } else if (e instanceof SchedulerEvent.JobChanged c) {
      configChangedOnLoop(c.job());
    } else if (e instanceof SchedulerEvent.UpdateStateChanged c) {
      configChangedOnLoop(c.update().job());   // an update may replace the job's config
    } else if (e instanceof SchedulerEvent.JobKilled || e instanceof SchedulerEvent.JobFinished) {
      inbox.add(e);
      VERSION.setRelease(this, version + 1);   // the loop is the only writer
    }
  }

  /**
   * On the loop, a job created or changed: its config, read here (on the loop a read of the scheduler
   * runs inline, a map lookup, with no hand-off; the config is the scheduler's own object, held by it
   * anyway), goes in the inbox with the change, so that no build has to ask the loop for it (a call
   * that would queue behind the loop's work and make the loop's next client wait behind it).
   */
  private void configChangedOnLoop(JobKey job) {
    if (inbox.overflowed()) {
      // nobody read for a while: the inbox drops what comes until the next read re-reads the scheduler
      // whole, so the config is not looked up either
      VERSION.setRelease(this, version + 1);   // the loop is the only writer
      return;
    }
    JobConfig config = null;
    // not leading (a term ending): no lookup, which would fail naming the leader, perhaps after asking
    // the election for it; the next build reads the config, or fails, as before
    if (scheduler.isLeader()) {
      try {
        config = scheduler.job(job).orElse(null);
      } catch (RuntimeException ex) {
        config = null;   // the next build reads it, or fails, as before
      }
    }
    inbox.add(new ConfigChange(job, config));
    VERSION.setRelease(this, version + 1);   // the loop is the only writer
  }

  // ---------------------------------------------------------------- off the loop, under `build`

  /** One event, taken from the inbox, into the model. */
  private void apply(Object e) {
    if (e instanceof TaskChange t) {
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
      dirty.add(t.job());
    } else if (e instanceof ConfigChange c) {
      if (c.config() != null) {
        jobs.put(c.job(), Meta.of(c.config()));
        dirty.add(c.job());
      } else {
        configChanged(c.job());
      }
    } else if (e instanceof SchedulerEvent.JobKilled c) {
      removed(c.job());
    } else if (e instanceof SchedulerEvent.JobFinished c) {
      removed(c.job());
    }
  }

  private void configChanged(JobKey job) {
    jobs.put(job, Meta.UNKNOWN);
    dirty.add(job);
  }

  private void removed(JobKey job) {
    jobs.remove(job);
    dirty.add(job);
  }

  /**
   * Reads every job and active task into the model. The events queued before are taken first (or,
   * after an overflow, dropped: the seed has what they said); those queued while the scheduler is
   * read are taken after it: each is either newer than the seed or says what the seed already has,
   * and taken in order the last one about each task or job wins.
   */
  private boolean seed(long now) {
    if (!inbox.discard()) {
      inbox.drain(this::apply, DRAIN_MAX);
    }
    reseed = false;
    List<JobConfig> seedJobs;
    List<ScheduledTask> seedTasks;
    try {
      seedJobs = scheduler.jobs();
      seedTasks = scheduler.tasks(TaskQuery.all().active());
    } catch (RuntimeException e) {
      reseed = true;
      throw e;
    }
    Map<JobKey, JobConfig> byKey = new HashMap<>();
    seedJobs.forEach(j -> byKey.put(j.key(), j));
    for (JobKey k : new ArrayList<>(jobs.keySet())) {
      if (!byKey.containsKey(k)) {
        jobs.remove(k);
        dirty.add(k);
      }
    }
    byKey.forEach((k, j) -> {
      Meta m = Meta.of(j);
      Meta had = jobs.get(k);
      if (had == null || !had.same(m)) {
        jobs.put(k, m);
        dirty.add(k);
      }
    });
    Map<JobKey, Map<TaskId, ScheduleStatus>> seedActive = new HashMap<>();
    for (ScheduledTask t : seedTasks) {
      seedActive.computeIfAbsent(t.job(), k -> new HashMap<>(8)).put(t.id(), t.status());
    }
    for (JobKey k : new HashSet<>(active.keySet())) {
      if (!seedActive.containsKey(k)) {
        active.remove(k);
        dirty.add(k);
      }
    }
    seedActive.forEach((k, tasks) -> {
      if (!tasks.equals(active.get(k))) {
        active.put(k, tasks);
        dirty.add(k);
      }
    });
    seededAt = now;
    return inbox.drain(this::apply, DRAIN_MAX);
  }

  /** Re-encodes the jobs that changed (a new generation if any did). */
  private void refresh() {
    if (dirty.isEmpty()) {
      return;
    }
    Set<JobKey> changed = dirty;
    dirty = new HashSet<>();
    List<JobKey> toRead = new ArrayList<>();
    for (JobKey k : changed) {
      Meta m = jobs.get(k);
      if (m == null) {
        fragments.remove(k);
      } else if (m.type == null) {
        toRead.add(k);
      } else {
        fragments.put(k, fragment(k, m, counts(k)));
      }
    }
    // a job created or changed: its config, read from the scheduler; one read of every config when
    // many jobs changed (e.g. a stream of new jobs), rather than one call each. A change after this
    // read is in the inbox and makes the job dirty again for the next read.
    Map<JobKey, JobConfig> all;
    try {
      if (toRead.size() > 8) {
        all = new HashMap<>();
        for (JobConfig j : scheduler.jobs()) {
          all.put(j.key(), j);
        }
      } else {
        all = new HashMap<>();
        for (JobKey k : toRead) {
          Optional<JobConfig> config = scheduler.job(k);
          if (config.isPresent()) {
            all.put(k, config.get());
          }
        }
      }
    } catch (RuntimeException e) {
      dirty.addAll(changed);   // nothing of this change is lost: the next read takes it again
      generation++;            // some fragments may have changed already
      throw e;
    }
    for (JobKey k : toRead) {
      Optional<JobConfig> config = Optional.ofNullable(all.get(k));
      if (config.isPresent()) {
        Meta m = Meta.of(config.get());
        jobs.put(k, m);
        fragments.put(k, fragment(k, m, counts(k)));
      } else {
        jobs.remove(k);
        fragments.remove(k);
      }
    }
    generation++;
  }

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
