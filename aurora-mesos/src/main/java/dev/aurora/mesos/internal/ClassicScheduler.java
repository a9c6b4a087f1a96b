package dev.aurora.mesos.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ImmutableTaskStatus;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import dev.aurora.mesos.ClassicDriverBackend;
import dev.aurora.mesos.MesosBackend;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.apache.mesos.Protos;
import org.apache.mesos.Scheduler;
import org.apache.mesos.SchedulerDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic driver's {@link Scheduler}, feeding the core. The classic and v1 messages share their
 * wire format (v1 renamed slave to agent, not the fields), so offers, statuses and task infos cross
 * between them by bytes, as Mesos's own evolve/devolve does, and the v1 translations serve both.
 */
public final class ClassicScheduler implements ClassicDriverBackend, Scheduler {
  private static final Logger LOG = LoggerFactory.getLogger(ClassicScheduler.class);

  private final BiFunction<Scheduler, Protos.FrameworkInfo, SchedulerDriver> driverFactory;
  /** The FrameworkInfo to register with, or null when the caller's driver factory keeps its own. */
  private final Protos.FrameworkInfo frameworkInfo;
  /** The framework id in the scheduler's storage (read at start, or stored since), or null. */
  private volatile String storedFrameworkId;
  private final MeterRegistry registry;
  private final Duration leftoverRefusal;
  private volatile SchedulerDriver driver;
  private volatile BackendListener listener;
  private final Map<String, org.apache.mesos.v1.Protos.Offer> offers = new ConcurrentHashMap<>();
  private final Map<TaskId, String> agents = new ConcurrentHashMap<>();
  private final Set<TaskId> known = ConcurrentHashMap.newKeySet();
  /** Whether the framework wants offers (the scheduler's demand); a registered framework does. */
  private volatile boolean wantOffers = true;

  private final Optional<RunnerCommand> runner;
  private final Optional<CustomExecutor> custom;

  /**
   * A backend whose driver {@code driverFactory} makes, with {@code frameworkInfo} (null: the factory keeps
   * its own FrameworkInfo) given the stored framework id; with the task runner on agents if {@code runner}
   * or {@code custom} is present.
   */
  public ClassicScheduler(BiFunction<Scheduler, Protos.FrameworkInfo, SchedulerDriver> driverFactory,
      Protos.FrameworkInfo frameworkInfo, MeterRegistry registry, Duration leftoverRefusal,
      Optional<RunnerCommand> runner, Optional<CustomExecutor> custom) {
    this.driverFactory = driverFactory;
    this.frameworkInfo = frameworkInfo;
    this.registry = registry;
    this.leftoverRefusal = leftoverRefusal;
    this.runner = runner;
    this.custom = custom;
  }

  static <T extends MessageLite> T convert(MessageLite from, Parser<T> to) {
    try {
      return to.parseFrom(from.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("classic and v1 messages should share their wire format", e);
    }
  }

  // ------------------------------------------------------------------ ClusterBackend

  @Override
  public void start(BackendListener l) {
    this.listener = l;
    String stored = l.backendProperties().get(MesosBackend.FRAMEWORK_ID_PROPERTY);
    storedFrameworkId = stored == null || stored.isEmpty() ? null : stored;
    Protos.FrameworkInfo info = frameworkInfo;
    if (info != null && storedFrameworkId != null) {
      if (info.hasId() && !info.getId().getValue().equals(storedFrameworkId)) {
        LOG.info("registering as framework {} (the scheduler's storage), not {} (the FrameworkInfo given)",
            storedFrameworkId, info.getId().getValue());
      }
      info = info.toBuilder().setId(Protos.FrameworkID.newBuilder().setValue(storedFrameworkId)).build();
    }
    this.driver = driverFactory.apply(this, info);
    Protos.Status s = driver.start();
    if (s != Protos.Status.DRIVER_RUNNING) {
      LOG.error("the Mesos driver did not start: {}", s);
    }
  }

  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    List<org.apache.mesos.v1.Protos.Offer> used = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (String id : new java.util.LinkedHashSet<>(offerIds.stream().map(OfferTranslation::mesosId).toList())) {
      org.apache.mesos.v1.Protos.Offer o = offers.remove(id);
      if (o == null) {
        invalid.add(id);
      } else {
        used.add(o);
      }
    }
    if (!invalid.isEmpty()) {
      lose(tasks, "offer " + String.join(", ", invalid) + " is no longer valid");
      used.forEach(o -> driver.declineOffer(Protos.OfferID.newBuilder().setValue(o.getId().getValue()).build()));
      return;
    }
    LaunchTranslation carve = new LaunchTranslation(used, runner, custom);
    List<Protos.TaskInfo> infos = new ArrayList<>();
    for (TaskLaunch t : tasks) {
      try {
        infos.add(convert(carve.taskInfo(t), Protos.TaskInfo.parser()));
        known.add(t.taskId());
        agents.put(t.taskId(), t.agentId());
      } catch (LaunchTranslation.Shortfall e) {
        registry.counter("aurora.mesos.bad.input", "kind", "launch_beyond_offer").increment();
        lose(List.of(t), "launch beyond offer: " + e.getMessage());
      }
    }
    List<Protos.OfferID> ids = used.stream()
        .map(o -> Protos.OfferID.newBuilder().setValue(o.getId().getValue()).build()).toList();
    if (infos.isEmpty()) {
      ids.forEach(driver::declineOffer);
      return;
    }
    driver.launchTasks(ids, infos, Protos.Filters.newBuilder()
        .setRefuseSeconds(leftoverRefusal.toMillis() / 1000.0).build());
  }

  @Override
  public void decline(String offerId, Duration refuseFor) {
    String id = OfferTranslation.mesosId(offerId);
    if (offers.remove(id) != null) {
      driver.declineOffer(Protos.OfferID.newBuilder().setValue(id).build(),
          Protos.Filters.newBuilder().setRefuseSeconds(refuseFor.toMillis() / 1000.0).build());
    }
  }

  @Override
  public synchronized void demand(boolean anythingPending) {
    if (anythingPending != wantOffers) {
      wantOffers = anythingPending;
      SchedulerDriver d = driver;
      if (d != null) {
        if (anythingPending) {
          d.reviveOffers();
        } else {
          d.suppressOffers();
        }
      }
    }
  }

  @Override
  public void kill(TaskId taskId) {
    known.add(taskId);
    driver.killTask(Protos.TaskID.newBuilder().setValue(taskId.value()).build());
  }

  @Override
  public void reconcile(Set<TaskId> tasks) {
    known.addAll(tasks);
    if (!tasks.isEmpty()) {
      driver.reconcileTasks(statuses(tasks));
    }
  }

  private List<Protos.TaskStatus> statuses(Set<TaskId> tasks) {
    List<Protos.TaskStatus> out = new ArrayList<>();
    for (TaskId t : tasks) {
      Protos.TaskStatus.Builder s = Protos.TaskStatus.newBuilder()
          .setTaskId(Protos.TaskID.newBuilder().setValue(t.value())).setState(Protos.TaskState.TASK_STAGING);
      String agent = agents.get(t);
      if (agent != null) {
        s.setSlaveId(Protos.SlaveID.newBuilder().setValue(agent));
      }
      out.add(s.build());
    }
    return out;
  }

  /** Stops the driver as a failover: the master keeps the framework's tasks for the next scheduler. */
  @Override
  public void close() {
    listener = null;
    SchedulerDriver d = driver;
    if (d != null) {
      d.stop(true);
    }
  }

  // ------------------------------------------------------------------ Scheduler

  @Override
  public void registered(SchedulerDriver d, Protos.FrameworkID frameworkId, Protos.MasterInfo masterInfo) {
    LOG.info("registered as framework {} with master {}", frameworkId.getValue(), masterInfo.getHostname());
    storeFrameworkId(frameworkId.getValue());
    reconcileAll(d);
  }

  @Override
  public void reregistered(SchedulerDriver d, Protos.MasterInfo masterInfo) {
    LOG.info("re-registered with master {}", masterInfo.getHostname());
    reconcileAll(d);
  }

  /** Keeps the framework id in the scheduler's storage, unless it holds it already. */
  private void storeFrameworkId(String id) {
    BackendListener l = listener;
    if (l == null || id.isEmpty() || id.equals(storedFrameworkId)) {
      return;
    }
    storedFrameworkId = id;
    l.storeBackendProperties(Map.of(MesosBackend.FRAMEWORK_ID_PROPERTY, id),
        () -> LOG.info("framework id {} stored in the scheduler's storage", id));
  }

  private void reconcileAll(SchedulerDriver d) {
    if (!wantOffers) {
      // a (re-)registered framework is offered resources again: nothing is pending, so suppress again
      d.suppressOffers();
    }
    if (!known.isEmpty()) {
      d.reconcileTasks(statuses(Set.copyOf(known)));
    }
  }

  @Override
  public void resourceOffers(SchedulerDriver d, List<Protos.Offer> classic) {
    List<Offer> core = new ArrayList<>();
    for (Protos.Offer c : classic) {
      org.apache.mesos.v1.Protos.Offer o = convert(c, org.apache.mesos.v1.Protos.Offer.parser());
      List<Offer> parts = OfferTranslation.toCore(o, (name, detail) ->
          registry.counter("aurora.mesos.bad.input", "kind", "unknown_resource").increment());
      if (parts.stream().noneMatch(p -> p.cpus() > 0 && p.ramMb() > 0)) {
        d.declineOffer(c.getId());
        continue;
      }
      offers.put(o.getId().getValue(), o);
      core.addAll(parts);
    }
    BackendListener l = listener;
    if (l != null && !core.isEmpty()) {
      l.offers(core);
    }
  }

  @Override
  public void offerRescinded(SchedulerDriver d, Protos.OfferID offerId) {
    org.apache.mesos.v1.Protos.Offer o = offers.remove(offerId.getValue());
    BackendListener l = listener;
    if (o != null && l != null) {
      l.offerRescinded(o.getId().getValue());
      l.offerRescinded(o.getId().getValue() + OfferTranslation.REVOCABLE_SUFFIX);
    }
  }

  @Override
  public void statusUpdate(SchedulerDriver d, Protos.TaskStatus status) {
    Runnable ack = status.hasUuid() ? () -> d.acknowledgeStatusUpdate(status) : () -> { };
    TaskId id = TaskId.of(status.getTaskId().getValue());
    if (!known.contains(id)) {
      registry.counter("aurora.mesos.bad.input", "kind", "unknown_task").increment();
      LOG.warn("status {} for task {} that this backend never launched nor was asked about", status.getState(), id);
    }
    Optional<ScheduleStatus> state = StatusMapping.toCore(
        org.apache.mesos.v1.Protos.TaskState.forNumber(status.getState().getNumber()));
    BackendListener l = listener;
    if (state.isEmpty() || l == null) {
      ack.run();
      return;
    }
    if (status.hasSlaveId()) {
      agents.put(id, status.getSlaveId().getValue());
    }
    if (state.get().isTerminal()) {
      known.remove(id);
    }
    ImmutableTaskStatus.Builder b = ImmutableTaskStatus.builder().taskId(id).state(state.get())
        .message(status.getState() + (status.hasMessage() ? ": " + status.getMessage() : ""));
    if (status.hasHealthy() && state.get() == ScheduleStatus.RUNNING) {
      b.healthy(status.getHealthy());
    }
    b.processes(ProcessData.recordsOf(status.getData(), id.value(),
        () -> registry.counter("aurora.mesos.bad.input", "kind", "bad_process_data").increment()));
    l.statusUpdate(b.build(), ack);
  }

  @Override
  public void frameworkMessage(SchedulerDriver d, Protos.ExecutorID executorId, Protos.SlaveID slaveId, byte[] data) {
    LOG.debug("framework message from {} on {} ignored", executorId.getValue(), slaveId.getValue());
  }

  @Override
  public void disconnected(SchedulerDriver d) {
    LOG.warn("disconnected from the master; the driver reconnects");
    offers.keySet().forEach(id -> offerRescinded(d, Protos.OfferID.newBuilder().setValue(id).build()));
  }

  @Override
  public void slaveLost(SchedulerDriver d, Protos.SlaveID slaveId) {
    BackendListener l = listener;
    if (l != null) {
      l.agentLost(slaveId.getValue());
    }
  }

  @Override
  public void executorLost(SchedulerDriver d, Protos.ExecutorID executorId, Protos.SlaveID slaveId, int status) {
    LOG.info("executor {} on {} exited with {}", executorId.getValue(), slaveId.getValue(), status);
  }

  @Override
  public void error(SchedulerDriver d, String message) {
    registry.counter("aurora.mesos.errors").increment();
    LOG.error("the Mesos driver reports an error: {}", message);
  }

  private void lose(List<TaskLaunch> tasks, String why) {
    BackendListener l = listener;
    if (l != null) {
      tasks.forEach(t -> l.statusUpdate(TaskStatus.of(t.taskId(), ScheduleStatus.LOST, why)));
    }
  }
}
