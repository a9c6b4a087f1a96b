package dev.aurora.benchmarks;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobBuilder;
import dev.aurora.api.JobConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One benchmark workload, the same for every engine: a cluster of identical agents in racks and zones,
 * and a seeded list of service jobs whose sizes and constraints come from a fixed mix.
 *
 * <p>Agent {@code i} is {@code host-i} in rack {@code r<i / hostsPerRack>}; racks are spread over the
 * zones round-robin ({@code z<rack % zones>}). Each job draws, independently: {@code host:1} with
 * probability {@link #hostLimitShare}, a rack limit of 1 to 3 with {@link #rackLimitShare}, and a
 * zone value constraint with {@link #zoneShare}. Jobs with a zone and a rack limit may be only partly
 * placeable (a zone holds a third of the racks): those tasks are the "found unplaceable" ones.
 */
public final class Workload {
  /** The size mix of W1: cores and MiB, each drawn uniformly. */
  public static final double[] CPU_MIX = {0.25, 0.5, 1, 2, 4};
  public static final long[] RAM_MIX = {256, 512, 1024, 2048, 4096, 8192, 16384};
  /** A small mix, for W3's million tasks on 20,000 agents. */
  public static final double[] SMALL_CPU_MIX = {0.25, 0.5};
  public static final long[] SMALL_RAM_MIX = {256, 512, 1024};

  public final int agents;
  public final int hostsPerRack;
  public final int zones;
  public final double agentCpus;
  public final long agentRamMb;
  public final long agentDiskMb;
  public final int portBase;
  public final int portCount;
  public final double hostLimitShare;
  public final double rackLimitShare;
  public final double zoneShare;
  public final List<JobConfig> jobs;

  private Workload(int agents, int hostsPerRack, int zones, List<JobConfig> jobs, double hostLimitShare,
      double rackLimitShare, double zoneShare) {
    this.agents = agents;
    this.hostsPerRack = hostsPerRack;
    this.zones = zones;
    this.agentCpus = 32;
    this.agentRamMb = 128 * 1024;
    this.agentDiskMb = 1024 * 1024;
    this.portBase = 31_000;
    this.portCount = 1_001; // 31000-32000
    this.hostLimitShare = hostLimitShare;
    this.rackLimitShare = rackLimitShare;
    this.zoneShare = zoneShare;
    this.jobs = List.copyOf(jobs);
  }

  /**
   * W1: {@code agents} agents in racks of 100 over 3 zones, and {@code jobs} jobs of {@code instances}
   * instances from the W1 mix (30% host:1, 20% a rack limit, 10% a zone).
   */
  public static Workload w1(int agents, int jobs, int instances, long seed) {
    return of(agents, Math.min(100, agents), 3, jobs, instances, seed, CPU_MIX, RAM_MIX);
  }

  /** W1's mix on {@code agents} agents in 100 racks (a small W1 both engines finish). */
  public static Workload w1InRacks(int agents, int racks, int jobs, int instances, long seed) {
    return of(agents, Math.max(1, agents / racks), 3, jobs, instances, seed, CPU_MIX, RAM_MIX);
  }

  /** W1's cluster and mix, with as many jobs as fill {@code cpuShare} of the cluster's cpus. */
  public static Workload filled(int agents, double cpuShare, int instances, long seed) {
    Workload empty = w1(agents, 0, instances, seed);
    double target = cpuShare * agents * empty.agentCpus;
    Random r = new Random(seed);
    List<JobConfig> jobs = new ArrayList<>();
    double asked = 0;
    while (asked < target) {
      JobConfig j = job(jobs.size(), instances, r, 3, CPU_MIX, RAM_MIX, 0.3, 0.2, 0.1);
      asked += j.task().resources().cpus() * instances;
      jobs.add(j);
    }
    return new Workload(agents, empty.hostsPerRack, 3, jobs, 0.3, 0.2, 0.1);
  }

  /** W3: W1's constraint mix with small tasks, so that a million fit on 20,000 agents. */
  public static Workload w3(int agents, int jobs, int instances, long seed) {
    return of(agents, Math.min(100, agents), 3, jobs, instances, seed, SMALL_CPU_MIX, SMALL_RAM_MIX);
  }

  private static Workload of(int agents, int hostsPerRack, int zones, int jobCount, int instances, long seed,
      double[] cpuMix, long[] ramMix) {
    Random r = new Random(seed);
    List<JobConfig> jobs = new ArrayList<>(jobCount);
    for (int j = 0; j < jobCount; j++) {
      jobs.add(job(j, instances, r, zones, cpuMix, ramMix, 0.3, 0.2, 0.1));
    }
    return new Workload(agents, hostsPerRack, zones, jobs, 0.3, 0.2, 0.1);
  }

  private static JobConfig job(int index, int instances, Random r, int zones, double[] cpuMix, long[] ramMix,
      double hostShare, double rackShare, double zoneShare) {
    double cpus = cpuMix[r.nextInt(cpuMix.length)];
    long ram = ramMix[r.nextInt(ramMix.length)];
    boolean host = r.nextDouble() < hostShare;
    boolean rack = r.nextDouble() < rackShare;
    int rackLimit = 1 + r.nextInt(3);
    boolean zone = r.nextDouble() < zoneShare;
    int zoneIndex = r.nextInt(zones);
    JobBuilder b = Job.service(String.format("bench/prod/job-%05d", index)).instances(instances)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(cpus).ramMb(ram).diskMb(1024)
            .port("http"));
    if (host) {
      b.constraint(Constraint.limit("host", 1));
    }
    if (rack) {
      b.constraint(Constraint.limit("rack", rackLimit));
    }
    if (zone) {
      b.constraint(Constraint.value("zone", "z" + zoneIndex));
    }
    return b.build();
  }

  /**
   * A workload of the given jobs on {@code agents} agents in racks of {@code hostsPerRack} over {@code
   * zones} zones (for tests that build a case by hand; every job must have the same instance count).
   */
  public static Workload of(int agents, int hostsPerRack, int zones, List<JobConfig> jobs) {
    return new Workload(agents, hostsPerRack, zones, jobs, 0, 0, 0);
  }

  /** How many racks the agents are in. */
  public int racks() {
    return (agents + hostsPerRack - 1) / hostsPerRack;
  }

  /**
   * At most how many of the job's tasks can be placed by its constraints alone, on the empty cluster:
   * {@code host:N} at most N per agent the job may use, a rack limit at most N per rack it may use, where
   * a zone value constraint leaves only that zone's agents. (W1's jobs with a zone and a rack limit are
   * the ones with fewer: their zone has a third of the racks.) Resources and ports are not counted: W1
   * asks for under half the cluster, and the audit checks every task left unplaced anyway.
   */
  public int placeableByConstraints(JobConfig job) {
    long hosts = 0;
    long racks = 0;
    for (int rack = 0; rack < racks(); rack++) {
      String zone = "z" + (rack % zones);
      boolean allowed = true;
      for (Constraint c : job.task().constraints()) {
        if (!c.isLimit() && c.attribute().equals("zone") && !c.values().contains(zone)) {
          allowed = false;
        }
      }
      if (allowed) {
        racks++;
        hosts += Math.min(hostsPerRack, agents - (long) rack * hostsPerRack);
      }
    }
    long bound = job.instances();
    for (Constraint c : job.task().constraints()) {
      if (c.isLimit() && c.attribute().equals("host")) {
        bound = Math.min(bound, hosts * c.limit().getAsInt());
      } else if (c.isLimit() && c.attribute().equals("rack")) {
        bound = Math.min(bound, racks * c.limit().getAsInt());
      }
    }
    return (int) Math.min(bound, hosts == 0 ? 0 : bound);
  }

  /** How many of the workload's tasks its constraints let be placed ({@link #placeableByConstraints}). */
  public int placeableTaskCount() {
    return jobs.stream().mapToInt(this::placeableByConstraints).sum();
  }

  /** How many tasks the jobs ask for. */
  public int taskCount() {
    return jobs.stream().mapToInt(JobConfig::instances).sum();
  }

  public String hostname(int agent) {
    return "host-" + agent;
  }

  public int rackOf(int agent) {
    return agent / hostsPerRack;
  }

  public String rack(int agent) {
    return "r" + rackOf(agent);
  }

  public String zone(int agent) {
    return "z" + (rackOf(agent) % zones);
  }

  /** Agent {@code i}'s attributes other than {@code host}: rack and zone. */
  public Map<String, String> attributes(int agent) {
    return Map.of("rack", rack(agent), "zone", zone(agent));
  }

  /** The agent index of {@code host-i}. */
  public int agentOfHost(String hostname) {
    return Integer.parseInt(hostname.substring("host-".length()));
  }

  public double totalCpus() {
    return agents * agentCpus;
  }

  public double totalRamMb() {
    return (double) agents * agentRamMb;
  }
}
