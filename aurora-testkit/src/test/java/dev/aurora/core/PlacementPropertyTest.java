package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobBuilder;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random clusters and workloads, each from a seed, placed by the scheduler's engine and then checked
 * by {@link ReferencePlacement}: every placement keeps every rule (resources, ports, value and limit
 * constraints, dedicated agents, maintenance, a user's filter), and no task is left pending that the
 * reference could place on the cluster as it ends. A failure names its seed; the same seed replays it.
 * The user's filter is declared {@link PlacementFilter.Kind#STATIC} on even seeds (passes then skip
 * stuck groups until something that could place them changes) and left undeclared on odd ones (stuck
 * groups are judged on every pass), so both ways are checked.
 */
class PlacementPropertyTest {
  private static final Principal ADMIN = Principal.of("admin");

  /** A user's static rule: batch jobs stay off spot hosts. */
  static final class NoBatchOnSpot implements PlacementFilter {
    static final Veto SPOT = Veto.of("batch on spot");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      return isBatch(task.config()) && agent.attribute("spot", "false").equals("true") ? SPOT : Veto.none();
    }

    static boolean isBatch(TaskConfig c) {
      return "batch".equals(c.metadata().get("team"));
    }
  }

  /** About 10 s; seeds 1..400 pass as well (about 25 s), widen the range locally when changing placement. */
  static LongStream seeds() {
    return LongStream.rangeClosed(1, 100);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void everyPlacementKeepsTheRulesAndNothingPlaceableIsLeftPending(long seed) {
    Random rnd = new Random(seed);
    FakeClock clock = FakeClock.startingAtEpoch2026();
    ManualStateLoop loop = new ManualStateLoop(clock);

    int agentCount = 10 + rnd.nextInt(110);
    double cpus = new double[] {4, 8, 16}[rnd.nextInt(3)];
    long ramMb = 4_096L * (1 + rnd.nextInt(8));
    long diskMb = 20_000L * (1 + rnd.nextInt(4));
    int ports = new int[] {2, 4, 50}[rnd.nextInt(3)];
    int racks = 1 + rnd.nextInt(8);
    List<Map<String, String>> attributes = new ArrayList<>();
    for (int i = 0; i < agentCount; i++) {
      Map<String, String> a = new HashMap<>();
      a.put("rack", "r" + rnd.nextInt(racks));
      if (rnd.nextInt(10) > 0) {
        a.put("zone", "z" + rnd.nextInt(3));
      }
      if (rnd.nextInt(4) == 0) {
        a.put("spot", "true");
      }
      int d = rnd.nextInt(30);
      if (d == 0) {
        a.put(Constraint.DEDICATED, "db");
      } else if (d == 1) {
        a.put(Constraint.DEDICATED, "cache");
      }
      attributes.add(Map.copyOf(a));
    }
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(agentCount).attributes(attributes::get)
        .resources(cpus, ramMb, diskMb, 0).ports(31_000, ports).build();
    try (Scheduler scheduler = Scheduler.builder().backend(cluster).storage(Storage.inMemory()).clock(clock)
        .loop(loop).randomSeed(seed).placement(p -> p.addFilter(seed % 2 == 0 ? PlacementFilter.ofStatic(new NoBatchOnSpot()) : new NoBatchOnSpot()))
        .build()) {
      scheduler.start();
      loop.runUntilIdle();

      Set<String> maintenance = new LinkedHashSet<>();
      for (int i = 0; i < agentCount; i++) {
        if (rnd.nextInt(15) == 0) {
          maintenance.add(cluster.agents().get(i).hostname());
        }
      }
      if (!maintenance.isEmpty()) {
        scheduler.setMaintenance(maintenance, MaintenanceMode.DRAINED, ADMIN);
      }

      List<JobConfig> jobs = new ArrayList<>();
      int jobCount = 3 + rnd.nextInt(25);
      for (int j = 0; j < jobCount; j++) {
        jobs.add(randomJob(rnd, j, racks));
      }
      for (JobConfig job : jobs) {
        scheduler.createJob(job, ADMIN);
        if (rnd.nextBoolean()) {
          loop.advance(Duration.ofMillis(rnd.nextInt(2_000)));
        }
      }
      loop.advance(Duration.ofMinutes(5));
      check(seed, "after creation", scheduler, cluster, maintenance, cpus, ramMb, diskMb, ports);

      // Churn: kill some running tasks, grow some jobs, end maintenance on some hosts.
      List<ScheduledTask> running = scheduler.tasks(TaskQuery.all().states(ScheduleStatus.RUNNING));
      for (ScheduledTask t : running) {
        if (rnd.nextInt(6) == 0) {
          cluster.killTask(t.id());
        }
      }
      for (JobConfig job : jobs) {
        if (rnd.nextInt(4) == 0) {
          scheduler.addInstances(job.key(), 1 + rnd.nextInt(5), ADMIN);
        }
      }
      if (!maintenance.isEmpty() && rnd.nextBoolean()) {
        String back = maintenance.iterator().next();
        scheduler.setMaintenance(Set.of(back), MaintenanceMode.NONE, ADMIN);
        maintenance.remove(back);
      }
      loop.advance(Duration.ofMinutes(10));
      check(seed, "after churn", scheduler, cluster, maintenance, cpus, ramMb, diskMb, ports);
    }
  }

  private static JobConfig randomJob(Random rnd, int j, int racks) {
    String team = rnd.nextInt(3) == 0 ? "batch" : "web";
    JobBuilder b = Job.service(team + "/prod/job" + j).instances(1 + rnd.nextInt(15));
    double cpus = new double[] {0.25, 0.5, 1, 2, 3}[rnd.nextInt(5)];
    long ram = 128L << rnd.nextInt(6);
    long disk = 64L << rnd.nextInt(6);
    int portCount = rnd.nextInt(3);
    int priority = rnd.nextInt(3);
    b.task(t -> {
      t.process("p", "./run").cpus(cpus).ramMb(ram).diskMb(disk).priority(priority).metadata("team", team);
      for (int p = 0; p < portCount; p++) {
        t.port("p" + p);
      }
    });
    if (rnd.nextInt(10) < 4) {
      b.constraint(Constraint.limit("host", 1 + rnd.nextInt(3)));
    }
    if (rnd.nextInt(10) < 2) {
      b.constraint(Constraint.limit("rack", 1 + rnd.nextInt(Math.max(1, racks))));
    }
    int v = rnd.nextInt(10);
    if (v < 2) {
      b.constraint(Constraint.value("zone", "z0", "z1"));
    } else if (v == 2) {
      b.constraint(Constraint.notValue("zone", "z2"));
    }
    if (rnd.nextInt(15) == 0) {
      b.constraint(Constraint.dedicated(rnd.nextBoolean() ? "db" : "cache"));
    }
    return b.build();
  }

  private static void check(long seed, String when, Scheduler scheduler, SimulatedCluster cluster,
      Set<String> maintenance, double cpus, long ramMb, long diskMb, int ports) {
    List<ReferencePlacement.Agent> agents = new ArrayList<>();
    for (SimulatedCluster.Agent a : cluster.agents()) {
      agents.add(new ReferencePlacement.Agent(a.id(), a.hostname(), a.attributes(), cpus, ramMb, diskMb, ports));
    }
    BiPredicate<TaskConfig, ReferencePlacement.Agent> userRule =
        (c, a) -> !(NoBatchOnSpot.isBatch(c) && "true".equals(a.attributes().get("spot")));
    ReferencePlacement reference = new ReferencePlacement(agents, maintenance, userRule);
    reference.place(scheduler.tasks(TaskQuery.all().active()));
    assertThat(reference.violations()).as("seed %s, %s: placements that break a rule", seed, when).isEmpty();

    List<String> missed = new ArrayList<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().states(ScheduleStatus.PENDING))) {
      ReferencePlacement.Agent fit = reference.fitFor(t.job(), t.config());
      if (fit != null) {
        missed.add(t.id() + " of " + t.job() + " fits on " + fit.hostname() + "; the scheduler says "
            + scheduler.whyPending(t.job()).vetoes());
      }
    }
    assertThat(missed).as("seed %s, %s: pending tasks the reference could place", seed, when).isEmpty();
  }
}
