package dev.aurora.core;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.core.internal.storage.Backups;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of a {@link FileLogStorage}: consistent copies of its snapshot and log, taken while the
 * scheduler runs, on demand ({@link #backupNow()}) and on a schedule ({@link Builder#every}); listed with
 * their times and sizes; restored into the directory of a stopped scheduler ({@link #restore}); and read
 * without starting a scheduler ({@link #inspect}, or the {@link BackupTool} command).
 *
 * <pre>{@code
 * FileLogStorage storage = Storage.fileLog(Path.of("state"));
 * Scheduler scheduler = Scheduler.builder().backend(backend).storage(storage).build();
 * scheduler.start();
 * try (FileLogBackups backups = FileLogBackups.builder(storage, Path.of("/backups/scheduler"))
 *     .every(Duration.ofHours(1)).keep(48).build()) {
 *   FileLogBackups.Backup b = backups.backupNow();    // e.g. before an upgrade
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Consistent.</b> A backup holds the snapshot and the log up to the last acknowledged append at one
 * moment: every batch the scheduler had acknowledged then, and nothing torn. Appends wait only while the
 * two files are opened, not while they are copied; a snapshot taken meanwhile does not disturb the copy.
 * Each backup is a directory {@code backup-<UTC time>} under the root, written under a temporary name,
 * forced to disk and renamed into place, so a listed backup is whole. It holds {@code snapshot}, {@code
 * log} and {@code log.mark} (a file log directory in its own right) and {@code backup.json}, a manifest
 * with its format version, time, generation and sizes.
 */
public final class FileLogBackups implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileLogBackups.class);

  /**
   * One backup: its directory, when it was taken, the storage generation it holds (how many snapshots
   * the storage had written), and the bytes of its snapshot and log.
   */
  public record Backup(Path directory, Instant time, long generation, long snapshotBytes, long logBytes) {
    /** The bytes of the backup's snapshot and log together. */
    public long bytes() {
      return snapshotBytes + logBytes;
    }

    @Override
    public String toString() {
      return directory.getFileName() + "  " + time + "  " + bytes() + " bytes (snapshot " + snapshotBytes
          + ", log " + logBytes + ")";
    }
  }

  /**
   * What a backup holds, read without starting a scheduler: the jobs, the tasks by state, the updates, and
   * how many ops its snapshot and log hold.
   */
  public record Contents(Backup backup, List<JobConfig> jobs, Map<ScheduleStatus, Integer> tasksByState,
      Map<JobKey, Map<ScheduleStatus, Integer>> tasksByJob, List<UpdateDetails> updates, int snapshotOps,
      int logOps, Map<String, String> backendProperties) {
    /** Copies the collections ({@code backendProperties} sorted by key). */
    public Contents {
      backendProperties = Collections.unmodifiableMap(new TreeMap<>(backendProperties));
      jobs = List.copyOf(jobs);
      tasksByState = Collections.unmodifiableMap(new EnumMap<>(tasksByState.isEmpty()
          ? new EnumMap<>(ScheduleStatus.class) : tasksByState));
      Map<JobKey, Map<ScheduleStatus, Integer>> byJob = new TreeMap<>();
      tasksByJob.forEach((k, v) -> byJob.put(k, Collections.unmodifiableMap(new EnumMap<>(v))));
      tasksByJob = Collections.unmodifiableMap(byJob);
      updates = List.copyOf(updates);
    }

    /** Contents without backend properties (a backup of a scheduler whose backend stored none). */
    public Contents(Backup backup, List<JobConfig> jobs, Map<ScheduleStatus, Integer> tasksByState,
        Map<JobKey, Map<ScheduleStatus, Integer>> tasksByJob, List<UpdateDetails> updates, int snapshotOps,
        int logOps) {
      this(backup, jobs, tasksByState, tasksByJob, updates, snapshotOps, logOps, Map.of());
    }

    /**
     * A report for people: the backup, then the jobs with their tasks by state, then the updates, then the
     * backend's properties (e.g. the Mesos framework id the scheduler re-subscribes with).
     */
    @Override
    public String toString() {
      StringBuilder s = new StringBuilder();
      s.append("backup ").append(backup.directory()).append('\n')
          .append("  taken ").append(backup.time()).append(", generation ").append(backup.generation())
          .append(", ").append(backup.bytes()).append(" bytes (snapshot ").append(backup.snapshotBytes())
          .append(", log ").append(backup.logBytes()).append("), ").append(snapshotOps).append(" ops in the snapshot, ")
          .append(logOps).append(" in the log\n");
      int tasks = tasksByState.values().stream().mapToInt(Integer::intValue).sum();
      s.append("jobs: ").append(jobs.size()).append('\n');
      for (JobConfig j : jobs) {
        s.append("  ").append(j.key()).append("  ").append(j.isCron() ? "cron" : j.isService() ? "service" : "one-off")
            .append(", ").append(j.instances()).append(" instances; tasks ")
            .append(tasksByJob.getOrDefault(j.key(), Map.of())).append('\n');
      }
      s.append("tasks: ").append(tasks).append(' ').append(tasksByState).append('\n');
      s.append("updates: ").append(updates.size()).append('\n');
      for (UpdateDetails u : updates) {
        s.append("  ").append(u.id()).append("  ").append(u.job()).append("  ").append(u.status())
            .append("  by ").append(u.by().name()).append(u.message().isEmpty() ? "" : ": " + u.message()).append('\n');
      }
      s.append("backend properties: ").append(backendProperties.size()).append('\n');
      backendProperties.forEach((k, v) -> s.append("  ").append(k).append(" = ").append(v).append('\n'));
      return s.toString();
    }
  }

  private final FileLogStorage storage;
  private final Path root;
  private final Clock clock;
  private final int keep;
  private final List<Consumer<? super Backup>> listeners;
  private final ScheduledExecutorService executor;
  private final boolean ownExecutor;
  private final ScheduledFuture<?> scheduled;
  private volatile Exception lastFailure;

  private FileLogBackups(Builder b) {
    this.storage = b.storage;
    this.root = b.root;
    this.clock = b.clock;
    this.keep = b.keep;
    this.listeners = List.copyOf(b.listeners);
    if (b.every != null) {
      ownExecutor = b.executor == null;
      executor = ownExecutor ? Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aurora-backups " + root);
        t.setDaemon(true);
        return t;
      }) : b.executor;
      long ms = b.every.toMillis();
      scheduled = executor.scheduleAtFixedRate(this::scheduledBackup, ms, ms, TimeUnit.MILLISECONDS);
    } else {
      ownExecutor = false;
      executor = null;
      scheduled = null;
    }
  }

  /** Backups of {@code storage} (open, or to be opened by a scheduler) under {@code root} (created if missing). */
  public static Builder builder(FileLogStorage storage, Path root) {
    return new Builder(storage, root);
  }

  /**
   * Takes a backup now. Safe while the scheduler runs, from any thread.
   *
   * @throws StorageException if the storage is not open (the scheduler has not recovered it yet) or the
   *     backup cannot be written (nothing is left under the root then but, at worst, a {@code .tmp} directory)
   */
  public synchronized Backup backupNow() {
    Backup b = Backups.take(storage, root, clock);
    if (keep > 0) {
      List<Backup> all = Backups.list(root);
      for (int i = 0; i < all.size() - keep; i++) {
        Backups.delete(all.get(i).directory());
      }
    }
    for (Consumer<? super Backup> l : listeners) {
      try {
        l.accept(b);
      } catch (RuntimeException e) {
        log.warn("backup listener failed on {}", b, e);
      }
    }
    return b;
  }

  private void scheduledBackup() {
    try {
      Backup b = backupNow();
      lastFailure = null;
      log.info("backup taken: {}", b);
    } catch (RuntimeException e) {
      lastFailure = e;
      log.warn("scheduled backup of {} failed; trying again at the next one", storage.directory(), e);
    }
  }

  /** Why the last scheduled backup failed, if it did (cleared by the next one that succeeds). */
  public Optional<Exception> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** The backups under this root, oldest first. */
  public List<Backup> list() {
    return Backups.list(root);
  }

  /**
   * The backups under {@code root}, oldest first, each with its time and sizes. A directory that is not a
   * backup of this format version is left out.
   */
  public static List<Backup> list(Path root) {
    return Backups.list(root);
  }

  /**
   * Reads what a backup holds without starting a scheduler: every file is checked whole first.
   *
   * @throws StorageException if it is not a backup, is damaged or incomplete, or is of another format
   *     version (the message says which, and whether newer or older)
   */
  public static Contents inspect(Path backup) {
    Backup b = Backups.manifest(backup);
    Storage.Stored stored = Backups.read(backup);
    Map<JobKey, JobConfig> jobs = new TreeMap<>();
    Map<dev.aurora.api.TaskId, ScheduledTask> tasks = new LinkedHashMap<>();
    Map<UpdateId, UpdateDetails> updates = new LinkedHashMap<>();
    Map<String, String> backendProperties = new TreeMap<>();
    List<Op> all = new ArrayList<>(stored.snapshot());
    all.addAll(stored.log());
    for (Op op : all) {
      if (op instanceof Op.SaveJob s) {
        jobs.put(s.job().key(), s.job());
      } else if (op instanceof Op.RemoveJob r) {
        jobs.remove(r.key());
      } else if (op instanceof Op.SaveTask t) {
        tasks.put(t.task().id(), t.task());
      } else if (op instanceof Op.CreateTasks c) {
        c.tasks().forEach(t -> tasks.put(t.id(), t));
      } else if (op instanceof Op.SaveTaskStatus t) {
        tasks.computeIfPresent(t.id(), (id, was) -> was.withStatus(t.status(), t.timeMillis(), t.message()));
      } else if (op instanceof Op.AssignTask a) {
        tasks.computeIfPresent(a.id(), (id, was) -> was.assigned(a.agentId(), a.host(),
            a.ports().stream().mapToInt(Integer::intValue).toArray(), a.timeMillis()));
      } else if (op instanceof Op.RemoveTasks r) {
        r.ids().forEach(tasks::remove);
      } else if (op instanceof Op.SaveUpdate u) {
        updates.put(u.update().id(), u.update());
      } else if (op instanceof Op.SaveBackendProperties p) {
        backendProperties.putAll(p.properties()); // keys not named keep their values
      }
    }
    Map<ScheduleStatus, Integer> byState = new EnumMap<>(ScheduleStatus.class);
    Map<JobKey, Map<ScheduleStatus, Integer>> byJob = new TreeMap<>();
    for (ScheduledTask t : tasks.values()) {
      byState.merge(t.status(), 1, Integer::sum);
      byJob.computeIfAbsent(t.job(), k -> new EnumMap<>(ScheduleStatus.class)).merge(t.status(), 1, Integer::sum);
    }
    return new Contents(b, List.copyOf(jobs.values()), byState, byJob, List.copyOf(updates.values()),
        stored.snapshot().size(), stored.log().size(), backendProperties);
  }

  /**
   * Restores {@code backup} into {@code directory}, the storage directory of a stopped scheduler (default
   * snapshot file name). The backup is checked whole first; then the directory's current snapshot, log and
   * marker are moved into a {@code replaced-<time>} directory inside it (nothing is deleted) and the
   * backup's files copied in. Start the scheduler on the directory afterwards: it recovers the backup's
   * state and reconciles with the cluster (tasks started after the backup are unknown to it and killed).
   *
   * @return the directory the replaced files were moved to, if there were any
   * @throws StorageException if the backup is damaged, incomplete or of another format version, or the
   *     directory is in use (a scheduler has it open), changing nothing
   */
  public static Optional<Path> restore(Path backup, Path directory) {
    return Optional.ofNullable(Backups.restore(backup, directory, Clock.systemUTC()));
  }

  /** Stops the schedule (a backup being taken finishes). Does not close the storage. */
  @Override
  public void close() {
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    if (ownExecutor) {
      executor.shutdown();
    }
  }

  /** Options of {@link FileLogBackups}. */
  public static final class Builder {
    private final FileLogStorage storage;
    private final Path root;
    private Clock clock = Clock.systemUTC();
    private Duration every;
    private int keep;
    private ScheduledExecutorService executor;
    private final List<Consumer<? super Backup>> listeners = new ArrayList<>();

    private Builder(FileLogStorage storage, Path root) {
      this.storage = Objects.requireNonNull(storage, "storage");
      this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /**
     * Takes a backup every {@code interval}, the first one {@code interval} after {@link #build()}. A
     * failed one is logged ({@link FileLogBackups#lastFailure()}) and the next is tried on time.
     *
     * @throws IllegalArgumentException if {@code interval} is not positive
     */
    public Builder every(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("backup interval must be > 0, was " + interval);
      }
      this.every = interval;
      return this;
    }

    /**
     * Keeps only the newest {@code count} backups under the root, deleting older ones after each backup;
     * 0 (the default) keeps all.
     *
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Builder keep(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("backups to keep must be >= 0 (0 keeps all), was " + count);
      }
      this.keep = count;
      return this;
    }

    /** Calls {@code listener} with each backup once it is in place (e.g. to ship it off the machine). */
    public Builder onBackup(Consumer<? super Backup> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The clock that names and dates backups; the system's UTC clock unless set. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Runs the schedule on {@code executor} (not shut down by {@link FileLogBackups#close()}); a thread of its own unless set. */
    public Builder executor(ScheduledExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Builds it and starts the schedule, if one was set. */
    public FileLogBackups build() {
      return new FileLogBackups(this);
    }
  }
}
