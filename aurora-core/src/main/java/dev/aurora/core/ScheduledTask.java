package dev.aurora.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.internal.state.TaskAccess;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of one task: which instance of which job it runs, with what config, where,
 * in which state, and its history of events. A task's config is shared with the other tasks of its
 * job, not copied; its agent id and host are the agent's own strings.
 *
 * <p>A million tasks are held in memory at once, so the history is kept compactly: each event as one
 * number (its time in milliseconds and its state), and only the messages that say something as strings
 * (an ASSIGNED event's "placed on &lt;host&gt;" is spelled out from the task's host when read).
 * {@link #events()} builds the {@link TaskEvent}s when asked; they are equal to the events the task
 * went through. Event times must lie within about 4.5 million years of 1970.
 *
 * <p>The scheduler replaces a task's snapshot on every change; a snapshot a caller holds never changes.
 */
public final class ScheduledTask {
  private static final int[] NO_PORTS = new int[0];
  private static final long[] NO_EVENTS = new long[0];
  private static final TaskEvent[] NO_TASK_EVENTS = new TaskEvent[0];
  /** An event is one long: its time in milliseconds, shifted left by {@link #TIME_SHIFT}, then flags. */
  private static final int STATUS_BITS = 5;
  private static final long STATUS_MASK = (1L << STATUS_BITS) - 1;
  /** Set on an ASSIGNED event whose message is "placed on " and the task's host. */
  private static final long PLACED_ON_HOST_BIT = 1L << STATUS_BITS;
  private static final int TIME_SHIFT = STATUS_BITS + 1;
  private static final ScheduleStatus[] STATUSES = ScheduleStatus.values();
  private static final ProcessRecord[] NO_PROCESSES = new ProcessRecord[0];
  private static final String PLACED_ON = "placed on ";

  private final TaskId id;
  private final JobKey job;
  private final int instance;
  private final TaskConfig config;
  private final ScheduleStatus status;
  private final @Nullable String agentId;
  private final @Nullable String host;
  private final int[] ports; // aligned with config.resources().ports(), in order
  /**
   * The history: a {@code long[]} of packed events when no event has a message of its own (the usual
   * case: a running task's five events take 56 bytes), else a {@link History}.
   */
  private final Object events;
  private final int failureCount;
  private final int flapCount;
  private final byte health; // 0 unknown, 1 healthy, 2 unhealthy
  private final ProcessRecord[] processes; // the latest of each process, in the order first reported

  /** Packed events with the messages of their own, aligned ({@code null}: no message). */
  private static final class History {
    final long[] packed;
    final String[] messages;

    History(long[] packed, String[] messages) {
      this.packed = packed;
      this.messages = messages;
    }
  }

  static {
    if (STATUSES.length > (1 << STATUS_BITS)) {
      throw new AssertionError("ScheduleStatus has more values than an event's bits hold");
    }
    TaskAccess.install(new TaskAccess() {
      @Override
      public ScheduledTask create(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
          int failureCount, int flapCount) {
        return ScheduledTask.create(id, job, instance, config, nowMillis, failureCount, flapCount);
      }

      @Override
      public ScheduledTask withStatus(ScheduledTask t, ScheduleStatus next, long nowMillis, String message) {
        return t.withStatus(next, nowMillis, message);
      }

      @Override
      public ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
          int failureCount, int flapCount, ScheduleStatus first) {
        return ScheduledTask.createMoved(id, job, instance, config, nowMillis, failureCount, flapCount, first);
      }

      @Override
      public long[] createdEvents(long nowMillis, ScheduleStatus first) {
        return ScheduledTask.createdEvents(nowMillis, first);
      }

      @Override
      public ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long[] events) {
        return ScheduledTask.createMoved(id, job, instance, config, events);
      }

      @Override
      public ScheduledTask assigned(ScheduledTask t, String agentId, String host, int[] ports, long nowMillis) {
        return t.assigned(agentId, host, ports, nowMillis);
      }

      @Override
      public ScheduledTask withHealth(ScheduledTask t, boolean healthy) {
        return t.withHealth(healthy);
      }

      @Override
      public ScheduledTask withProcesses(ScheduledTask t, List<ProcessRecord> reports) {
        return t.withProcesses(reports);
      }

      @Override
      public @Nullable String agentIdOrNull(ScheduledTask t) {
        return t.agentId;
      }

      @Override
      public int[] ports(ScheduledTask t) {
        return t.ports;
      }

      @Override
      public long statusTimeMillis(ScheduledTask t) {
        return t.statusTimeMillis();
      }

      @Override
      public long timeOfMillis(ScheduledTask t, ScheduleStatus status) {
        return t.timeOfMillis(status);
      }
    });
  }

  private ScheduledTask(TaskId id, JobKey job, int instance, TaskConfig config, ScheduleStatus status,
      @Nullable String agentId, @Nullable String host, int[] ports, Object events, int failureCount,
      int flapCount, byte health, ProcessRecord[] processes) {
    this.id = id;
    this.job = job;
    this.instance = instance;
    this.config = config;
    this.status = status;
    this.agentId = agentId;
    this.host = host;
    this.ports = ports;
    this.events = events;
    this.failureCount = failureCount;
    this.flapCount = flapCount;
    this.health = health;
    this.processes = processes;
  }

  /** Recreates a task with no process records from its stored form. */
  public static ScheduledTask restore(TaskId id, JobKey job, int instance, TaskConfig config, ScheduleStatus status,
      @Nullable String agentId, @Nullable String host, @Nullable Map<String, Integer> ports,
      @Nullable List<TaskEvent> events, int failureCount, int flapCount, @Nullable Boolean healthy) {
    return restore(id, job, instance, config, status, agentId, host, ports, events, failureCount, flapCount, healthy,
        null);
  }

  /** Recreates a task from its stored form ({@code processes} is absent in what older versions stored). */
  @JsonCreator
  public static ScheduledTask restore(
      @JsonProperty("id") TaskId id,
      @JsonProperty("job") JobKey job,
      @JsonProperty("instance") int instance,
      @JsonProperty("config") TaskConfig config,
      @JsonProperty("status") ScheduleStatus status,
      @JsonProperty("agentId") @Nullable String agentId,
      @JsonProperty("host") @Nullable String host,
      @JsonProperty("ports") @Nullable Map<String, Integer> ports,
      @JsonProperty("events") @Nullable List<TaskEvent> events,
      @JsonProperty("failureCount") int failureCount,
      @JsonProperty("flapCount") int flapCount,
      @JsonProperty("healthy") @Nullable Boolean healthy,
      @JsonProperty("processes") @Nullable List<ProcessRecord> processes) {
    int[] p = NO_PORTS;
    if (ports != null && !ports.isEmpty()) {
      p = new int[config.resources().ports().size()];
      int i = 0;
      for (String name : config.resources().ports()) {
        Integer n = ports.get(name);
        p[i++] = n == null ? -1 : n;
      }
    }
    TaskEvent[] given = events == null ? NO_TASK_EVENTS : events.toArray(NO_TASK_EVENTS);
    long[] packed = given.length == 0 ? NO_EVENTS : new long[given.length];
    String[] messages = null;
    String placed = host == null ? null : PLACED_ON + host;
    for (int i = 0; i < given.length; i++) {
      TaskEvent e = given[i];
      boolean placedOnHost = e.status() == ScheduleStatus.ASSIGNED && e.message().equals(placed);
      packed[i] = pack(e.timeMillis(), e.status(), placedOnHost);
      if (!placedOnHost && !e.message().isEmpty()) {
        if (messages == null) {
          messages = new String[given.length];
        }
        messages[i] = e.message();
      }
    }
    Object e = messages == null ? packed : new History(packed, messages);
    return new ScheduledTask(id, job, instance, config, status, agentId, host, p, e, failureCount, flapCount,
        healthy == null ? (byte) 0 : healthy ? (byte) 1 : (byte) 2,
        processes == null || processes.isEmpty() ? NO_PROCESSES : processes.toArray(NO_PROCESSES));
  }

  /** A new task in INIT. For use by the scheduler. */
  static ScheduledTask create(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
      int failureCount, int flapCount) {
    return new ScheduledTask(id, job, instance, config, ScheduleStatus.INIT, null, null, NO_PORTS,
        new long[] {pack(nowMillis, ScheduleStatus.INIT, false)}, failureCount, flapCount, (byte) 0, NO_PROCESSES);
  }

  /**
   * A new task moved at once to {@code first} with no message: INIT then {@code first}, both at {@code
   * nowMillis}, as {@code create(...).withStatus(first, nowMillis, "")} makes it. For use by the scheduler.
   */
  static ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long nowMillis,
      int failureCount, int flapCount, ScheduleStatus first) {
    return new ScheduledTask(id, job, instance, config, first, null, null, NO_PORTS,
        createdEvents(nowMillis, first), failureCount, flapCount, (byte) 0, NO_PROCESSES);
  }

  /**
   * The events of a task {@link #createMoved created and moved} to {@code first} at {@code nowMillis}:
   * INIT then {@code first}, both then. A task never changes its events in place (a move copies them),
   * so tasks created at the same time in the same state may share one such array.
   */
  static long[] createdEvents(long nowMillis, ScheduleStatus first) {
    return new long[] {pack(nowMillis, ScheduleStatus.INIT, false), pack(nowMillis, first, false)};
  }

  /**
   * {@link #createMoved} with no failures or flaps, sharing {@code events} ({@link #createdEvents}, which
   * say when and to what it moved) with the other tasks created with it. For use by the scheduler.
   */
  static ScheduledTask createMoved(TaskId id, JobKey job, int instance, TaskConfig config, long[] events) {
    return new ScheduledTask(id, job, instance, config, statusOf(events[events.length - 1]), null, null, NO_PORTS,
        events, 0, 0, (byte) 0, NO_PROCESSES);
  }

  /** A copy in {@code next} with the event appended. For use by the scheduler. */
  ScheduledTask withStatus(ScheduleStatus next, long nowMillis, String message) {
    return withEvent(next, nowMillis, message, false);
  }

  private ScheduledTask withEvent(ScheduleStatus next, long nowMillis, @Nullable String message, boolean placedOnHost) {
    long[] packed = packed();
    int n = packed.length;
    long[] p = Arrays.copyOf(packed, n + 1);
    p[n] = pack(nowMillis, next, placedOnHost);
    Object e = p;
    boolean hasMessage = !placedOnHost && message != null && !message.isEmpty();
    if (events instanceof History h) {
      String[] m = Arrays.copyOf(h.messages, n + 1);
      m[n] = hasMessage ? message : null;
      e = new History(p, m);
    } else if (hasMessage) {
      String[] m = new String[n + 1];
      m[n] = message;
      e = new History(p, m);
    }
    return new ScheduledTask(id, job, instance, config, next, agentId, host, ports, e, failureCount, flapCount,
        next == ScheduleStatus.RUNNING || next.isOnAgent() ? health : 0, processes);
  }

  /** A copy assigned to an agent with ports. For use by the scheduler. */
  ScheduledTask assigned(String agentId, String host, int[] ports, long nowMillis) {
    ScheduledTask t = new ScheduledTask(id, job, instance, config, status, agentId, host,
        ports.length == 0 ? NO_PORTS : ports, events, failureCount, flapCount, health, processes);
    return t.withEvent(ScheduleStatus.ASSIGNED, nowMillis, null, true);
  }

  /** A copy with a health result. For use by the scheduler. */
  ScheduledTask withHealth(boolean healthy) {
    return new ScheduledTask(id, job, instance, config, status, agentId, host, ports, events, failureCount,
        flapCount, healthy ? (byte) 1 : (byte) 2, processes);
  }

  /**
   * A copy with {@code reports} merged into the process records: each replaces the record of its
   * process unless that one is of a later run. For use by the scheduler.
   */
  ScheduledTask withProcesses(List<ProcessRecord> reports) {
    Map<String, ProcessRecord> merged = new LinkedHashMap<>();
    for (ProcessRecord r : processes) {
      merged.put(r.process(), r);
    }
    for (ProcessRecord r : reports) {
      ProcessRecord had = merged.get(r.process());
      if (had == null || had.run() <= r.run()) {
        merged.put(r.process(), r);
      }
    }
    ProcessRecord[] p = merged.values().toArray(NO_PROCESSES);
    if (Arrays.equals(p, processes)) {
      return this;
    }
    return new ScheduledTask(id, job, instance, config, status, agentId, host, ports, events, failureCount,
        flapCount, health, p);
  }

  /** The task's id. */
  @JsonProperty("id")
  public TaskId id() {
    return id;
  }

  /** The job the task belongs to. */
  @JsonProperty("job")
  public JobKey job() {
    return job;
  }

  /** The instance the task runs. */
  @JsonProperty("instance")
  public int instance() {
    return instance;
  }

  /** The job and instance as one key. */
  @JsonIgnore
  public InstanceKey instanceKey() {
    return InstanceKey.of(job, instance);
  }

  /** What the task runs (shared with the job's other tasks of the same config). */
  @JsonProperty("config")
  public TaskConfig config() {
    return config;
  }

  /** The task's current state. */
  @JsonProperty("status")
  public ScheduleStatus status() {
    return status;
  }

  /** The agent the task was placed on, once ASSIGNED. */
  @JsonIgnore
  public Optional<String> agent() {
    return Optional.ofNullable(agentId);
  }

  @JsonProperty("agentId")
  @Nullable String agentIdOrNull() {
    return agentId;
  }

  /** The host the task was placed on, once ASSIGNED. */
  @JsonIgnore
  public Optional<String> host() {
    return Optional.ofNullable(host);
  }

  @JsonProperty("host")
  @Nullable String hostOrNull() {
    return host;
  }

  /** The port numbers assigned to the task's named ports (empty before ASSIGNED). */
  @JsonProperty("ports")
  public Map<String, Integer> ports() {
    if (ports.length == 0) {
      return Map.of();
    }
    if (ports.length == 1) {
      return Map.of(config.resources().ports().iterator().next(), ports[0]);
    }
    Map<String, Integer> m = new LinkedHashMap<>();
    int i = 0;
    for (String name : config.resources().ports()) {
      m.put(name, ports[i++]);
    }
    return Collections.unmodifiableMap(m);
  }

  /** The task's history, oldest first. */
  @JsonProperty("events")
  public List<TaskEvent> events() {
    long[] packed = packed();
    TaskEvent[] e = new TaskEvent[packed.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = new TaskEvent(timeOf(packed[i]), statusOf(packed[i]), message(i));
    }
    return Collections.unmodifiableList(Arrays.asList(e));
  }

  /**
   * The latest record of each of the task's processes (state, exit code, start and end times), in the
   * order the backend first reported them; empty where the backend reports none. Kept apart from {@link
   * #events()}, which holds only the task's own states.
   */
  @JsonProperty("processes")
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
  public List<ProcessRecord> processes() {
    return processes.length == 0 ? List.of() : Collections.unmodifiableList(Arrays.asList(processes));
  }

  private long[] packed() {
    return events instanceof long[] p ? p : ((History) events).packed;
  }

  /** The message of event {@code i} as users read it. */
  private String message(int i) {
    long[] packed = packed();
    if ((packed[i] & PLACED_ON_HOST_BIT) != 0) {
      return PLACED_ON + host;
    }
    if (events instanceof History h && h.messages[i] != null) {
      return h.messages[i];
    }
    return "";
  }

  private static long pack(long timeMillis, ScheduleStatus status, boolean placedOnHost) {
    long packed = timeMillis << TIME_SHIFT;
    if (packed >> TIME_SHIFT != timeMillis) {
      throw new IllegalArgumentException("a task event's time must lie within about 4.5 million years of 1970, not "
          + timeMillis + " ms from it");
    }
    return packed | status.ordinal() | (placedOnHost ? PLACED_ON_HOST_BIT : 0);
  }

  private static long timeOf(long packed) {
    return packed >> TIME_SHIFT;
  }

  private static ScheduleStatus statusOf(long packed) {
    return STATUSES[(int) (packed & STATUS_MASK)];
  }

  /** How many earlier tasks of this instance failed (for {@code maxTaskFailures}). */
  @JsonProperty("failureCount")
  public int failureCount() {
    return failureCount;
  }

  /** How many earlier tasks of this instance in a row ended soon after starting (flapping). */
  @JsonProperty("flapCount")
  public int flapCount() {
    return flapCount;
  }

  /** For a task with a health check: whether the backend last reported it healthy. */
  @JsonIgnore
  public Optional<Boolean> healthy() {
    return health == 0 ? Optional.empty() : Optional.of(health == 1);
  }

  @JsonProperty("healthy")
  @Nullable Boolean healthyOrNull() {
    return health == 0 ? null : health == 1;
  }

  /** The task is RUNNING and healthy (no health check, or the last check passed). */
  @JsonIgnore
  public boolean isRunningAndHealthy() {
    return status == ScheduleStatus.RUNNING && (config.healthCheck().isEmpty() || health == 1);
  }

  /** When the task entered its current state. */
  @JsonIgnore
  public Instant statusTime() {
    return Instant.ofEpochMilli(statusTimeMillis());
  }

  long statusTimeMillis() {
    long[] packed = packed();
    return timeOf(packed[packed.length - 1]);
  }

  /** The time of the latest event with {@code status}, if any. */
  public Optional<Instant> timeOf(ScheduleStatus s) {
    long[] packed = packed();
    for (int i = packed.length - 1; i >= 0; i--) {
      if (statusOf(packed[i]) == s) {
        return Optional.of(Instant.ofEpochMilli(timeOf(packed[i])));
      }
    }
    return Optional.empty();
  }

  long timeOfMillis(ScheduleStatus s) {
    long[] packed = packed();
    for (int i = packed.length - 1; i >= 0; i--) {
      if (statusOf(packed[i]) == s) {
        return timeOf(packed[i]);
      }
    }
    return -1;
  }

  /** The message of the latest event. */
  @JsonIgnore
  public String lastMessage() {
    return message(packed().length - 1);
  }

  /** Two snapshots are equal when every field is: the same task in the same state with the same history. */
  @Override
  public boolean equals(Object o) {
    return o instanceof ScheduledTask t && id.equals(t.id) && job.equals(t.job) && instance == t.instance
        && status == t.status && failureCount == t.failureCount && flapCount == t.flapCount && health == t.health
        && java.util.Objects.equals(agentId, t.agentId) && java.util.Objects.equals(host, t.host)
        && Arrays.equals(ports, t.ports) && Arrays.equals(packed(), t.packed())
        && Arrays.equals(messages(), t.messages()) && config.equals(t.config)
        && Arrays.equals(processes, t.processes);
  }

  private String @Nullable [] messages() {
    return events instanceof History h ? h.messages : null;
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + status.ordinal(); // not the enum's identity hash: the same in every JVM
  }

  @Override
  public String toString() {
    return id + " " + status + (host == null ? "" : " on " + host);
  }
}
