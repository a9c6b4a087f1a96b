package dev.aurora.mesos.internal;

import dev.aurora.api.ProcessConfig;
import dev.aurora.core.TaskLaunch;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * An ACCEPT call with one LAUNCH of plain command tasks (no task runner, no custom executor, no task
 * groups), encoded straight to bytes: the same bytes as the {@code TaskInfo}s that {@link
 * LaunchTranslation#taskInfo} builds (with {@link HealthChecks#withHealthCheck}) put in a {@code Call}
 * by protobuf's builders and {@code toByteArray()}, fields in field-number order as protobuf writes them,
 * without a builder, a message or a size computation per part. What tasks share is encoded once per
 * call: each resource part (equal tasks share the part's message), the agent id, the shell script of
 * the same processes, the container of an image.
 *
 * <p>At 100,000 tasks in one launch wave this is most of the scheduler's work per task; in a JVM just
 * started it runs before the JIT compiler has compiled it, and one small loop over bytes is compiled
 * sooner and runs cheaper cold than the builders of ten message types. Not thread-safe: one per call.
 */
public final class AcceptEncoder {
  private static final int LEN = 2;
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;

  /** The body of the Launch operation: every task's TaskInfo as field 1. */
  private final Buf launches = new Buf(64 * 1024);
  private final Buf task = new Buf(1024);
  private final Buf command = new Buf(512);
  private final Buf part = new Buf(256);
  private final Buf env = new Buf(512);
  private final Buf variable = new Buf(64);
  private final Buf ports = new Buf(64);
  private final Buf port = new Buf(32);
  private final Map<Protos.Resource, byte[]> resources = new IdentityHashMap<>();
  private final Map<String, byte[]> containers = new HashMap<>(2);
  private List<ProcessConfig> lastProcesses;
  private byte[] lastScript;
  private String lastAgent;
  private byte[] lastAgentBytes;
  private int tasks;

  /**
   * Forgets the tasks added, keeping the buffers, so one encoder serves one call after another on the
   * same thread (the call connection's writer): a launch wave then writes each ACCEPT into buffers
   * already grown and touched, instead of allocating and growing new ones for every call.
   */
  public AcceptEncoder reset() {
    launches.reset();
    if (launches.b.length > KEEP_AT_MOST) {
      launches.b = new byte[64 * 1024]; // not keeping one huge call's buffer
    }
    resources.clear();
    containers.clear();
    lastProcesses = null;
    lastScript = null;
    lastAgent = null;
    lastAgentBytes = null;
    tasks = 0;
    return this;
  }

  /** The largest launches buffer kept from one call to the next. */
  private static final int KEEP_AT_MOST = 4 << 20;

  /** Adds {@code launch}'s TaskInfo with the resources {@code taken} for it and its health check, if any. */
  public void add(TaskLaunch launch, List<Protos.Resource> taken, Optional<Protos.HealthCheck> healthCheck) {
    Buf t = task;
    t.reset();
    t.string(1, launch.instance().toString());
    t.stringMessage(2, utf8(launch.taskId().value()));
    if (!launch.agentId().equals(lastAgent)) {
      lastAgent = launch.agentId();
      lastAgentBytes = utf8(lastAgent);
    }
    t.stringMessage(3, lastAgentBytes);
    for (Protos.Resource r : taken) {
      byte[] b = resources.get(r);
      if (b == null) {
        b = r.toByteArray();
        resources.put(r, b);
      }
      t.bytes(4, b);
    }
    t.message(7, command(launch));
    healthCheck.ifPresent(h -> t.bytes(8, h.toByteArray()));
    Optional<String> image = launch.config().container();
    if (image.isPresent()) {
      t.bytes(9, containers.computeIfAbsent(image.get(), AcceptEncoder::container));
    }
    if (!launch.ports().isEmpty()) {
      Buf d = part;
      d.reset();
      d.varint(1, Protos.DiscoveryInfo.Visibility.FRAMEWORK.getNumber());
      d.string(2, launch.instance().job().toString());
      Buf ports = this.ports;
      Buf port = this.port;
      ports.reset();
      launch.ports().forEach((name, number) -> {
        port.reset();
        port.varint(1, number & 0xFFFFFFFFL);
        port.string(2, name);
        port.string(3, "tcp");
        ports.message(1, port);
      });
      d.message(6, ports);
      t.message(11, d);
    }
    launches.message(1, t);
    tasks++;
  }

  /** How many tasks were added. */
  public int tasks() {
    return tasks;
  }

  /**
   * The ACCEPT call (framework id {@code frameworkId}) of {@code offers} with one LAUNCH of the tasks
   * added, leaving the rest of the offers refused for {@code refuseSeconds}.
   */
  public byte[] accept(String frameworkId, List<Protos.Offer> offers, double refuseSeconds) {
    // sizes first, then one array of exactly the call's size, written once (no copy per nesting level)
    int operation = tag(1) + varintSize(Protos.Offer.Operation.Type.LAUNCH.getNumber())
        + tag(2) + varintSize(launches.n) + launches.n;
    List<byte[]> ids = new java.util.ArrayList<>(offers.size());
    int accept = 0;
    for (Protos.Offer o : offers) {
      byte[] id = o.getId().toByteArray();
      ids.add(id);
      accept += tag(1) + varintSize(id.length) + id.length;
    }
    int filters = 1 + 8;
    accept += tag(2) + varintSize(operation) + operation + tag(3) + varintSize(filters) + filters;
    byte[] fw = utf8(frameworkId);
    int fwMessage = tag(1) + varintSize(fw.length) + fw.length;
    int size = tag(1) + varintSize(fwMessage) + fwMessage + tag(2) + varintSize(Call.Type.ACCEPT.getNumber())
        + tag(4) + varintSize(accept) + accept;
    Buf call = new Buf(size);
    call.stringMessage(1, fw);
    call.varint(2, Call.Type.ACCEPT.getNumber());
    call.tag(4, LEN);
    call.raw(accept);
    for (byte[] id : ids) {
      call.bytes(1, id);
    }
    call.tag(2, LEN);
    call.raw(operation);
    call.varint(1, Protos.Offer.Operation.Type.LAUNCH.getNumber());
    call.message(2, launches);
    call.tag(3, LEN);
    call.raw(filters);
    call.fixed64(1, Double.doubleToRawLongBits(refuseSeconds));
    if (call.n != size || call.b.length != size) {
      throw new IllegalStateException("ACCEPT encoded to " + call.n + " bytes, computed " + size);
    }
    return call.b;
  }

  /** The size of a tag of a field below 16. */
  private static int tag(int field) {
    return 1;
  }

  private static int varintSize(int v) {
    return Buf.varintSize(v);
  }

  /** The CommandInfo of {@link LaunchTranslation#command}: URIs, environment, the script, in a shell. */
  private Buf command(TaskLaunch launch) {
    Buf c = command;
    c.reset();
    String uris = launch.config().metadata().get(LaunchTranslation.URIS);
    if (uris != null) {
      for (String u : uris.split(",")) {
        if (!u.isBlank()) {
          part.reset();
          part.string(1, u.trim());
          part.bool(3, true);
          c.message(1, part);
        }
      }
    }
    Buf env = this.env;
    env.reset();
    Buf variable = this.variable;
    launch.environment().forEach((k, v) -> {
      variable.reset();
      variable.string(1, k);
      variable.string(2, v);
      variable.varint(3, Protos.Environment.Variable.Type.VALUE.getNumber());
      env.message(1, variable);
    });
    c.message(2, env);
    if (launch.processes() != lastProcesses) {
      lastProcesses = launch.processes();
      lastScript = utf8(LaunchTranslation.script(lastProcesses));
    }
    c.bytes(3, lastScript);
    c.bool(6, true);
    return c;
  }

  private static byte[] container(String image) {
    return Protos.ContainerInfo.newBuilder().setType(Protos.ContainerInfo.Type.MESOS)
        .setMesos(Protos.ContainerInfo.MesosInfo.newBuilder().setImage(Protos.Image.newBuilder()
            .setType(Protos.Image.Type.DOCKER).setDocker(Protos.Image.Docker.newBuilder().setName(image))))
        .build().toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A growable buffer of protobuf wire format. */
  private static final class Buf {
    byte[] b;
    int n;

    Buf(int capacity) {
      b = new byte[Math.max(16, capacity)];
    }

    void reset() {
      n = 0;
    }

    private void room(int more) {
      if (n + more > b.length) {
        b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
      }
    }

    void raw(long v) {
      if (n + 10 > b.length) {
        int size = 1;
        for (long x = v >>> 7; x != 0; x >>>= 7) {
          size++;
        }
        room(size); // exactly: a buffer made to a computed size is filled to its last byte
      }
      while ((v & ~0x7FL) != 0) {
        b[n++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      b[n++] = (byte) v;
    }

    void tag(int field, int wire) {
      raw((long) field << 3 | wire);
    }

    private void raw(byte[] x, int from, int length) {
      room(length);
      System.arraycopy(x, from, b, n, length);
      n += length;
    }

    void varint(int field, long v) {
      tag(field, VARINT);
      raw(v);
    }

    void bool(int field, boolean v) {
      varint(field, v ? 1 : 0);
    }

    void fixed64(int field, long v) {
      tag(field, FIXED64);
      room(8);
      for (int i = 0; i < 8; i++) {
        b[n++] = (byte) (v >>> (8 * i));
      }
    }

    void bytes(int field, byte[] x) {
      tag(field, LEN);
      raw(x.length);
      raw(x, 0, x.length);
    }

    void string(int field, String s) {
      int length = s.length();
      for (int i = 0; i < length; i++) {
        if (s.charAt(i) >= 0x80) {
          bytes(field, utf8(s));
          return;
        }
      }
      // ASCII (task ids, AURORA_* variables, paths): written as it is, no byte[] made for it
      tag(field, LEN);
      raw(length);
      room(length);
      for (int i = 0; i < length; i++) {
        b[n++] = (byte) s.charAt(i);
      }
    }

    void message(int field, Buf m) {
      tag(field, LEN);
      raw(m.n);
      raw(m.b, 0, m.n);
    }

    /** A message whose only field is string 1 ({@code TaskID}, {@code AgentID}, {@code FrameworkID}). */
    void stringMessage(int field, byte[] value) {
      tag(field, LEN);
      raw(1 + varintSize(value.length) + value.length);
      tag(1, LEN);
      raw(value.length);
      raw(value, 0, value.length);
    }

    byte[] toByteArray() {
      return Arrays.copyOf(b, n);
    }

    static int varintSize(int v) {
      int size = 1;
      while ((v & ~0x7F) != 0) {
        size++;
        v >>>= 7;
      }
      return size;
    }
  }
}
