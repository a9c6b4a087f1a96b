package dev.aurora.testkit.mesos;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.executor.Protos.Call;
import org.apache.mesos.v1.executor.Protos.Event;

/**
 * The executor side of a Mesos agent, on loopback, for testing a custom executor that speaks the v1
 * executor HTTP API (as {@link FakeMesosMaster} is the master's side for a scheduler): {@code POST
 * /api/v1/executor} answers SUBSCRIBE with a RecordIO event stream (SUBSCRIBED first), UPDATE with 202
 * (and, unless told otherwise, an ACKNOWLEDGED event), and records every call, noting protocol
 * violations (a call without executor or framework id, an UPDATE without uuid or not from the executor,
 * a call before SUBSCRIBE is answered 403). The test sends LAUNCH, KILL, SHUTDOWN and ACKNOWLEDGED
 * events and drops the stream as a restarting agent does.
 *
 * <pre>{@code
 * try (FakeMesosAgent agent = FakeMesosAgent.start()) {
 *   Process executor = new ProcessBuilder("java", "-cp", jar, "my.Executor")
 *       .environment().putAll(agent.executorEnvironment("framework-1", "executor-1", sandbox, true)) ...;
 *   Await.until("subscribed", agent::subscribed);
 *   agent.launch(taskInfo);
 *   Await.until("finished", () -> agent.updates().stream().anyMatch(s -> s.getState() == TASK_FINISHED));
 * }
 * }</pre>
 */
public final class FakeMesosAgent implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-agent");
    t.setDaemon(true);
    return t;
  });
  private final List<Call> calls = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private OutputStream stream;
  private CountDownLatch streamClosed;
  private volatile boolean autoAcknowledge = true;
  private volatile java.util.function.Consumer<Protos.TaskStatus> onUpdate = s -> { };

  /** A fake agent listening on a free loopback port. */
  public static FakeMesosAgent start() {
    try {
      return new FakeMesosAgent();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot listen on loopback", e);
    }
  }

  private FakeMesosAgent() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/executor", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** {@code host:port}, as MESOS_AGENT_ENDPOINT holds it. */
  public String endpoint() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * The environment a Mesos agent gives an executor it starts, for this agent: {@code
   * MESOS_AGENT_ENDPOINT}, {@code MESOS_FRAMEWORK_ID}, {@code MESOS_EXECUTOR_ID}, {@code MESOS_SANDBOX}
   * and {@code MESOS_DIRECTORY}, {@code MESOS_CHECKPOINT}, and short {@code MESOS_RECOVERY_TIMEOUT}
   * (1 min), {@code MESOS_SUBSCRIPTION_BACKOFF_MAX} (200 ms) and {@code
   * MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD} (20 s) for tests.
   */
  public java.util.Map<String, String> executorEnvironment(String frameworkId, String executorId,
      java.nio.file.Path sandbox, boolean checkpoint) {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    env.put("MESOS_AGENT_ENDPOINT", endpoint());
    env.put("MESOS_FRAMEWORK_ID", frameworkId);
    env.put("MESOS_EXECUTOR_ID", executorId);
    env.put("MESOS_SANDBOX", sandbox.toString());
    env.put("MESOS_DIRECTORY", sandbox.toString());
    env.put("MESOS_CHECKPOINT", checkpoint ? "1" : "0");
    env.put("MESOS_RECOVERY_TIMEOUT", "1mins");
    env.put("MESOS_SUBSCRIPTION_BACKOFF_MAX", "200ms");
    env.put("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "20secs");
    return env;
  }

  /** Whether each UPDATE is acknowledged at once (default true); off, the test acknowledges. */
  public void autoAcknowledge(boolean on) {
    autoAcknowledge = on;
  }

  /** Hands the status of each UPDATE received to {@code listener} (e.g. to forward it to a fake master). */
  public void onUpdate(java.util.function.Consumer<Protos.TaskStatus> listener) {
    onUpdate = listener;
  }

  /** The calls of {@code type} received, in order. */
  public synchronized List<Call> calls(Call.Type type) {
    return calls.stream().filter(c -> c.getType() == type).toList();
  }

  /** The protocol violations seen. */
  public synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  /** The status of each UPDATE received, in order. */
  public synchronized List<Protos.TaskStatus> updates() {
    return calls.stream().filter(c -> c.getType() == Call.Type.UPDATE).map(c -> c.getUpdate().getStatus()).toList();
  }

  /** Whether an executor holds the event stream. */
  public synchronized boolean subscribed() {
    return stream != null;
  }

  private void handle(HttpExchange ex) throws IOException {
    Call call;
    try {
      call = Call.parseFrom(ex.getRequestBody().readAllBytes());
    } catch (IOException e) {
      synchronized (this) {
        violations.add("a call that does not parse: " + e.getMessage());
      }
      ex.sendResponseHeaders(400, -1);
      ex.close();
      return;
    }
    CountDownLatch closed;
    synchronized (this) {
      calls.add(call);
      if (!ex.getRequestHeaders().getFirst("Content-Type").equals("application/x-protobuf")) {
        violations.add(call.getType() + " with Content-Type " + ex.getRequestHeaders().getFirst("Content-Type"));
      }
      if (!call.hasExecutorId() || !call.hasFrameworkId()) {
        violations.add(call.getType() + " without executor_id or framework_id");
      }
      if (call.getType() != Call.Type.SUBSCRIBE) {
        if (call.getType() == Call.Type.UPDATE) {
          Protos.TaskStatus s = call.getUpdate().getStatus();
          if (!s.hasUuid() || s.getSource() != Protos.TaskStatus.Source.SOURCE_EXECUTOR) {
            violations.add("UPDATE without a uuid or not from SOURCE_EXECUTOR: " + s);
          }
        }
        if (stream == null) {
          violations.add(call.getType() + " before SUBSCRIBE");
        }
        ex.sendResponseHeaders(stream == null ? 403 : 202, -1);
        ex.close();
        if (stream != null && call.getType() == Call.Type.UPDATE) {
          onUpdate.accept(call.getUpdate().getStatus());
          if (autoAcknowledge) {
            acknowledge(call.getUpdate().getStatus());
          }
        }
        return;
      }
      ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, 0);
      stream = ex.getResponseBody();
      streamClosed = new CountDownLatch(1);
      closed = streamClosed;
      send(Event.newBuilder().setType(Event.Type.SUBSCRIBED).setSubscribed(Event.Subscribed.newBuilder()
          .setExecutorInfo(Protos.ExecutorInfo.newBuilder()
              .setExecutorId(call.getExecutorId()).setType(Protos.ExecutorInfo.Type.CUSTOM))
          .setFrameworkInfo(Protos.FrameworkInfo.newBuilder().setUser("aurora").setName("aurora")
              .setId(call.getFrameworkId()))
          .setAgentInfo(Protos.AgentInfo.newBuilder().setHostname("localhost")
              .setId(Protos.AgentID.newBuilder().setValue("agent-1")))).build());
    }
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ex.close();
  }

  /** Sends {@code event} on the live stream. */
  public synchronized void send(Event event) {
    if (stream == null) {
      throw new IllegalStateException("no executor is subscribed");
    }
    byte[] bytes = event.toByteArray();
    try {
      stream.write((bytes.length + "\n").getBytes(StandardCharsets.US_ASCII));
      stream.write(bytes);
      stream.flush();
    } catch (IOException e) {
      dropStream();
    }
  }

  /** Sends LAUNCH of {@code task}. */
  public void launch(Protos.TaskInfo task) {
    send(Event.newBuilder().setType(Event.Type.LAUNCH).setLaunch(Event.Launch.newBuilder().setTask(task)).build());
  }

  /** Sends KILL of the task. */
  public void kill(String taskId) {
    send(Event.newBuilder().setType(Event.Type.KILL).setKill(Event.Kill.newBuilder()
        .setTaskId(Protos.TaskID.newBuilder().setValue(taskId))).build());
  }

  /** Sends SHUTDOWN. */
  public void shutdown() {
    send(Event.newBuilder().setType(Event.Type.SHUTDOWN).build());
  }

  /** Sends ACKNOWLEDGED of the update that carried {@code status}. */
  public synchronized void acknowledge(Protos.TaskStatus status) {
    send(Event.newBuilder().setType(Event.Type.ACKNOWLEDGED).setAcknowledged(Event.Acknowledged.newBuilder()
        .setTaskId(status.getTaskId()).setUuid(status.getUuid())).build());
  }

  /** Ends the event stream, as an agent that restarts does. */
  public synchronized void dropStream() {
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException e) {
        // gone already
      }
      stream = null;
      streamClosed.countDown();
    }
  }

  /** Ends the stream and stops listening. */
  @Override
  public void close() {
    dropStream();
    server.stop(0);
    threads.shutdownNow();
  }
}
