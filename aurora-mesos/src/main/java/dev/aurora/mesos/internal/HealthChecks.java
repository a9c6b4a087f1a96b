package dev.aurora.mesos.internal;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.mesos.v1.Protos;

/**
 * A task's health check, run by Mesos on the agent ({@code TaskInfo.health_check}), and the verdicts
 * of its {@code TaskStatus.healthy} turned into the core's health with the same rule as the local
 * backend's checker.
 *
 * <p>The mapping: HTTP GETs the path on the port number assigned to the named port, TCP connects to
 * that port, COMMAND runs the command in a shell with the task's environment. {@code grace_period_seconds} is the initial delay
 * (the same meaning: failures before the first pass within it do not count), {@code delay_seconds} the
 * shorter of interval and initial delay (when the local checker probes first), {@code interval_seconds}
 * and {@code timeout_seconds} as given. {@code consecutive_failures} is the largest value Mesos takes,
 * so Mesos never kills a task for its health: as on every backend, health is a verdict the scheduler
 * acts on (an update rolls back, an announcement drops the task), not a kill.
 *
 * <p>The verdicts: Mesos's checker reports {@code healthy=false} on every counted failure and {@code
 * healthy=true} on the first pass (and the first after failures). The core hears {@code healthy=true} at
 * once and {@code healthy=false} once more than the check's {@code maxConsecutiveFailures} failures came
 * in a row. An update sent again (same uuid, not acknowledged yet) says nothing new: it was judged when
 * it first came, and an older verdict must not undo a newer one. A status
 * without a uuid (an answer to reconciliation) repeats what the master last heard and changes no count.
 */
public final class HealthChecks {
  /** {@code uint32} max: Mesos asks for a kill after this many failures, i.e. never. */
  static final int NEVER_KILL = -1;

  private final Map<TaskId, Integer> tolerated = new ConcurrentHashMap<>();
  private final Map<TaskId, Failures> failures = new ConcurrentHashMap<>();

  private static final class Failures {
    final Set<com.google.protobuf.ByteString> counted = new HashSet<>();
    boolean unhealthy;
  }

  /** The uuids of each task's health updates already judged (the latest few), to skip their resends. */
  private final Map<TaskId, Set<com.google.protobuf.ByteString>> judged = new ConcurrentHashMap<>();
  private static final int REMEMBERED_UUIDS = 64;

  /** {@code info} with the launch's health check, if it has one. */
  public static Protos.TaskInfo withHealthCheck(Protos.TaskInfo info, TaskLaunch launch) {
    return toMesos(launch).map(h -> info.toBuilder().setHealthCheck(h).build()).orElse(info);
  }

  /** The launch's health check as Mesos's, if it has one (and, for HTTP, its port was assigned). */
  public static Optional<Protos.HealthCheck> toMesos(TaskLaunch launch) {
    if (launch.healthCheck().isEmpty()) {
      return Optional.empty();
    }
    HealthCheck c = launch.healthCheck().get();
    Protos.HealthCheck.Builder h = Protos.HealthCheck.newBuilder()
        .setDelaySeconds(seconds(c.interval().compareTo(c.initialDelay()) < 0 ? c.interval() : c.initialDelay()))
        .setIntervalSeconds(seconds(c.interval()))
        .setTimeoutSeconds(seconds(c.timeout()))
        .setGracePeriodSeconds(seconds(c.initialDelay()))
        .setConsecutiveFailures(NEVER_KILL);
    switch (c.type()) {
      case HTTP -> {
        Integer port = c.port().map(launch.ports()::get).orElse(null);
        if (port == null) {
          return Optional.empty(); // the validator names the port among the task's; nothing to check otherwise
        }
        h.setType(Protos.HealthCheck.Type.HTTP).setHttp(Protos.HealthCheck.HTTPCheckInfo.newBuilder()
            .setScheme("http").setPort(port).setPath(c.path().orElse("/")));
      }
      case COMMAND -> {
        Protos.Environment.Builder env = Protos.Environment.newBuilder();
        launch.environment().forEach((k, v) -> env.addVariables(Protos.Environment.Variable.newBuilder()
            .setName(k).setType(Protos.Environment.Variable.Type.VALUE).setValue(v)));
        h.setType(Protos.HealthCheck.Type.COMMAND).setCommand(Protos.CommandInfo.newBuilder().setShell(true)
            .setValue(c.command().orElse("true")).setEnvironment(env));
      }
      case TCP -> {
        Integer port = c.port().map(launch.ports()::get).orElse(null);
        if (port == null) {
          return Optional.empty();
        }
        h.setType(Protos.HealthCheck.Type.TCP).setTcp(Protos.HealthCheck.TCPCheckInfo.newBuilder().setPort(port));
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(h.build());
  }

  /** Remembers how many failures in a row the launched task's check tolerates. */
  public void launched(TaskLaunch launch) {
    launch.healthCheck().ifPresent(c -> tolerated.put(launch.taskId(), c.maxConsecutiveFailures()));
  }

  /** The task ended: nothing more to count. */
  public void ended(TaskId id) {
    tolerated.remove(id);
    failures.remove(id);
    judged.remove(id);
  }

  /** The core's health for a RUNNING status of {@code id}, if it says one (see the class comment). */
  public Optional<Boolean> verdict(TaskId id, Protos.TaskStatus s) {
    if (!s.hasHealthy() || s.getState() != Protos.TaskState.TASK_RUNNING) {
      return Optional.empty();
    }
    if (s.hasUuid()) {
      // an update sent again (not acknowledged yet) was judged already: an older verdict must not come
      // back after a newer one
      Set<com.google.protobuf.ByteString> seen = judged.computeIfAbsent(id, k -> java.util.Collections.synchronizedSet(
          java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<com.google.protobuf.ByteString, Boolean> eldest) {
              return size() > REMEMBERED_UUIDS;
            }
          })));
      if (!seen.add(s.getUuid())) {
        return Optional.empty();
      }
    }
    if (s.getHealthy()) {
      failures.remove(id);
      return Optional.of(true);
    }
    Failures f = failures.computeIfAbsent(id, k -> new Failures());
    synchronized (f) {
      if (s.hasUuid()) {
        f.counted.add(s.getUuid());
        if (f.counted.size() > tolerated.getOrDefault(id, 0)) {
          f.unhealthy = true;
        }
      }
      return f.unhealthy ? Optional.of(false) : Optional.empty();
    }
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
