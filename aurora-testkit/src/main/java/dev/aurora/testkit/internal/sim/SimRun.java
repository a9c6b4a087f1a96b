package dev.aurora.testkit.internal.sim;

import dev.aurora.api.AuroraException;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.PartitionPolicy;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import dev.aurora.api.Tier;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.LeaderElection;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.NotLeaderException;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerBuilder;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.TaskStatus;
import dev.aurora.core.UpdateId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.ManualLeaderElection;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.Scenario.Action;
import dev.aurora.testkit.Scenario.Fault;
import dev.aurora.testkit.SimulatedCluster;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One run of a simulation: a plan drawn from the seed, executed step by step on a simulated cluster,
 * all on one thread and a fake clock, with the {@link Checker}'s invariants after every step. With one
 * scheduler it is restarted from its storage after each crash. With several, they share one storage
 * (each through a {@link FencedStorage}) and the cluster under a {@link ManualLeaderElection}: client
 * operations go to the leader (or, while nobody leads, to the deposed one, which must refuse them); a
 * crashed process is replaced by a new one that joins as a follower; {@link Fault#LEADER_FAILOVER}
 * deposes the leader and elects another.
 */
public final class SimRun {
  /** What the run is given: the scenario's settings, read by {@code Simulation}. */
  public record Spec(int agents, IntFunction<Map<String, String>> attributes, double cpus, long ramMb, int steps,
      int jobSlots, int maxStepGapSeconds, Map<Action, Integer> weights, Map<Fault, Double> rates,
      Consumer<SchedulerBuilder> scheduler, Duration convergeWithin, Duration duplicateWindow, int schedulers) {}

  /** What a run found. */
  public record Outcome(List<String> trace, List<String> violations, int stepsRun, Map<Fault, Integer> faults,
      Duration simulated, String digest) {}

  /** How often the scheduler asks about the tasks it believes on agents, in every simulation. */
  public static final Duration RECONCILE_EXPLICIT = Duration.ofMinutes(5);
  /** How often the scheduler asks the cluster to report every task it runs, in every simulation. */
  public static final Duration RECONCILE_IMPLICIT = Duration.ofMinutes(3);
  private static final Principal USER = Principal.of("sim");
  private static final Principal OPERATOR = Principal.of("operator");
  private static final List<Fault> STEP_FAULTS = List.of(Fault.AGENT_LOSS, Fault.TASK_CRASH, Fault.OFFER_RESCINDED,
      Fault.STORAGE_FAILS, Fault.STORAGE_TEARS, Fault.SCHEDULER_RESTART, Fault.CLOCK_JUMP);
  private static final List<Fault> LATER_FAULTS = List.of(Fault.AGENT_PARTITION);
  /** Each drawn from a stream of its own, so adding one leaves the others' draws as they were. */
  private static final List<Fault> OWN_STREAM_FAULTS = List.of(Fault.LEADER_FAILOVER);

  // ------------------------------------------------------------------ the plan

  /** The plan a seed gives: every random choice of the workload and the step faults, made up front. */
  public static List<Step> plan(long seed, Spec spec) {
    Random r = new Random(seed);
    List<Step> plan = new ArrayList<>();
    int total = spec.weights().values().stream().mapToInt(Integer::intValue).sum();
    for (int i = 0; i < spec.steps(); i++) {
      for (Fault f : STEP_FAULTS) {
        if (r.nextDouble() < spec.rates().getOrDefault(f, 0.0)) {
          plan.add(new Step(f.name(), r.nextInt(1_000), 1 + r.nextInt(5), r.nextInt(1_000)));
        }
      }
      int pick = r.nextInt(total);
      Action chosen = Action.IDLE;
      for (Map.Entry<Action, Integer> w : spec.weights().entrySet()) {
        if (pick < w.getValue()) {
          chosen = w.getKey();
          break;
        }
        pick -= w.getValue();
      }
      plan.add(new Step(chosen.name(), r.nextInt(spec.jobSlots()), r.nextInt(1_000), r.nextInt(1_000)));
      plan.add(new Step("ADVANCE", 0, 1 + r.nextInt(spec.maxStepGapSeconds()), 0));
    }
    // faults added later are drawn from their own stream and inserted, so a seed's plan without them
    // is the plan it always had
    Random later = new Random(seed ^ 0x5DEECE66DL);
    List<Random> own = new ArrayList<>();
    for (Fault f : OWN_STREAM_FAULTS) {
      own.add(new Random(seed * 31 + f.name().hashCode()));
    }
    List<Step> out = new ArrayList<>();
    for (Step step : plan) {
      for (int i = 0; i < OWN_STREAM_FAULTS.size(); i++) {
        Fault f = OWN_STREAM_FAULTS.get(i);
        Random stream = own.get(i);
        double draw = stream.nextDouble();
        int slot = stream.nextInt(1_000);
        int n = 1 + stream.nextInt(5);
        int arg = stream.nextInt(1_000);
        if (step.kind().equals("ADVANCE") && draw < spec.rates().getOrDefault(f, 0.0)
            && (f != Fault.LEADER_FAILOVER || spec.schedulers() > 1)) {
          out.add(new Step(f.name(), slot, n, arg));
        }
      }
      for (Fault f : LATER_FAULTS) {
        double rate = spec.rates().getOrDefault(f, 0.0);
        double draw = later.nextDouble();
        int slot = later.nextInt(1_000);
        int n = 1 + later.nextInt(5);
        int arg = later.nextInt(1_000);
        if (step.kind().equals("ADVANCE") && draw < rate) {
          out.add(new Step(f.name(), slot, n, arg));
        }
      }
      out.add(step);
    }
    return out;
  }

  // ------------------------------------------------------------------ the run

  private final long seed;
  private final Spec spec;
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final Instant start = clock.instant();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final SimulatedCluster cluster;
  private final FaultyBackend backend;
  private final FaultyStorage storage = new FaultyStorage(Storage.inMemory());
  private final Random runtime;
  private final Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
  private final List<String> trace = new ArrayList<>();
  private final Checker checker;
  private final Map<String, Integer> restoreAt = new LinkedHashMap<>();
  private final Map<String, Integer> healAt = new LinkedHashMap<>();
  private final Set<String> drained = new LinkedHashSet<>();
  private final Set<TaskId> turnsUnhealthy = new LinkedHashSet<>();
  /** The scheduler operations and the checker go to: the leader, or the deposed one while nobody leads. */
  private Scheduler scheduler;
  private final boolean elected;
  private final ManualLeaderElection election = ManualLeaderElection.group();
  /** The scheduler processes, by slot (with one scheduler and no election, just the one). */
  private final List<Node> nodes = new ArrayList<>();
  private int participants;
  private @org.jspecify.annotations.Nullable Node leading;
  /** The plan index at which a leaderless group gets a leader again, and whom (-1: none due). */
  private int electAt = -1;
  private int electChoice;
  private boolean failoversOn = true;
  private int restarts;
  private int version;
  private int index;

  public SimRun(long seed, Spec spec) {
    this.seed = seed;
    this.spec = spec;
    this.runtime = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    this.elected = spec.schedulers() > 1;
    this.cluster = SimulatedCluster.builder(loop).agents(spec.agents()).attributes(spec.attributes())
        .resources(spec.cpus(), spec.ramMb(), 100_000, 0).build();
    cluster.behave(t -> t.processes().get(0).command().startsWith("./batch"),
        TaskBehavior.finishAfter(Duration.ofSeconds(60)));
    this.backend = new FaultyBackend(cluster, loop, runtime, spec.rates(), faults, this::onRawStatus);
    this.checker = new Checker(cluster, clock, spec.duplicateWindow(), spec.cpus(), spec.ramMb(),
        () -> "step " + index + ", t=+" + Duration.between(start, clock.instant()).toSeconds() + "s");
  }

  /** Runs the first {@code prefix} entries of {@code plan}, then stops the faults and lets the run converge. */
  public Outcome run(List<Step> plan, int prefix) {
    try {
      if (elected) {
        for (int slot = 0; slot < spec.schedulers(); slot++) {
          Node node = newNode(slot);
          nodes.add(node);
          node.scheduler.start();
          loop.runUntilIdle();
        }
        settle();
      } else {
        nodes.add(newNode(0));
        scheduler = nodes.get(0).scheduler;
        scheduler.start();
        loop.runUntilIdle();
      }
      for (index = 0; index < prefix; index++) {
        Step step = plan.get(index);
        execute(step);
        loop.runUntilIdle();
        settle();
        if (!elected || leading != null) {
          checker.afterStep();
        }
      }
      converge();
    } catch (RuntimeException | AssertionError e) {
      checker.violation(Checker.CLEAN_ERRORS, "the run threw " + e);
    } finally {
      for (Node node : nodes) {
        try {
          node.scheduler.close();
        } catch (RuntimeException e) {
          // the run is over; its outcome is recorded
        }
      }
      storage.closeForGood();
    }
    return new Outcome(trace, List.copyOf(checker.violations()), prefix, new EnumMap<>(faults),
        Duration.between(start, clock.instant()), digest());
  }

  private String digest() {
    StringBuilder sb = new StringBuilder();
    try {
      for (ScheduledTask t : scheduler.tasks(TaskQuery.all())) {
        sb.append(t.id()).append('@').append(t.agent().orElse("-")).append(':').append(t.status()).append(';');
      }
    } catch (RuntimeException e) {
      sb.append(e.getClass().getSimpleName());
    }
    return Integer.toHexString(sb.toString().hashCode()) + "/" + sb.length();
  }

  /** One scheduler process: its slot, its participant in the election (-1: none), its view of the loop. */
  private record Node(int slot, int participant, Scheduler scheduler, ScopedLoop loop,
      @org.jspecify.annotations.Nullable FencedStorage fenced) {
    String name() {
      return "s" + slot + (participant >= 0 ? "#" + participant : "");
    }
  }

  private boolean schedulerStopped() {
    return !nodes.isEmpty() && nodes.get(0).loop.stopped();
  }

  private Node newNode(int slot) {
    ScopedLoop scoped = new ScopedLoop(loop);
    SchedulerBuilder b = Scheduler.builder().clock(clock).loop(scoped)
        // status updates are lost for good (Fault.STATUS_LOST): reconciliation makes them good
        .reconciliation(RECONCILE_EXPLICIT, RECONCILE_IMPLICIT);
    FencedStorage fenced = null;
    int participant = -1;
    if (elected) {
      participant = participants++;
      fenced = new FencedStorage(storage, election, participant, "s" + slot + "#" + participant, checker);
      LeaderElection le = election.participant("s" + slot + "#" + participant);
      b.backend(Failover.keepRunning(backend)).storage(fenced).leaderElection(le)
          .randomSeed(seed + 1_000L * slot + restarts);
    } else {
      b.backend(backend).storage(Failover.keepOpen(storage)).randomSeed(seed + restarts);
    }
    spec.scheduler().accept(b);
    Scheduler s = b.build();
    if (elected) {
      checker.watch(s);
    } else {
      checker.attach(s);
    }
    return new Node(slot, participant, s, scoped, fenced);
  }

  private void restart(String why) {
    if (elected) {
      crash(leading != null ? leading : nodeOf(scheduler), why);
      return;
    }
    restarts++;
    log("restart #" + restarts + " (" + why + ")");
    try {
      scheduler.close();
    } catch (RuntimeException e) {
      // a scheduler that failed may refuse to close cleanly; its replacement matters
    }
    storage.reset();
    nodes.set(0, newNode(0));
    scheduler = nodes.get(0).scheduler;
    scheduler.start();
    loop.runUntilIdle();
    if (storage.tripped()) {
      // the recovery's own write failed: once more, with the fault spent
      storage.reset();
      restart("storage failed during recovery");
      return;
    }
    checker.resync();
  }

  private Node nodeOf(Scheduler s) {
    return nodes.stream().filter(n -> n.scheduler == s).findFirst().orElse(nodes.get(0));
  }

  /**
   * A scheduler process of the group crashes: it leaves the election (a leader is deposed and the
   * next process elected, which recovers and reconciles), and a new process takes its slot as a
   * follower (or is elected at once if nobody leads).
   */
  private void crash(Node dead, String why) {
    restarts++;
    log("restart #" + restarts + ": " + dead.name() + " crashes (" + why + ")");
    try {
      dead.scheduler.close();
    } catch (RuntimeException e) {
      // a scheduler that failed may refuse to close cleanly; its replacement matters
    }
    dead.loop.stop();
    storage.reset();
    loop.runUntilIdle();
    Node fresh = newNode(dead.slot);
    nodes.set(dead.slot, fresh);
    fresh.scheduler.start();
    loop.runUntilIdle();
  }

  /**
   * After a step: replaces each process whose storage fault fired (one with no election restarts),
   * then follows the election: operations and the checker go to the leader from now on, and what
   * unacknowledged operations left open is whatever it recovered.
   */
  private void settle() {
    if (!elected) {
      if (storage.tripped() || schedulerStopped()) {
        restart("storage failed");
      }
      return;
    }
    for (int guard = 0; guard < 20; guard++) {
      Node tripped = nodes.stream().filter(n -> n.fenced.tripped()).findFirst().orElse(null);
      if (tripped == null) {
        break;
      }
      crash(tripped, "storage failed");
    }
    Optional<Integer> leader = election.leaderIndex();
    Node now = leader.flatMap(p -> nodes.stream().filter(n -> n.participant == p).findFirst()).orElse(null);
    if (now == null) {
      if (leading != null) {
        log(at() + "nobody leads (" + leading.name() + " deposed)");
      }
      leading = null;
      return;
    }
    if (now != leading) {
      leading = now;
      scheduler = now.scheduler;
      checker.use(scheduler);
      log(at() + now.name() + " leads");
    }
    checker.resync();
  }

  /** Deposes the leader (its session lost). */
  private void depose(String how) {
    if (election.leaderIndex().isEmpty()) {
      return;
    }
    faults.merge(Fault.LEADER_FAILOVER, 1, Integer::sum);
    log(at() + "leader " + (leading != null ? leading.name() : "?") + " loses its session (" + how + ")");
    election.depose();
  }

  /** Elects a live process: {@code choice} among all, or among all but the deposed one. */
  private void elect(int choice, boolean another) {
    List<Node> candidates = new ArrayList<>(nodes);
    if (another && candidates.size() > 1 && scheduler != null) {
      candidates.removeIf(n -> n.scheduler == scheduler);
    }
    Node next = candidates.get(choice % candidates.size());
    log(at() + "elect " + next.name() + (next.scheduler == scheduler ? " (back as a follower, re-elected)" : ""));
    election.elect(next.participant);
  }

  private void electDue(boolean now) {
    if (electAt >= 0 && (now || electAt <= index)) {
      electAt = -1;
      if (election.leaderIndex().isEmpty()) {
        elect(electChoice, false);
      }
    }
  }

  private void converge() {
    index = Integer.MAX_VALUE;
    backend.stopFaults();
    storage.disarm();
    failoversOn = false;
    if (elected) {
      electDue(true);
      if (election.leaderIndex().isEmpty()) {
        elect(0, false);
      }
      loop.runUntilIdle();
      settle();
    }
    for (String agent : new ArrayList<>(restoreAt.keySet())) {
      cluster.restoreAgent(agent);
    }
    restoreAt.clear();
    healDue(true);
    if (!drained.isEmpty()) {
      op("end drains", null, () -> scheduler.setMaintenance(Set.copyOf(drained), MaintenanceMode.NONE, OPERATOR),
          () -> drained.clear());
    }
    loop.runUntilIdle();
    settle();
    log("faults stop");
    Duration waited = Duration.ZERO;
    while (waited.compareTo(spec.convergeWithin()) < 0 && !checker.converged()) {
      loop.advance(Duration.ofSeconds(10));
      waited = waited.plusSeconds(10);
      checker.afterStep();
    }
    log(checker.converged() ? "converged after " + waited.toSeconds() + " s" : "not converged");
    checker.atEnd();
  }

  private String at() {
    return index == Integer.MAX_VALUE ? "end " : "#" + index + " ";
  }

  private void log(String what) {
    trace.add("t=+" + Duration.between(start, clock.instant()).toSeconds() + "s " + what);
  }

  // ------------------------------------------------------------------ steps

  private void execute(Step step) {
    if (step.kind().equals("ADVANCE")) {
      loop.advance(Duration.ofSeconds(step.n()));
      restoreDue();
      healDue(false);
      if (elected) {
        loop.runUntilIdle();
        settle();
        electDue(false);
      }
      return;
    }
    for (Fault f : Fault.values()) {
      if (f.name().equals(step.kind())) {
        fault(f, step);
        return;
      }
    }
    if (elected && leading == null && whileNobodyLeads(Action.valueOf(step.kind()), step)) {
      return;
    }
    try {
      action(Action.valueOf(step.kind()), step);
    } catch (NotLeaderException e) {
      // reading before the operation, while nobody leads: the deposed leader refuses reads too
      log(at() + step.kind().toLowerCase(java.util.Locale.ROOT) + " " + key(step.slot())
          + ": refused (NotLeaderException)");
    }
  }

  private void healDue(boolean all) {
    for (Map.Entry<String, Integer> e : new ArrayList<>(healAt.entrySet())) {
      if (all || e.getValue() <= index) {
        healAt.remove(e.getKey());
        cluster.healAgent(e.getKey());
        log(at() + "agent " + e.getKey() + " heals");
      }
    }
  }

  private void restoreDue() {
    for (Map.Entry<String, Integer> e : new ArrayList<>(restoreAt.entrySet())) {
      if (e.getValue() <= index) {
        restoreAt.remove(e.getKey());
        cluster.restoreAgent(e.getKey());
        log(at() + "agent " + e.getKey() + " returns");
      }
    }
  }

  private void fault(Fault f, Step step) {
    switch (f) {
      case AGENT_LOSS -> {
        String agent = cluster.agents().get(step.slot() % spec.agents()).id();
        if (restoreAt.containsKey(agent)) {
          return;
        }
        faults.merge(f, 1, Integer::sum);
        restoreAt.put(agent, index + 3 * step.n());
        log(at() + "lose " + agent);
        cluster.loseAgent(agent);
      }
      case AGENT_PARTITION -> {
        String agent = cluster.agents().get(step.slot() % spec.agents()).id();
        if (restoreAt.containsKey(agent) || healAt.containsKey(agent)) {
          return;
        }
        faults.merge(f, 1, Integer::sum);
        healAt.put(agent, index + 3 * step.n());
        log(at() + "partition " + agent);
        cluster.partitionAgent(agent);
      }
      case TASK_CRASH -> {
        List<TaskId> running = cluster.runningTasks().stream().sorted(Comparator.comparing(TaskId::toString)).toList();
        if (running.isEmpty()) {
          return;
        }
        TaskId id = running.get(step.slot() % running.size());
        faults.merge(f, 1, Integer::sum);
        log(at() + "crash " + id);
        cluster.failTask(id, "simulated crash");
      }
      case OFFER_RESCINDED -> {
        String agent = cluster.agents().get(step.slot() % spec.agents()).id();
        if (restoreAt.containsKey(agent)) {
          return;
        }
        faults.merge(f, 1, Integer::sum);
        log(at() + "rescind offers of " + agent);
        cluster.rescindOffer(agent);
      }
      case STORAGE_FAILS, STORAGE_TEARS -> {
        faults.merge(f, 1, Integer::sum);
        log(at() + "storage: append +" + step.n() + (f == Fault.STORAGE_TEARS ? " tears" : " fails"));
        storage.arm(step.n(), f == Fault.STORAGE_TEARS);
      }
      case SCHEDULER_RESTART -> {
        faults.merge(f, 1, Integer::sum);
        restart("crash");
      }
      case LEADER_FAILOVER -> {
        if (!elected || !failoversOn) {
          return;
        }
        switch (step.arg() % 3) {
          case 0 -> {
            // session lost between two steps; another process is elected at once
            depose("now");
            elect(step.slot(), true);
          }
          case 1 -> {
            // session lost in the middle of the next advance (among timers, status updates, an
            // update's steps); nobody leads for a few steps, operations meanwhile go to the deposed
            // leader; then any process, perhaps the deposed one back as a follower, is elected
            long delayMs = 1 + (step.slot() * 97L) % (spec.maxStepGapSeconds() * 1_000L);
            int choice = step.slot() / 3;
            int until = index + 3 * step.n();
            loop.schedule(Duration.ofMillis(delayMs), () -> {
              if (failoversOn && electAt < 0 && election.leaderIndex().isPresent()) {
                depose("in the middle of a step");
                electAt = until;
                electChoice = choice;
              }
            });
          }
          default -> {
            // session lost just as one of the leader's next appends is written: the write counts,
            // the rest of its transaction's work is the next leader's
            log(at() + "leader loses its session after append +" + step.n());
            storage.afterAppend(step.n(), () -> loop.execute(() -> {
              if (failoversOn && electAt < 0 && election.leaderIndex().isPresent()) {
                depose("just after an append");
                elect(step.slot(), true);
              }
            }));
          }
        }
      }
      case CLOCK_JUMP -> {
        faults.merge(f, 1, Integer::sum);
        Duration jump = Duration.ofSeconds(60 + step.arg() % 540);
        log(at() + "clock jumps " + jump.toSeconds() + " s");
        clock.advance(jump);
        loop.runUntilIdle();
      }
      default -> throw new IllegalStateException("not a step fault: " + f);
    }
  }

  /**
   * While nobody leads, an operation that would read first goes to the deposed leader as it is (no
   * read to base it on): it must be refused. Returns false for the actions that read nothing first.
   */
  private boolean whileNobodyLeads(Action a, Step step) {
    JobKey key = key(step.slot());
    String host = cluster.agents().get(step.n() % spec.agents()).hostname();
    Runnable call = switch (a) {
      case UPDATE, UPDATE_TURNS_UNHEALTHY -> () -> scheduler.startUpdate(key,
          service(key, 1 + step.n() % 4, "v0", settings(step), policy(step)), USER, "sim");
      case ADD_INSTANCES -> () -> scheduler.addInstances(key, 1, USER);
      case KILL_INSTANCES -> () -> scheduler.killInstances(key, Set.of(0), USER);
      case RESTART_INSTANCES -> () -> scheduler.restartInstances(key, Set.of(0), USER);
      case KILL_JOB -> () -> scheduler.killJob(key, USER);
      case SET_QUOTA -> () -> scheduler.setQuota("r" + (step.slot() % 2), ResourceQuota.of(2, 2_048, 1_000_000, 0),
          OPERATOR);
      case DRAIN -> () -> scheduler.setMaintenance(Set.of(host), MaintenanceMode.DRAINING, OPERATOR);
      case UNDRAIN -> () -> scheduler.setMaintenance(Set.of(host), MaintenanceMode.NONE, OPERATOR);
      default -> null;
    };
    if (call == null) {
      return false;
    }
    op(a.name().toLowerCase(java.util.Locale.ROOT) + " " + key + " while nobody leads", null, call, () -> { });
    return true;
  }

  private static JobKey key(int slot) {
    return JobKey.of("r" + (slot % 2), "prod", "j" + slot);
  }

  private static UpdateSettings settings(Step step) {
    return UpdateSettings.builder().batchSizes(1 + step.arg() % 2).watch(Duration.ofSeconds(10))
        .rollbackOnFailure(step.arg() % 3 != 0).build();
  }

  /** Half the services wait 2 minutes for a partitioned task, half replace it at once (the default). */
  private static PartitionPolicy policy(Step step) {
    return step.arg() % 2 == 0 ? PartitionPolicy.of(true, Duration.ofMinutes(2)) : PartitionPolicy.of(true, Duration.ZERO);
  }

  private static JobConfig service(JobKey key, int instances, String version, UpdateSettings settings,
      PartitionPolicy policy) {
    return Job.service(key.toString()).instances(instances)
        .task(t -> t.process("server", "./server --version " + version + " --port {{port.http}}").cpus(0.5)
            .ramMb(256).port("http").healthCheck(HealthCheck.http("http", "/health")).tier(Tier.PREFERRED).partitionPolicy(policy))
        .update(settings).build();
  }

  private Optional<JobConfig> existing(int slot) {
    return scheduler.job(key(slot));
  }

  private Optional<JobConfig> existingService(int slot) {
    return existing(slot).filter(JobConfig::isService);
  }

  private void action(Action a, Step step) {
    JobKey key = key(step.slot());
    switch (a) {
      case CREATE_SERVICE -> {
        JobConfig job = service(key, 1 + step.n() % 4, "v" + (++version), settings(step), policy(step));
        op("create " + key + " x" + job.instances(), key, () -> scheduler.createJob(job, USER),
            () -> checker.created(job));
      }
      case CREATE_ONE_OFF -> {
        JobConfig job = Job.adhoc(key.toString()).instances(1 + step.n() % 3)
            .task(t -> t.process("batch", "./batch --run 60").cpus(0.25).ramMb(128)).build();
        op("create one-off " + key, key, () -> scheduler.createJob(job, USER), () -> checker.created(job));
      }
      case CREATE_CRON -> {
        JobConfig job = Job.cron(key.toString(), "*/5 * * * *").instances(1)
            .task(t -> t.process("batch", "./batch --run 60").cpus(0.25).ramMb(128)).build();
        op("create cron " + key, key, () -> scheduler.createJob(job, USER), () -> checker.created(job));
      }
      case UPDATE, UPDATE_TURNS_UNHEALTHY -> {
        Optional<JobConfig> from = existingService(step.slot());
        if (from.isEmpty()) {
          return;
        }
        String v = (a == Action.UPDATE_TURNS_UNHEALTHY ? "bad" : "v") + (++version);
        int instances = step.n() % 3 == 0 ? 1 + step.n() % 4 : from.get().instances();
        JobConfig to = service(key, instances, v, settings(step), policy(step));
        UpdateId[] id = new UpdateId[1];
        op("update " + key + " to " + v + " x" + instances, key,
            () -> id[0] = scheduler.startUpdate(key, to, USER, "sim"), () -> checker.updateStarted(key, id[0]));
      }
      case ADD_INSTANCES -> {
        if (existingService(step.slot()).isEmpty()) {
          return;
        }
        int n = 1 + step.n() % 2;
        op("add " + n + " to " + key, key, () -> scheduler.addInstances(key, n, USER),
            () -> checker.instancesChanged(key, n));
      }
      case KILL_INSTANCES, RESTART_INSTANCES -> {
        if (existingService(step.slot()).isEmpty()) {
          return;
        }
        List<Integer> instances = scheduler.tasks(TaskQuery.job(key).active()).stream()
            .map(ScheduledTask::instance).distinct().sorted().toList();
        if (instances.isEmpty()) {
          return;
        }
        int instance = instances.get(step.n() % instances.size());
        if (a == Action.KILL_INSTANCES) {
          // killing an instance already being killed is acknowledged and changes nothing
          boolean live = scheduler.tasks(TaskQuery.job(key).active()).stream()
              .anyMatch(t -> t.instance() == instance && t.status() != ScheduleStatus.KILLING);
          op("kill " + key + "/" + instance, key, () -> scheduler.killInstances(key, Set.of(instance), USER),
              () -> checker.instancesChanged(key, live ? -1 : 0));
        } else {
          op("restart " + key + "/" + instance, key,
              () -> scheduler.restartInstances(key, Set.of(instance), USER), () -> { });
        }
      }
      case KILL_JOB -> {
        if (existing(step.slot()).isEmpty()) {
          return;
        }
        op("kill job " + key, key, () -> scheduler.killJob(key, USER), () -> checker.killed(key));
      }
      case SET_QUOTA -> {
        String role = "r" + (step.slot() % 2);
        int level = step.n() % 3;
        if (level == 0) {
          if (scheduler.quota(role).isEmpty()) {
            return;
          }
          quotaOp("remove quota of " + role, role, () -> scheduler.removeQuota(role, OPERATOR), Optional.empty());
        } else {
          ResourceQuota q = level == 1 ? ResourceQuota.of(2, 2_048, 1_000_000, 0)
              : ResourceQuota.of(100, 200_000, 10_000_000, 0);
          quotaOp("set quota of " + role + " to " + q.cpus() + " cpus", role,
              () -> scheduler.setQuota(role, q, OPERATOR), Optional.of(q));
        }
      }
      case DRAIN -> {
        String host = cluster.agents().get(step.n() % spec.agents()).hostname();
        if (drained.contains(host) || drained.size() >= Math.max(1, spec.agents() / 4)) {
          return;
        }
        op("drain " + host, null, () -> scheduler.setMaintenance(Set.of(host), MaintenanceMode.DRAINING, OPERATOR),
            () -> drained.add(host));
      }
      case UNDRAIN -> {
        if (drained.isEmpty()) {
          return;
        }
        String host = new ArrayList<>(drained).get(step.n() % drained.size());
        op("end drain of " + host, null, () -> scheduler.setMaintenance(Set.of(host), MaintenanceMode.NONE, OPERATOR),
            () -> drained.remove(host));
      }
      case IDLE -> { }
      default -> throw new IllegalStateException("unknown action " + a);
    }
  }

  private void op(String what, JobKey key, Runnable call, Runnable onAck) {
    boolean toDeposed = elected && leading == null;
    try {
      call.run();
      if (toDeposed) {
        checker.violation(Checker.DEPOSED_REFUSES, what + " was acknowledged by " + nodeOf(scheduler).name()
            + ", which does not lead");
      }
      onAck.run();
      log(at() + what + ": ok");
    } catch (StorageException e) {
      log(at() + what + ": not acknowledged (" + e.getMessage() + ")");
      if (key != null) {
        checker.unacknowledged(key);
      }
    } catch (AuroraException | IllegalArgumentException e) {
      log(at() + what + ": refused (" + e.getClass().getSimpleName() + ")");
    } catch (RuntimeException e) {
      log(at() + what + ": threw " + e);
      checker.violation(Checker.CLEAN_ERRORS, what + " threw " + e);
    }
  }

  private void quotaOp(String what, String role, Runnable call, Optional<ResourceQuota> after) {
    boolean toDeposed = elected && leading == null;
    try {
      call.run();
      if (toDeposed) {
        checker.violation(Checker.DEPOSED_REFUSES, what + " was acknowledged by " + nodeOf(scheduler).name()
            + ", which does not lead");
      }
      checker.quotaSet(role, after);
      log(at() + what + ": ok");
    } catch (StorageException e) {
      log(at() + what + ": not acknowledged");
      checker.quotaUnacknowledged(role);
    } catch (AuroraException | IllegalArgumentException e) {
      log(at() + what + ": refused (" + e.getClass().getSimpleName() + ")");
    } catch (RuntimeException e) {
      checker.violation(Checker.CLEAN_ERRORS, what + " threw " + e);
    }
  }

  /** Tasks of a "bad" version turn unhealthy 2 s after they run (inside an update's 10 s watch). */
  private void onRawStatus(TaskStatus s) {
    if (s.state() == ScheduleStatus.RUNNING && s.healthy().orElse(false) && turnsUnhealthy.add(s.taskId())) {
      Optional<String> command = cluster.launchOf(s.taskId()).map(l -> l.processes().get(0).command());
      if (command.isPresent() && command.get().contains("--version bad")) {
        TaskId id = s.taskId();
        loop.schedule(Duration.ofSeconds(2), () -> {
          if (cluster.runningTasks().contains(id)) {
            cluster.setHealthy(id, false);
          }
        });
      }
    }
  }

  /** For the trace's readers: what faults the run tried. */
  public static Map<String, Integer> names(Map<Fault, Integer> faults) {
    Map<String, Integer> out = new TreeMap<>();
    faults.forEach((f, n) -> out.put(f.name(), n));
    return out;
  }
}
