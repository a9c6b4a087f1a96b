package dev.aurora.runner;

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
 * The executor side of a Mesos agent on loopback: {@code POST /api/v1/executor} answers SUBSCRIBE with a
 * RecordIO event stream (SUBSCRIBED first), UPDATE with 202 (and, unless told otherwise, an
 * ACKNOWLEDGED event), and records every call; the test sends LAUNCH, KILL, SHUTDOWN and ACKNOWLEDGED
 * events and drops the stream.
 */
final class FakeAgent implements AutoCloseable {
  final HttpServer server;
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

  FakeAgent() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/api/v1/executor", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** {@code host:port}, as MESOS_AGENT_ENDPOINT holds it. */
  String endpoint() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  void autoAcknowledge(boolean on) {
    autoAcknowledge = on;
  }

  synchronized List<Call> calls(Call.Type type) {
    return calls.stream().filter(c -> c.getType() == type).toList();
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }

  /** The status of each UPDATE received, in order. */
  synchronized List<Protos.TaskStatus> updates() {
    return calls.stream().filter(c -> c.getType() == Call.Type.UPDATE).map(c -> c.getUpdate().getStatus()).toList();
  }

  synchronized boolean subscribed() {
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
        ex.sendResponseHeaders(stream == null ? 403 : 202, -1);
        ex.close();
        if (stream != null && call.getType() == Call.Type.UPDATE && autoAcknowledge) {
          acknowledge(call.getUpdate().getStatus());
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
  synchronized void send(Event event) {
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

  void launch(Protos.TaskInfo task) {
    send(Event.newBuilder().setType(Event.Type.LAUNCH).setLaunch(Event.Launch.newBuilder().setTask(task)).build());
  }

  void kill(String taskId) {
    send(Event.newBuilder().setType(Event.Type.KILL).setKill(Event.Kill.newBuilder()
        .setTaskId(Protos.TaskID.newBuilder().setValue(taskId))).build());
  }

  void shutdown() {
    send(Event.newBuilder().setType(Event.Type.SHUTDOWN).build());
  }

  synchronized void acknowledge(Protos.TaskStatus status) {
    send(Event.newBuilder().setType(Event.Type.ACKNOWLEDGED).setAcknowledged(Event.Acknowledged.newBuilder()
        .setTaskId(status.getTaskId()).setUuid(status.getUuid())).build());
  }

  /** Ends the event stream, as an agent that restarts does. */
  synchronized void dropStream() {
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

  @Override
  public void close() {
    dropStream();
    server.stop(0);
    threads.shutdownNow();
  }
}
