package dev.aurora.runner;

import com.google.protobuf.ByteString;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.executor.Protos.Call;
import org.apache.mesos.v1.executor.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Mesos v1 executor behind {@link MesosExecutorMain}. One thread reads the agent's event stream
 * and handles each event at once; the runs report on their own threads; updates go out, in order, on
 * one sender thread. All state is guarded by {@code this}.
 */
final class MesosExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(MesosExecutor.class);
  private static final String PROTOBUF = "application/x-protobuf";
  private static final long MAX_RECORD = 64L << 20;

  /** What the agent tells the executor in its environment. */
  record Settings(URI endpoint, String frameworkId, String executorId, Path sandbox, boolean checkpoint,
      Duration recoveryTimeout, Duration backoffMax, Duration shutdownGrace, Optional<String> token) {

    /** The settings in {@code env}, as a Mesos agent sets them; names every problem at once. */
    static Settings from(Map<String, String> env) {
      List<String> problems = new ArrayList<>();
      String endpoint = required(env, "MESOS_AGENT_ENDPOINT", problems);
      String framework = required(env, "MESOS_FRAMEWORK_ID", problems);
      String executor = required(env, "MESOS_EXECUTOR_ID", problems);
      Duration recovery = duration(env, "MESOS_RECOVERY_TIMEOUT", Duration.ofMinutes(15), problems);
      Duration backoff = duration(env, "MESOS_SUBSCRIPTION_BACKOFF_MAX", Duration.ofSeconds(2), problems);
      Duration grace = duration(env, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", Duration.ofSeconds(5), problems);
      URI uri = null;
      if (endpoint != null) {
        try {
          uri = URI.create("http://" + endpoint + "/api/v1/executor");
          if (uri.getHost() == null || uri.getPort() < 0) {
            problems.add("MESOS_AGENT_ENDPOINT: not host:port: " + endpoint);
          }
        } catch (IllegalArgumentException e) {
          problems.add("MESOS_AGENT_ENDPOINT: not host:port: " + endpoint);
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("not started by a Mesos agent as expected: " + String.join("; ", problems));
      }
      String dir = env.getOrDefault("MESOS_SANDBOX", env.getOrDefault("MESOS_DIRECTORY", "."));
      String checkpoint = env.getOrDefault("MESOS_CHECKPOINT", "0");
      return new Settings(uri, framework, executor, Path.of(dir).toAbsolutePath(),
          checkpoint.equals("1") || checkpoint.equalsIgnoreCase("true"), recovery, backoff, grace,
          Optional.ofNullable(env.get("MESOS_EXECUTOR_AUTHENTICATION_TOKEN")).filter(t -> !t.isEmpty()));
    }

    private static String required(Map<String, String> env, String name, List<String> problems) {
      String v = env.get(name);
      if (v == null || v.isBlank()) {
        problems.add(name + ": not set");
        return null;
      }
      return v;
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ns|us|ms|secs|mins|hrs|days|weeks)");

    /** A duration as Mesos writes one: {@code 15mins}, {@code 2secs}, {@code 100ms}... */
    static Duration duration(Map<String, String> env, String name, Duration fallback, List<String> problems) {
      String v = env.get(name);
      if (v == null || v.isBlank()) {
        return fallback;
      }
      Matcher m = DURATION.matcher(v.trim());
      if (!m.matches()) {
        problems.add(name + ": not a Mesos duration (e.g. 15mins, 2secs, 100ms): " + v);
        return fallback;
      }
      double n = Double.parseDouble(m.group(1));
      double nanos = n * switch (m.group(2)) {
        case "ns" -> 1;
        case "us" -> 1e3;
        case "ms" -> 1e6;
        case "secs" -> 1e9;
        case "mins" -> 60e9;
        case "hrs" -> 3600e9;
        case "days" -> 86400e9;
        default -> 7 * 86400e9;
      };
      return Duration.ofNanos((long) nanos);
    }
  }

  /** One task this executor was given. */
  private static final class Task {
    final Protos.TaskInfo info;
    final Map<String, ProcessReport> latest = new LinkedHashMap<>();
    TaskRun run;
    TaskState state = TaskState.TASK_STAGING;
    boolean acknowledged;

    Task(Protos.TaskInfo info) {
      this.info = info;
    }

    boolean ended() {
      return state == TaskState.TASK_FINISHED || state == TaskState.TASK_FAILED || state == TaskState.TASK_KILLED;
    }
  }

  private final Settings settings;
  private final ProcessStarter starter;
  private final HttpClient client;
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "aurora-executor-updates");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Task> tasks = new LinkedHashMap<>();
  /** Updates sent or to send that the agent has not acknowledged, by uuid, oldest first. */
  private final Map<ByteString, Call.Update> unacknowledged = new LinkedHashMap<>();
  /** The updates the last SUBSCRIBE carried: the agent has them; the rest are sent once SUBSCRIBED. */
  private final java.util.Set<ByteString> inSubscribe = new java.util.HashSet<>();
  private boolean connected;
  private boolean shuttingDown;
  private boolean done;

  MesosExecutor(Settings settings, ProcessStarter starter) {
    this.settings = settings;
    this.starter = starter;
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Runs until every task has ended and its updates are acknowledged; returns the exit code. */
  int run() {
    Thread hook = new Thread(this::terminated, "aurora-executor-sigterm");
    Runtime.getRuntime().addShutdownHook(hook);
    long disconnectedAt = System.nanoTime();
    Duration backoff = Duration.ofMillis(50);
    boolean everConnected = false;
    while (!isDone()) {
      try {
        subscribeAndRead();
      } catch (IOException e) {
        LOG.warn("the connection to the agent at {} broke: {}", settings.endpoint(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
      synchronized (this) {
        everConnected |= connected;
        if (connected) {
          disconnectedAt = System.nanoTime();
          backoff = Duration.ofMillis(50);
        }
        connected = false;
        if (done) {
          break;
        }
        if (everConnected && !settings.checkpoint()) {
          // the agent will not take this executor back: end the tasks, as the command executor does
          LOG.error("disconnected from the agent and the framework does not checkpoint: killing the tasks");
          shuttingDown = true;
          tasks.values().forEach(t -> {
            if (t.run != null) {
              t.run.kill();
            }
          });
        }
      }
      if (shuttingDownWithoutAgent()) {
        awaitRuns(settings.shutdownGrace().plusSeconds(60));
        return 1;
      }
      if (Duration.ofNanos(System.nanoTime() - disconnectedAt).compareTo(settings.recoveryTimeout()) > 0) {
        LOG.error("could not subscribe to the agent at {} within the recovery timeout {}; exiting",
            settings.endpoint(), settings.recoveryTimeout());
        return 1;
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
      backoff = backoff.multipliedBy(2).compareTo(settings.backoffMax()) > 0 ? settings.backoffMax()
          : backoff.multipliedBy(2);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // exiting already
    }
    sender.shutdown();
    LOG.info("every task ended and every update was acknowledged; the executor exits");
    return 0;
  }

  private synchronized boolean isDone() {
    return done;
  }

  private synchronized boolean shuttingDownWithoutAgent() {
    return shuttingDown && !settings.checkpoint();
  }

  /** SUBSCRIBE, then handles events until the stream ends (or the executor is done). */
  private void subscribeAndRead() throws IOException, InterruptedException {
    Call.Subscribe.Builder subscribe = Call.Subscribe.newBuilder();
    synchronized (this) {
      for (Task t : tasks.values()) {
        if (!t.acknowledged) {
          subscribe.addUnacknowledgedTasks(t.info);
        }
      }
      unacknowledged.values().forEach(subscribe::addUnacknowledgedUpdates);
      inSubscribe.clear();
      inSubscribe.addAll(unacknowledged.keySet());
    }
    Call call = call(Call.Type.SUBSCRIBE).setSubscribe(subscribe).build();
    HttpResponse<InputStream> response = client.send(request(call).build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("SUBSCRIBE answered " + response.statusCode() + ": "
            + new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      while (true) {
        byte[] record = readRecord(in);
        if (record == null) {
          return;
        }
        Event event;
        try {
          event = Event.parseFrom(record);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          LOG.warn("an event that does not parse was skipped: {}", e.getMessage());
          continue;
        }
        if (handle(event)) {
          return;
        }
      }
    }
  }

  /** One RecordIO record ({@code <length>\n<bytes>}); null at the stream's end. */
  private static byte[] readRecord(InputStream in) throws IOException {
    long length = 0;
    int digits = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (digits == 0) {
          return null;
        }
        throw new EOFException("the stream ended within a record's length");
      }
      if (c == '\n') {
        break;
      }
      if (c < '0' || c > '9' || ++digits > 19) {
        throw new IOException("not a RecordIO stream: a length holds '" + (char) c + "'");
      }
      length = length * 10 + (c - '0');
    }
    if (length > MAX_RECORD) {
      throw new IOException("a record of " + length + " bytes is more than the executor takes");
    }
    byte[] record = in.readNBytes((int) length);
    if (record.length != length) {
      throw new EOFException("the stream ended within a record");
    }
    return record;
  }

  /** Handles an event; true when the executor is done. */
  private synchronized boolean handle(Event event) {
    switch (event.getType()) {
      case SUBSCRIBED -> {
        connected = true;
        LOG.info("subscribed to the agent {} as executor {} of framework {}",
            event.getSubscribed().getAgentInfo().getHostname(), settings.executorId(), settings.frameworkId());
        // what was sent while no subscription was live, and not in the SUBSCRIBE, goes now
        unacknowledged.forEach((uuid, update) -> {
          if (!inSubscribe.contains(uuid)) {
            Call call = call(Call.Type.UPDATE).setUpdate(update).build();
            sender.execute(() -> post(call));
          }
        });
      }
      case LAUNCH -> launch(event.getLaunch().getTask());
      case LAUNCH_GROUP -> {
        for (Protos.TaskInfo t : event.getLaunchGroup().getTaskGroup().getTasksList()) {
          Task task = new Task(t);
          tasks.putIfAbsent(t.getTaskId().getValue(), task);
          end(task, TaskState.TASK_FAILED, "the Aurora executor runs tasks launched one by one, not task groups");
        }
      }
      case KILL -> {
        Task t = tasks.get(event.getKill().getTaskId().getValue());
        if (t == null) {
          LOG.warn("KILL of task {} this executor does not run; ignored", event.getKill().getTaskId().getValue());
        } else if (t.run != null && !t.ended()) {
          Event.Kill kill = event.getKill();
          if (kill.hasKillPolicy() && kill.getKillPolicy().hasGracePeriod()) {
            // the kill policy's grace (the scheduler's, or the one the agent passes on) wins over the task's
            Duration grace = Duration.ofNanos(Math.max(0, kill.getKillPolicy().getGracePeriod().getNanoseconds()));
            LOG.info("killing task {} gracefully, {} between SIGTERM and SIGKILL (its kill policy)",
                t.info.getTaskId().getValue(), grace);
            t.run.kill(grace);
          } else {
            LOG.info("killing task {} gracefully", t.info.getTaskId().getValue());
            t.run.kill();
          }
        }
      }
      case ACKNOWLEDGED -> {
        ByteString uuid = event.getAcknowledged().getUuid();
        if (unacknowledged.remove(uuid) != null) {
          Task t = tasks.get(event.getAcknowledged().getTaskId().getValue());
          if (t != null) {
            t.acknowledged = true;
          }
        }
        checkDone();
      }
      case SHUTDOWN -> {
        LOG.info("the agent asks the executor to shut down: killing every task");
        shuttingDown = true;
        for (Task t : tasks.values()) {
          if (t.run != null && !t.ended()) {
            t.run.kill();
          }
        }
        checkDone();
      }
      case MESSAGE -> LOG.info("a framework message of {} bytes; ignored", event.getMessage().getData().size());
      case ERROR -> LOG.error("the agent sent ERROR: {}", event.getError().getMessage());
      case HEARTBEAT -> { }
      default -> LOG.debug("event {} ignored", event.getType());
    }
    return done;
  }

  private void launch(Protos.TaskInfo info) {
    String id = info.getTaskId().getValue();
    if (tasks.containsKey(id)) {
      LOG.warn("task {} launched again; ignored", id);
      return;
    }
    Task task = new Task(info);
    tasks.put(id, task);
    if (shuttingDown) {
      end(task, TaskState.TASK_KILLED, "the executor is shutting down");
      return;
    }
    ExecutorTask description;
    try {
      description = ExecutorMain.read(info.getData().toStringUtf8());
    } catch (IOException | RuntimeException e) {
      end(task, TaskState.TASK_FAILED, "the task's data is no task description the runner reads: " + e.getMessage());
      return;
    }
    send(task, TaskState.TASK_STARTING, "starting the task's processes");
    Path sandbox = description.sandbox().map(Path::of).orElse(settings.sandbox()).toAbsolutePath();
    RunSpec spec;
    try {
      spec = ExecutorMain.spec(description, sandbox);
    } catch (RuntimeException e) {
      end(task, TaskState.TASK_FAILED, "cannot run the task: " + e.getMessage());
      return;
    }
    task.run = TaskRunner.start(spec, starter, new RunnerListener() {
      @Override
      public void processChanged(ProcessReport report) {
        processReport(task, report);
      }

      @Override
      public void taskEnded(TaskOutcome outcome) {
        ended(task, outcome);
      }
    });
  }

  private synchronized void processReport(Task task, ProcessReport report) {
    task.latest.put(report.process(), report);
    if (task.ended()) {
      return;
    }
    TaskState state = task.state == TaskState.TASK_STARTING && report.state() == ProcessState.RUNNING
        ? TaskState.TASK_RUNNING : task.state;
    send(task, state, "process '" + report.process() + "' run " + report.run() + " " + report.state()
        + (report.message().isEmpty() ? "" : ": " + report.message()));
  }

  private synchronized void ended(Task task, TaskOutcome outcome) {
    TaskState state = switch (outcome.state()) {
      case SUCCEEDED -> TaskState.TASK_FINISHED;
      case FAILED -> TaskState.TASK_FAILED;
      case KILLED -> TaskState.TASK_KILLED;
    };
    end(task, state, outcome.message() + (outcome.forced() ? " (SIGKILL after the kill grace period)" : ""));
    notifyAll();
  }

  private void end(Task task, TaskState state, String message) {
    if (task.ended()) {
      return;
    }
    send(task, state, message);
  }

  /** Sends an update of {@code task} in {@code state}, with every process's latest record. */
  private void send(Task task, TaskState state, String message) {
    task.state = state;
    ByteString uuid = ByteString.copyFrom(uuidBytes(UUID.randomUUID()));
    Protos.TaskStatus.Builder status = Protos.TaskStatus.newBuilder().setTaskId(task.info.getTaskId())
        .setState(state).setSource(Protos.TaskStatus.Source.SOURCE_EXECUTOR)
        .setExecutorId(Protos.ExecutorID.newBuilder().setValue(settings.executorId()))
        .setTimestamp(System.currentTimeMillis() / 1000.0).setUuid(uuid).setMessage(message)
        .setData(ByteString.copyFrom(ProcessStatusData.encode(task.latest.values())));
    if (task.info.hasAgentId()) {
      status.setAgentId(task.info.getAgentId());
    }
    if (state == TaskState.TASK_FAILED && task.run == null) {
      status.setReason(Protos.TaskStatus.Reason.REASON_TASK_INVALID);
    }
    Call.Update update = Call.Update.newBuilder().setStatus(status).build();
    unacknowledged.put(uuid, update);
    if (!connected) {
      return; // goes in the next SUBSCRIBE
    }
    Call call = call(Call.Type.UPDATE).setUpdate(update).build();
    sender.execute(() -> post(call));
  }

  private void post(Call call) {
    try {
      HttpResponse<String> r = client.send(request(call).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() / 100 != 2) {
        LOG.warn("UPDATE {} of task {} answered {}: {}; it goes again in the next SUBSCRIBE",
            call.getUpdate().getStatus().getState(), call.getUpdate().getStatus().getTaskId().getValue(),
            r.statusCode(), r.body());
      }
    } catch (IOException e) {
      LOG.warn("UPDATE of task {} failed: {}; it goes again in the next SUBSCRIBE",
          call.getUpdate().getStatus().getTaskId().getValue(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Done once there were tasks (or a shutdown), all ended, and every update is acknowledged. */
  private void checkDone() {
    boolean allEnded = tasks.values().stream().allMatch(Task::ended);
    if ((shuttingDown || !tasks.isEmpty()) && allEnded && unacknowledged.isEmpty()) {
      done = true;
      notifyAll();
    }
  }

  /** SIGTERM (the agent destroying the container): kill every task gracefully, within the shutdown grace. */
  private void terminated() {
    synchronized (this) {
      if (done) {
        return;
      }
      shuttingDown = true;
      tasks.values().forEach(t -> {
        if (t.run != null && !t.ended()) {
          t.run.kill();
        }
      });
    }
    awaitRuns(settings.shutdownGrace());
  }

  /** Waits, at most {@code bound}, for every run to end. */
  private void awaitRuns(Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    synchronized (this) {
      while (!tasks.values().stream().allMatch(t -> t.run == null || t.ended())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private Call.Builder call(Call.Type type) {
    return Call.newBuilder().setType(type)
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(settings.frameworkId()))
        .setExecutorId(Protos.ExecutorID.newBuilder().setValue(settings.executorId()));
  }

  private HttpRequest.Builder request(Call call) {
    HttpRequest.Builder b = HttpRequest.newBuilder(settings.endpoint()).header("Content-Type", PROTOBUF)
        .header("Accept", PROTOBUF).POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray()));
    settings.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
    return b;
  }

  private static byte[] uuidBytes(UUID u) {
    return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
  }
}
