package dev.aurora.testkit;

import dev.aurora.testkit.Scenario.Fault;
import dev.aurora.testkit.internal.sim.SimRun;
import dev.aurora.testkit.internal.sim.Step;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A deterministic simulation: a {@link Scenario}'s workload and faults, drawn from a seed, run against
 * a real scheduler on a {@link SimulatedCluster}, one thread and a {@link FakeClock}, with named
 * invariants checked after every step. The same seed and scenario give the same run, in any JVM.
 *
 * <pre>{@code
 * Simulation.Result r = Simulation.run(42, Scenario.defaults());
 * r.assertNoViolation();   // on failure: the seed, the replay command and the smallest failing prefix
 * }</pre>
 *
 * <p>The schedulers (two by default, {@link Scenario.Builder#schedulers}) share one storage and the
 * cluster under a {@link ManualLeaderElection}; only the leader schedules and operations go to it. The
 * storage fails or tears appends when a fault says so; after such a crash (or a {@link
 * Fault#SCHEDULER_RESTART}) the crashed process leaves the election, another is elected, recovers
 * from the storage and reconciles with the cluster, and a new process joins as a follower (with one
 * scheduler, it restarts from the storage). {@link Fault#LEADER_FAILOVER} deposes the leader.
 * Status updates between cluster and scheduler are lost, duplicated, reordered or delayed at their
 * rates. The invariants (each failure names one):
 *
 * <ul>
 *   <li>{@code acknowledgedOpSurvivesEveryCrash}: an operation that returned is never undone: a
 *       service's instance count, a killed job, a quota, across every restart; an operation that threw
 *       {@code StorageException} may have happened or not;
 *   <li>{@code liveInstancesEqualConfigOnceOperationsStop}: at the end, each service has exactly its
 *       config's instances live;
 *   <li>{@code servicesConvergeWithinBoundAfterFaultsStop}: within {@link Scenario#convergeWithin()}
 *       after the faults stop, each service runs all its instances;
 *   <li>{@code neverTwoActiveTasksPerInstanceBeyondWindow}: an instance has two active tasks, neither
 *       being killed, for at most {@link Scenario#duplicateWindow()};
 *   <li>{@code quotaNeverExceeded}: a role's consumption never grows past its quota;
 *   <li>{@code noTaskPlacedOnDrainingHost}: no task is assigned to a host in maintenance;
 *   <li>{@code everyUpdateEndsTerminal}: at the end, no update is still active;
 *   <li>{@code noIllegalTransition}: every task state change is one of the documented table;
 *   <li>{@code noOverCommittedAgentResourcesOrPorts}: no agent holds more cpus or ram than it has, no
 *       port is given twice on a host, and the cluster never refuses a launch as over-committed;
 *   <li>{@code whyPendingAgreesWithPlacement}: {@code whyPending} counts the pending tasks there are;
 *   <li>{@code operationsFailOnlyWithDocumentedErrors}: an operation fails only with an {@code
 *       AuroraException} (or a bad argument), never with anything else;
 *   <li>{@code deposedLeaderNeverAppends} (with {@link Scenario.Builder#schedulers} of 2 or more): no
 *       scheduler process writes to the shared storage while the election does not name it leader;
 *   <li>{@code deposedLeaderRefusesOperations}: while nobody leads, an operation sent to the deposed
 *       leader is refused (with {@code NotLeaderException}), and it is not applied: the model of
 *       acknowledged operations stays as it was.
 * </ul>
 */
public final class Simulation {
  /** The system property a replay reads its seed from. */
  public static final String SEED_PROPERTY = "aurora.sim.seed";

  private Simulation() {}

  /** Runs the scenario with this seed. */
  public static Result run(long seed, Scenario scenario) {
    SimRun.Spec spec = spec(scenario);
    List<Step> plan = SimRun.plan(seed, spec);
    SimRun.Outcome o = new SimRun(seed, spec).run(plan, plan.size());
    return new Result(seed, scenario, plan.size(), o);
  }

  private static SimRun.Spec spec(Scenario s) {
    return new SimRun.Spec(s.agents, s.attributes, s.cpus, s.ramMb, s.steps, s.jobSlots, s.maxStepGapSeconds,
        s.weights, s.rates, s.scheduler, s.convergeWithin, s.duplicateWindow, s.schedulers);
  }

  /**
   * The smallest prefix of a failing run's plan that still fails (binary search over the prefix
   * length, then the result confirmed), as its trace; the full trace if none shorter fails.
   */
  public static Result minimise(Result failing) {
    if (failing.passed()) {
      return failing;
    }
    SimRun.Spec spec = spec(failing.scenario);
    List<Step> plan = SimRun.plan(failing.seed, spec);
    int lo = 0;
    int hi = plan.size();
    Result best = failing;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      SimRun.Outcome o = new SimRun(failing.seed, spec).run(plan, mid);
      if (!o.violations().isEmpty()) {
        hi = mid;
        best = new Result(failing.seed, failing.scenario, plan.size(), o);
      } else {
        lo = mid + 1;
      }
    }
    return best;
  }

  /** What one run found. */
  public static final class Result {
    private final long seed;
    private final Scenario scenario;
    private final int planned;
    private final SimRun.Outcome outcome;

    Result(long seed, Scenario scenario, int planned, SimRun.Outcome outcome) {
      this.seed = seed;
      this.scenario = scenario;
      this.planned = planned;
      this.outcome = outcome;
    }

    /** The seed. */
    public long seed() {
      return seed;
    }

    /** Whether no invariant was violated. */
    public boolean passed() {
      return outcome.violations().isEmpty();
    }

    /** Each violation: the invariant's name, what was wrong, and the step and time. */
    public List<String> violations() {
      return outcome.violations();
    }

    /** What happened, a line per operation and fault. */
    public List<String> trace() {
      return outcome.trace();
    }

    /** How many entries of the plan ran (actions, step faults and advances). */
    public int stepsRun() {
      return outcome.stepsRun();
    }

    /** How many entries the full plan has. */
    public int stepsPlanned() {
      return planned;
    }

    /** How many faults of each kind were injected. */
    public Map<Fault, Integer> faults() {
      return outcome.faults();
    }

    /** Simulated time the run covered. */
    public Duration simulated() {
      return outcome.simulated();
    }

    /** A digest of every task's id, agent and state at the end: equal for equal runs. */
    public String digest() {
      return outcome.digest();
    }

    /** The command that replays this seed in the testkit's own suite (for the default scenario). */
    public String replayCommand() {
      return "mvn -o -B -pl aurora-testkit -am test -Dtest=SimulationTest#replaysOneSeed "
          + "-Dsurefire.failIfNoSpecifiedTests=false -D" + SEED_PROPERTY + "=" + seed
          + "   (or, in code: Simulation.run(" + seed + "L, scenario))";
    }

    /** A readable report: seed, replay command, violations and trace. */
    public String report() {
      StringBuilder sb = new StringBuilder();
      sb.append("simulation seed ").append(seed).append(passed() ? ": passed" : ": FAILED").append('\n');
      sb.append("replay: ").append(replayCommand()).append('\n');
      sb.append("steps ").append(stepsRun()).append(" of ").append(planned).append(", simulated ")
          .append(simulated().toSeconds()).append(" s, faults ").append(new TreeMap<>(faults())).append('\n');
      for (String v : violations()) {
        sb.append("VIOLATION ").append(v).append('\n');
      }
      sb.append("trace:\n");
      for (String line : trace()) {
        sb.append("  ").append(line).append('\n');
      }
      return sb.toString();
    }

    /**
     * Throws an {@link AssertionError} if an invariant was violated, with the seed, the replay command
     * and the trace of the smallest failing prefix.
     */
    public void assertNoViolation() {
      if (passed()) {
        return;
      }
      Result small = minimise(this);
      throw new AssertionError("simulation seed " + seed + " violated " + violations() + "\n"
          + "smallest failing prefix: " + small.stepsRun() + " of " + planned + " steps\n" + small.report());
    }
  }
}
