package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** A fake master, a Mesos backend on it and what the backend reported. */
final class Harness implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger();

  /** What the backend reported; stored callbacks are run at once unless {@code holdAcks}. */
  static final class Recorder implements BackendListener {
    final List<Offer> offers = new ArrayList<>();
    final List<String> rescinded = new ArrayList<>();
    final List<TaskStatus> statuses = new ArrayList<>();
    final List<String> lostAgents = new ArrayList<>();
    final List<Runnable> heldAcks = new ArrayList<>();
    volatile boolean holdAcks;
    /** Backend properties kept as the scheduler's storage keeps them (only if {@code keepProperties}). */
    final Map<String, String> properties = new java.util.concurrent.ConcurrentHashMap<>();
    volatile boolean keepProperties;

    @Override
    public Map<String, String> backendProperties() {
      return keepProperties ? Map.copyOf(properties) : Map.of();
    }

    @Override
    public void storeBackendProperties(Map<String, String> changed, Runnable stored) {
      if (keepProperties) {
        properties.putAll(changed);
      }
      stored.run();
    }

    @Override
    public synchronized void offers(List<Offer> o) {
      offers.addAll(o);
    }

    @Override
    public synchronized void offerRescinded(String offerId) {
      rescinded.add(offerId);
    }

    @Override
    public synchronized void statusUpdate(TaskStatus status) {
      statuses.add(status);
    }

    @Override
    public void statusUpdate(TaskStatus status, Runnable stored) {
      statusUpdate(status);
      if (holdAcks) {
        synchronized (this) {
          heldAcks.add(stored);
        }
      } else {
        stored.run();
      }
    }

    @Override
    public synchronized void agentLost(String agentId) {
      lostAgents.add(agentId);
    }

    synchronized boolean saw(TaskId id, ScheduleStatus state) {
      return statuses.stream().anyMatch(s -> s.taskId().equals(id) && s.state() == state);
    }

    synchronized long count(TaskId id, ScheduleStatus state) {
      return statuses.stream().filter(s -> s.taskId().equals(id) && s.state() == state).count();
    }

    synchronized Optional<TaskStatus> last(TaskId id) {
      for (int i = statuses.size() - 1; i >= 0; i--) {
        if (statuses.get(i).taskId().equals(id)) {
          return Optional.of(statuses.get(i));
        }
      }
      return Optional.empty();
    }

    synchronized List<TaskStatus> statuses() {
      return List.copyOf(statuses);
    }

    synchronized List<Offer> offers() {
      return List.copyOf(offers);
    }

    synchronized void runHeldAcks() {
      heldAcks.forEach(Runnable::run);
      heldAcks.clear();
    }
  }

  final FakeMesosMaster master;
  final SimpleMeterRegistry registry;
  final FrameworkIdStore ids = FrameworkIdStore.inMemory();
  final Recorder recorder = new Recorder();
  final java.util.Set<String> used = new java.util.HashSet<>();
  MesosBackend backend;

  Harness(FakeMesosMaster.Builder master) {
    this(master, new SimpleMeterRegistry());
  }

  /** With the backend's metrics in {@code registry} (a test's own, e.g. one that watches a counter). */
  Harness(FakeMesosMaster.Builder master, SimpleMeterRegistry registry) {
    this.master = master.build();
    this.registry = registry;
  }

  Harness(FakeMesosMaster.Builder master, Consumer<MesosBackend.Builder> settings) {
    this(master);
    start(settings);
  }

  Harness start(Consumer<MesosBackend.Builder> settings) {
    MesosBackend.Builder b = MesosBackend.builder().masters(master::uris).frameworkIds(ids).meterRegistry(registry)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200));
    settings.accept(b);
    backend = b.build();
    backend.start(recorder);
    return this;
  }

  static void await(String what, BooleanSupplier condition) {
    Await.until(what, condition);
  }

  Offer freshOffer() {
    await("a fresh offer", () -> recorder.offers().stream().anyMatch(o -> !used.contains(o.id())));
    Offer o = recorder.offers().stream().filter(x -> !used.contains(x.id())).findFirst().orElseThrow();
    used.add(o.id());
    return o;
  }

  double counter(String kind) {
    return registry.counter("aurora.mesos.bad.input", "kind", kind).count();
  }

  static TaskConfig task(String command) {
    return TaskConfig.builder().addProcesses(ProcessConfig.of("main", command))
        .resources(Resources.builder().cpus(0.5).ramMb(64).diskMb(10).addPorts("http").build()).build();
  }

  static TaskLaunch launchOf(Offer offer, TaskConfig config, int port) {
    TaskId id = TaskId.of("t-" + SEQ.incrementAndGet());
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : config.resources().ports()) {
      ports.put(name, port++);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AURORA_TASK_ID", id.value());
    return TaskLaunch.builder().taskId(id).instance(InstanceKey.of(JobKey.of("www", "prod", "hello"), SEQ.get()))
        .agentId(offer.agentId()).config(config).ports(ports).processes(config.processes()).environment(env)
        .build();
  }

  TaskId launch(Offer offer, TaskConfig config) {
    TaskLaunch l = launchOf(offer, config, offer.ports().get(0).begin());
    backend.launch(List.of(offer.id()), List.of(l));
    return l.taskId();
  }

  @Override
  public void close() {
    if (backend != null) {
      backend.close();
    }
    master.close();
  }
}
