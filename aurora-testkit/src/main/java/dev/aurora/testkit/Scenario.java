package dev.aurora.testkit;

import dev.aurora.core.SchedulerBuilder;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * What a {@link Simulation} runs: a cluster, a workload of operations with weights, and faults with
 * rates. Immutable; build one with {@link #builder()}.
 *
 * <pre>{@code
 * Scenario scenario = Scenario.builder()
 *     .agents(12).attributes(SimulatedCluster.racks(3))
 *     .steps(60)
 *     .weight(Scenario.Action.UPDATE_TURNS_UNHEALTHY, 3)
 *     .rate(Scenario.Fault.AGENT_LOSS, 0.05)
 *     .scheduler(b -> b.placement(p -> p.addFilter(new MyFilter())))
 *     .build();
 * Simulation.run(42, scenario).assertNoViolation();
 * }</pre>
 *
 * <p>Each step of a run is one workload {@link Action} (chosen by weight), preceded by each
 * step-level {@link Fault} with its rate's probability, and followed by a random advance of the clock
 * of 1 to {@link Builder#maxStepGap} seconds. Status-update faults ({@link Fault#STATUS_LOST} and the
 * others of that family) apply to each status update the cluster sends, with their rate. After the
 * last step the faults stop, lost agents return, drains end, and the run goes on for {@link
 * Builder#convergeWithin} to check that everything converges.
 */
public final class Scenario {

  /** A workload operation, made through the public {@code Scheduler} API. */
  public enum Action {
    /** Creates a service of 1 to 4 instances (preferred tier, so it counts against its role's quota). */
    CREATE_SERVICE,
    /** Creates a one-off job of 1 to 3 instances that run a minute and finish. */
    CREATE_ONE_OFF,
    /** Creates a cron job firing every 5 minutes. */
    CREATE_CRON,
    /** Starts a rolling update of a service to a new healthy version, maybe with another instance count. */
    UPDATE,
    /** Starts a rolling update to a version whose tasks are healthy for 2 s, then unhealthy. */
    UPDATE_TURNS_UNHEALTHY,
    /** Adds 1 or 2 instances to a service. */
    ADD_INSTANCES,
    /** Kills one instance of a service. */
    KILL_INSTANCES,
    /** Restarts one instance of a service. */
    RESTART_INSTANCES,
    /** Kills a job. */
    KILL_JOB,
    /** Sets, lowers or removes a role's quota. */
    SET_QUOTA,
    /** Drains a host. */
    DRAIN,
    /** Returns a drained host to service. */
    UNDRAIN,
    /** Does nothing but let time pass. */
    IDLE
  }

  /** A fault the simulation injects. */
  public enum Fault {
    /** An agent is lost with its tasks, and comes back a few steps later. */
    AGENT_LOSS,
    /** A running task crashes (exits non-zero). */
    TASK_CRASH,
    /**
     * A status update is lost for good; the scheduler's periodic reconciliation (every 5 minutes
     * explicit, every 3 implicit, in every simulation unless the scenario's scheduler sets another)
     * makes it good.
     */
    STATUS_LOST,
    /** A status update arrives twice. */
    STATUS_DUPLICATED,
    /** A status update arrives after the next one. */
    STATUS_REORDERED,
    /** A status update arrives 1 to 15 s late. */
    STATUS_DELAYED,
    /** An agent's outstanding offer is rescinded. */
    OFFER_RESCINDED,
    /** One of the next few storage appends fails (nothing written); the scheduler stops and is restarted from storage. */
    STORAGE_FAILS,
    /** One of the next few storage appends is written but not acknowledged (torn); the scheduler stops and is restarted. */
    STORAGE_TEARS,
    /** The scheduler process crashes between two steps and a new one recovers from storage. */
    SCHEDULER_RESTART,
    /** The clock jumps 1 to 10 minutes ahead at once (timers run late). */
    CLOCK_JUMP,
    /**
     * An agent is partitioned away (its tasks run on, unreachable: PARTITIONED, as each job's
     * partition policy decides) and heals a few steps later. Drawn apart from the faults above, so a
     * seed's history without it is unchanged.
     */
    AGENT_PARTITION,
    /**
     * The leader loses its session: it is deposed (at once, in the middle of the next clock advance,
     * or just after one of its next few appends is written) and another scheduler, or later the same
     * one back as a follower, is elected; the new leader recovers from the shared storage, reconciles
     * and schedules. Until one is elected, operations go to the deposed leader and must fail with
     * {@code NotLeaderException}. Only with {@link Builder#schedulers} of 2 or more; drawn from its
     * own stream, so a seed's history without it is unchanged.
     */
    LEADER_FAILOVER
  }

  final int agents;
  final IntFunction<Map<String, String>> attributes;
  final double cpus;
  final long ramMb;
  final int steps;
  final int jobSlots;
  final int maxStepGapSeconds;
  final Map<Action, Integer> weights;
  final Map<Fault, Double> rates;
  final Consumer<SchedulerBuilder> scheduler;
  final Duration convergeWithin;
  final Duration duplicateWindow;
  final int schedulers;

  private Scenario(Builder b) {
    this.agents = b.agents;
    this.attributes = b.attributes;
    this.cpus = b.cpus;
    this.ramMb = b.ramMb;
    this.steps = b.steps;
    this.jobSlots = b.jobSlots;
    this.maxStepGapSeconds = b.maxStepGapSeconds;
    this.weights = Collections.unmodifiableMap(new EnumMap<>(b.weights));
    this.rates = Collections.unmodifiableMap(new EnumMap<>(b.rates));
    this.scheduler = b.scheduler;
    this.convergeWithin = b.convergeWithin;
    this.duplicateWindow = b.duplicateWindow;
    this.schedulers = b.schedulers;
  }

  /**
   * A builder with the defaults: 10 agents in 3 racks, 60 steps, every action and every fault, two
   * schedulers under a leader election.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The default scenario: what CI runs for each seed. */
  public static Scenario defaults() {
    return builder().build();
  }

  /** How many agents. */
  public int agents() {
    return agents;
  }

  /** How many workload steps. */
  public int steps() {
    return steps;
  }

  /** Each action's weight. */
  public Map<Action, Integer> weights() {
    return weights;
  }

  /** Each fault's rate. */
  public Map<Fault, Double> rates() {
    return rates;
  }

  /** How long after the faults stop every service must run its instances and every update must have ended. */
  public Duration convergeWithin() {
    return convergeWithin;
  }

  /**
   * How long an instance may have two active tasks neither of which is being killed (a replacement
   * placed while the scheduler still believes an earlier task is up, e.g. behind a delayed status).
   */
  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  /** How many schedulers share the storage and the cluster (1: no leader election). */
  public int schedulers() {
    return schedulers;
  }

  /** A builder starting from this scenario. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.agents = agents;
    b.attributes = attributes;
    b.cpus = cpus;
    b.ramMb = ramMb;
    b.steps = steps;
    b.jobSlots = jobSlots;
    b.maxStepGapSeconds = maxStepGapSeconds;
    b.weights.putAll(weights);
    b.rates.putAll(rates);
    b.scheduler = scheduler;
    b.convergeWithin = convergeWithin;
    b.duplicateWindow = duplicateWindow;
    b.schedulers = schedulers;
    return b;
  }

  /** Builds a {@link Scenario}. */
  public static final class Builder {
    private int agents = 10;
    private IntFunction<Map<String, String>> attributes = SimulatedCluster.racks(3);
    private double cpus = 8;
    private long ramMb = 16_384;
    private int steps = 60;
    private int jobSlots = 6;
    private int maxStepGapSeconds = 20;
    private final Map<Action, Integer> weights = new EnumMap<>(Action.class);
    private final Map<Fault, Double> rates = new EnumMap<>(Fault.class);
    private Consumer<SchedulerBuilder> scheduler = b -> { };
    private Duration convergeWithin = Duration.ofMinutes(20);
    private Duration duplicateWindow = Duration.ofMinutes(2);
    private int schedulers = 2;

    Builder() {
      weights.put(Action.CREATE_SERVICE, 6);
      weights.put(Action.CREATE_ONE_OFF, 1);
      weights.put(Action.CREATE_CRON, 1);
      weights.put(Action.UPDATE, 4);
      weights.put(Action.UPDATE_TURNS_UNHEALTHY, 3);
      weights.put(Action.ADD_INSTANCES, 4);
      weights.put(Action.KILL_INSTANCES, 3);
      weights.put(Action.RESTART_INSTANCES, 2);
      weights.put(Action.KILL_JOB, 1);
      weights.put(Action.SET_QUOTA, 2);
      weights.put(Action.DRAIN, 1);
      weights.put(Action.UNDRAIN, 1);
      weights.put(Action.IDLE, 3);
      rates.put(Fault.AGENT_LOSS, 0.04);
      rates.put(Fault.TASK_CRASH, 0.08);
      rates.put(Fault.STATUS_LOST, 0.02);
      rates.put(Fault.STATUS_DUPLICATED, 0.02);
      rates.put(Fault.STATUS_REORDERED, 0.02);
      rates.put(Fault.STATUS_DELAYED, 0.03);
      rates.put(Fault.OFFER_RESCINDED, 0.05);
      rates.put(Fault.STORAGE_FAILS, 0.02);
      rates.put(Fault.STORAGE_TEARS, 0.02);
      rates.put(Fault.SCHEDULER_RESTART, 0.02);
      rates.put(Fault.CLOCK_JUMP, 0.02);
      rates.put(Fault.AGENT_PARTITION, 0.03);
      rates.put(Fault.LEADER_FAILOVER, 0.03);
    }

    /**
     * How many scheduler processes share one storage and the cluster (default 2). With 2 or more they
     * run under the testkit's {@link ManualLeaderElection}: only the leader schedules, operations go to
     * the leader, a crashed process is replaced by a new follower, and {@link Fault#LEADER_FAILOVER}
     * applies. With 1 there is no election: the one scheduler restarts from storage after a crash.
     */
    public Builder schedulers(int schedulers) {
      if (schedulers < 1) {
        throw new IllegalArgumentException("schedulers must be at least 1: " + schedulers);
      }
      this.schedulers = schedulers;
      return this;
    }

    /** How many agents (default 10), each of {@link #agentResources} (default 8 cpus, 16 GiB). */
    public Builder agents(int agents) {
      if (agents < 1) {
        throw new IllegalArgumentException("agents must be at least 1: " + agents);
      }
      this.agents = agents;
      return this;
    }

    /** Attributes of agent i (default {@code SimulatedCluster.racks(3)}). */
    public Builder attributes(IntFunction<Map<String, String>> attributes) {
      this.attributes = Objects.requireNonNull(attributes, "attributes");
      return this;
    }

    /** Each agent's cpus and ram. */
    public Builder agentResources(double cpus, long ramMb) {
      this.cpus = cpus;
      this.ramMb = ramMb;
      return this;
    }

    /** How many workload steps (default 60). */
    public Builder steps(int steps) {
      if (steps < 0) {
        throw new IllegalArgumentException("steps must not be negative: " + steps);
      }
      this.steps = steps;
      return this;
    }

    /** How many distinct jobs the workload uses at most (default 6). */
    public Builder jobSlots(int jobSlots) {
      if (jobSlots < 1) {
        throw new IllegalArgumentException("jobSlots must be at least 1: " + jobSlots);
      }
      this.jobSlots = jobSlots;
      return this;
    }

    /** The longest advance of the clock after a step, in seconds (default 20). */
    public Builder maxStepGap(int seconds) {
      if (seconds < 1) {
        throw new IllegalArgumentException("maxStepGap must be at least 1 s: " + seconds);
      }
      this.maxStepGapSeconds = seconds;
      return this;
    }

    /** An action's weight among the workload's actions (0 leaves it out). */
    public Builder weight(Action action, int weight) {
      if (weight < 0) {
        throw new IllegalArgumentException("weight must not be negative: " + action + " " + weight);
      }
      weights.put(action, weight);
      return this;
    }

    /** A fault's rate: a probability per step, or per status update for the status faults (0 leaves it out). */
    public Builder rate(Fault fault, double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("rate must be from 0 to 1: " + fault + " " + rate);
      }
      rates.put(fault, rate);
      return this;
    }

    /** No faults at all. */
    public Builder noFaults() {
      for (Fault f : Fault.values()) {
        rates.put(f, 0.0);
      }
      return this;
    }

    /**
     * Adjusts each scheduler the run builds (first and restarted): a platform team's placement filters
     * and scorers, authorizer or settings. Backend, storage, clock, loop and seed are the simulation's.
     */
    public Builder scheduler(Consumer<SchedulerBuilder> customizer) {
      this.scheduler = Objects.requireNonNull(customizer, "customizer");
      return this;
    }

    /** How long after the faults stop everything must have converged (default 20 minutes). */
    public Builder convergeWithin(Duration bound) {
      this.convergeWithin = Objects.requireNonNull(bound, "bound");
      return this;
    }

    /** How long an instance may have two active tasks not being killed (default 2 minutes). */
    public Builder duplicateWindow(Duration window) {
      this.duplicateWindow = Objects.requireNonNull(window, "window");
      return this;
    }

    /** Builds the scenario. */
    public Scenario build() {
      if (weights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
        throw new IllegalArgumentException("every action has weight 0: give one a weight");
      }
      return new Scenario(this);
    }
  }
}
