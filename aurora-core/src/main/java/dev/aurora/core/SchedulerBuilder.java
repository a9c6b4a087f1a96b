package dev.aurora.core;

import dev.aurora.core.internal.SchedulerImpl;
import dev.aurora.core.internal.Settings;
import dev.aurora.core.internal.election.ElectedScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.security.SecureRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Builds a {@link Scheduler}. Only {@link #backend} is required. */
public final class SchedulerBuilder {
  private @Nullable ClusterBackend backend;
  private @Nullable Storage storage;
  private Clock clock = Clock.systemUTC();
  private @Nullable StateLoop loop;
  private @Nullable MeterRegistry registry;
  private final Placement placement = new Placement();
  private final Settings.Builder settings = Settings.builder();
  private @Nullable Random random;
  private @Nullable LeaderElection election;

  SchedulerBuilder() {}

  /** Where tasks run (required). */
  public SchedulerBuilder backend(ClusterBackend backend) {
    this.backend = Objects.requireNonNull(backend, "backend");
    return this;
  }

  /** Where state is kept; {@link Storage#inMemory()} unless set. */
  public SchedulerBuilder storage(Storage storage) {
    this.storage = Objects.requireNonNull(storage, "storage");
    return this;
  }

  /** The clock timers and task history use; the system UTC clock unless set. */
  public SchedulerBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The state loop; a thread of its own on {@link #clock} unless set (the testkit sets a manual one). */
  public SchedulerBuilder loop(StateLoop loop) {
    this.loop = Objects.requireNonNull(loop, "loop");
    return this;
  }

  /** Where metrics go; a {@code SimpleMeterRegistry} unless set. Meter names start with {@code aurora.}. */
  public SchedulerBuilder meterRegistry(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  /**
   * Adds filters and scorers to the placement pipeline. The built-in filters ({@link
   * PlacementFilter#builtIns()}) always run, before the ones added; declare each added filter's {@link
   * PlacementFilter#kind() kind} where you can. The built-in bin-pack scorer (weight 1) stays beside any
   * scorer added unless {@link Placement#clearScorers()} is called first.
   */
  public SchedulerBuilder placement(Consumer<Placement> spec) {
    spec.accept(placement);
    return this;
  }

  /** How long an unused offer is held before it is declined; 30 seconds unless set. */
  public SchedulerBuilder offerHold(Duration hold) {
    settings.offerHold(positive(hold, "offer hold"));
    return this;
  }

  /** How long the backend is asked not to re-offer a declined offer; 5 seconds unless set. */
  public SchedulerBuilder declineBackoff(Duration backoff) {
    settings.declineBackoff(positive(backoff, "decline back-off"));
    return this;
  }

  /**
   * The least time from the start of one placement pass to the start of the next; zero (a pass asked for
   * runs at once) unless set. A pass asked for sooner after the last one waits for the rest of the
   * interval, and the jobs created and offers received meanwhile are placed together in that one pass.
   * For a stream of {@code createJob} calls (an application creating jobs one by one) that means fewer,
   * larger launches, one per agent per pass instead of one per agent per call, and packing as for the
   * calls made together; the price is up to this much more time before a task is placed. A pass asked for
   * after a quiet spell still runs at once. {@code createJob} returns once the job is stored, as always:
   * with an interval its tasks may be placed after it returns (on the production loop without one, they
   * are placed in the same turn of the loop). A millisecond is enough to gather the calls of one client
   * thread creating jobs as fast as it can.
   *
   * @throws IllegalArgumentException if {@code interval} is negative
   */
  public SchedulerBuilder minPassInterval(Duration interval) {
    Objects.requireNonNull(interval, "min pass interval");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("min pass interval must be >= 0, was " + interval);
    }
    settings.minPassInterval(interval);
    return this;
  }

  /**
   * Flapping: a task that ends within {@code threshold} of running is replaced only after a penalty
   * that starts at {@code initialPenalty} and doubles with each flap in a row, up to {@code
   * maxPenalty}. Defaults: 5 minutes, 30 seconds, 5 minutes (as Aurora).
   */
  public SchedulerBuilder flapping(Duration threshold, Duration initialPenalty, Duration maxPenalty) {
    settings.flappingThreshold(positive(threshold, "flapping threshold"))
        .flappingInitialPenalty(positive(initialPenalty, "initial flapping penalty"))
        .flappingMaxPenalty(positive(maxPenalty, "max flapping penalty"));
    if (maxPenalty.compareTo(initialPenalty) < 0) {
      throw new IllegalArgumentException("max flapping penalty " + maxPenalty + " < initial " + initialPenalty);
    }
    return this;
  }

  /**
   * How much ended-task history to keep: at most {@code perJob} ended tasks per job, none older than
   * {@code maxAge}. Defaults: 100 per job, 2 days.
   */
  public SchedulerBuilder history(int perJob, Duration maxAge) {
    if (perJob < 0) {
      throw new IllegalArgumentException("history per job must be >= 0, was " + perJob);
    }
    settings.historyPerJob(perJob).historyMaxAge(positive(maxAge, "history max age"));
    return this;
  }

  /**
   * How often ended tasks beyond the {@link #history} limits are pruned: 1 minute unless set. Between
   * two prunings ended tasks stay in memory and in every snapshot, so a scheduler that ends thousands of
   * tasks a second holds a minute's worth of them; a shorter interval keeps that smaller, at the cost
   * of pruning more often.
   *
   * @param every the interval, positive
   * @return this builder
   */
  public SchedulerBuilder historyPruning(Duration every) {
    settings.pruneInterval(positive(every, "history pruning interval"));
    return this;
  }

  /** How many ops are appended between snapshots; 100,000 unless set. */
  public SchedulerBuilder snapshotEvery(int ops) {
    if (ops < 1) {
      throw new IllegalArgumentException("snapshot interval must be >= 1 op, was " + ops);
    }
    settings.snapshotEveryOps(ops);
    return this;
  }

  /** The seed for task ids; set it for runs that repeat exactly (the testkit does). */
  public SchedulerBuilder randomSeed(long seed) {
    this.random = new Random(seed);
    return this;
  }

  // --- sharing a cluster: authorization, audit, preemption, maintenance ---

  /**
   * Who may do what; {@link Authorizer#allowAll()} unless set, which suits an application that is the
   * only user of its scheduler.
   */
  public SchedulerBuilder authorizer(Authorizer authorizer) {
    settings.authorizer(Objects.requireNonNull(authorizer, "authorizer"));
    return this;
  }

  /** How many audit entries are kept (the newest; older ones are dropped); 1,000 unless set, 0 keeps none. */
  public SchedulerBuilder auditRetention(int entries) {
    if (entries < 0) {
      throw new IllegalArgumentException("audit retention must be >= 0 entries, was " + entries);
    }
    settings.auditRetention(entries);
    return this;
  }

  /**
   * When preemption starts and how long its room is held: a task pending for {@code delay} may
   * preempt less important tasks, and the agent freed for it is held for it for {@code reservation}
   * (or until it is placed). Defaults: 30 seconds, 2 minutes.
   */
  public SchedulerBuilder preemption(Duration delay, Duration reservation) {
    settings.preemptionDelay(positive(delay, "preemption delay"))
        .preemptionReservation(positive(reservation, "preemption reservation"));
    return this;
  }

  /**
   * The most tasks preempted per {@code window}; 10 per minute unless set. {@code victims} 0 turns
   * preemption off.
   */
  public SchedulerBuilder preemptionRateLimit(int victims, Duration window) {
    if (victims < 0) {
      throw new IllegalArgumentException("preemption rate limit must be >= 0 victims, was " + victims);
    }
    settings.preemptionMaxVictims(victims).preemptionWindow(positive(window, "preemption window"));
    return this;
  }

  /**
   * The SLA a drain keeps: a running, healthy task is moved off a draining host only while at least
   * {@code max(minHealthyInstances, ceil(minHealthyFraction * instances))} of its job's other
   * instances are running and healthy (never more than {@code instances - 1}, so every job can move).
   * Defaults: 0 and 0.95, i.e. one instance at a time for jobs of up to 20 instances.
   *
   * <pre>{@code
   * builder.drainSla(0, 0.8);   // a 5-instance job keeps 4 running while its hosts drain
   * }</pre>
   */
  public SchedulerBuilder drainSla(int minHealthyInstances, double minHealthyFraction) {
    if (minHealthyInstances < 0) {
      throw new IllegalArgumentException("drain SLA instances must be >= 0, was " + minHealthyInstances);
    }
    if (!(minHealthyFraction >= 0 && minHealthyFraction <= 1)) {
      throw new IllegalArgumentException("drain SLA fraction must be in [0, 1], was " + minHealthyFraction);
    }
    settings.drainMinHealthyInstances(minHealthyInstances).drainMinHealthyFraction(minHealthyFraction);
    return this;
  }

  /**
   * Registers an SLA coordinator under {@code name}: jobs whose SLA policy is {@code
   * SlaPolicy.coordinator(name)} ask it before a drain takes each of their instances down. A job
   * naming a coordinator that is not registered is refused at {@code createJob}.
   */
  public SchedulerBuilder slaCoordinator(String name, SlaCoordinator coordinator) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("an SLA coordinator's name must not be blank");
    }
    settings.putSlaCoordinators(name, Objects.requireNonNull(coordinator, "coordinator"));
    return this;
  }

  /**
   * How long a host may drain before the drain is forced: once a host has been DRAINING this long,
   * its remaining tasks are drained whatever their jobs' SLA (Aurora's force-drain timeout). Never
   * unless set. The time counts from when the host started draining, which is stored, so a restart
   * does not reset it (a drain recovered from storage written before this was stored counts from the
   * scheduler's start).
   */
  public SchedulerBuilder drainTimeout(Duration timeout) {
    settings.drainTimeout(positive(timeout, "drain timeout"));
    return this;
  }

  /**
   * How soon a drain that an SLA holds back looks again, and how soon an SLA coordinator that refused
   * an instance (or failed to answer) is asked about it again; 10 seconds unless set. A drain also
   * looks again whenever a task changes state.
   */
  public SchedulerBuilder slaRecheckInterval(Duration interval) {
    settings.slaRecheckInterval(positive(interval, "SLA recheck interval"));
    return this;
  }

  /**
   * How often the scheduler reconciles with its backend after the reconciliation at start, as Aurora
   * does, whatever the backend: every {@code explicit} it asks about every task it believes is on an
   * agent (those the backend does not run become LOST and are replaced), and every {@code implicit}
   * it asks the backend to report every task it runs (a report lost in transit is made good; a task
   * the scheduler does not know is killed). Tasks just ASSIGNED, whose launch may still be on its
   * way, are left out of the explicit one until they have been ASSIGNED for a whole {@code explicit}
   * interval (then one never heard from is found gone and replaced). Both 60 minutes unless set; {@link Duration#ZERO} turns
   * one off.
   */
  public SchedulerBuilder reconciliation(Duration explicit, Duration implicit) {
    settings.reconcileExplicitInterval(notNegative(explicit, "explicit reconciliation interval"))
        .reconcileImplicitInterval(notNegative(implicit, "implicit reconciliation interval"));
    return this;
  }

  private static Duration notNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must be >= 0 (0 for never), was " + d);
    }
    return d;
  }

  /**
   * The tiers tasks may name ({@code TaskBuilder.tier("batch")}), with their preemptible and revocable
   * flags, and the default tier of a task that names none; {@link TierConfig#AURORA} (preferred,
   * preemptible, revocable; default preferred) unless set. A job naming a tier that is not configured
   * is refused at {@code createJob}.
   */
  public SchedulerBuilder tiers(TierConfig tiers) {
    settings.tiers(Objects.requireNonNull(tiers, "tiers"));
    return this;
  }

  /**
   * Several schedulers over one storage and one backend, of which only the elected leader schedules;
   * {@link LeaderElection#singleNode()} (always the leader) unless set. On being elected the scheduler
   * recovers the storage, reconciles with the backend and schedules; on losing leadership it stops
   * scheduling at once (tasks keep running, the backend and storage stay open) and may be elected
   * again later. With an election set, {@link Scheduler#start()} joins the election (and returns once
   * scheduling runs, if elected at once); while the scheduler does not lead, its operations throw
   * {@link NotLeaderException} naming the leader. The storage must allow {@link Storage#recover()}
   * again at each election, and the backend {@link ClusterBackend#start} again (as after a restart).
   *
   * <pre>{@code
   * Scheduler.builder().backend(backend).storage(zkStorage)
   *     .leaderElection(ZkLeaderElection.builder(curator, "/aurora/leader").address("host-a:8081").build())
   *     .build();
   * }</pre>
   */
  public SchedulerBuilder leaderElection(LeaderElection election) {
    this.election = Objects.requireNonNull(election, "election");
    return this;
  }

  /** Builds the scheduler; call {@link Scheduler#start()} to run it. */
  public Scheduler build() {
    if (backend == null) {
      throw new IllegalStateException("a scheduler needs a backend: call backend(...)");
    }
    Storage st = storage != null ? storage : Storage.inMemory();
    MeterRegistry reg = registry != null ? registry : new SimpleMeterRegistry();
    Settings built = settings.build();
    Random rnd = random != null ? random : new SecureRandom();
    if (election != null) {
      return new ElectedScheduler(election, backend, st, loop, clock, reg,
          (b, s, l) -> new SchedulerImpl(b, s, l, reg, placement.filters(), placement.scorers(),
              placement.weights(), built, rnd));
    }
    StateLoop l = loop != null ? loop : StateLoop.singleThread(clock);
    return new SchedulerImpl(backend, st, l, reg, placement.filters(), placement.scorers(),
        placement.weights(), built, rnd);
  }

  private static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be > 0, was " + d);
    }
    return d;
  }
}
