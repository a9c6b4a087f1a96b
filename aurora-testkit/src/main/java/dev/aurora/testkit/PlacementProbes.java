package dev.aurora.testkit;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.Tier;
import dev.aurora.core.AgentView;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.PlacementTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tasks and agents to ask a {@link dev.aurora.core.PlacementFilter} or {@link
 * dev.aurora.core.PlacementScorer} about outside a scheduler: what {@link PlacementFilterContract} and
 * {@link PlacementScorerContract} judge with, and what a filter's own unit tests can use.
 *
 * <pre>{@code
 * Agent spot = Agent.named("agent-1").with("spot", "true").free(4, 8192);
 * Task gpuJob = Task.of(Job.service("ml/prod/train").task(t -> t.process("p", "./train").gpus(1)).build().task());
 * assertThat(new NoGpuJobsOnSpotHosts().filter(gpuJob, spot).reason()).isEqualTo("gpu job on spot host");
 * }</pre>
 */
public final class PlacementProbes {
  private PlacementProbes() {}

  /**
   * An agent as a filter sees it, mutable so a test can change one thing and ask again; {@code host}
   * is its hostname, as in the scheduler. Starts with nothing free and no attributes.
   */
  public static final class Agent implements AgentView {
    private final String id;
    private String hostname;
    private final Map<String, String> attributes = new HashMap<>();
    private double freeCpus;
    private long freeRamMb;
    private long freeDiskMb;
    private int freeGpus;
    private int freePorts;
    private double capacityCpus;
    private long capacityRamMb;
    private boolean revocable;
    private MaintenanceMode maintenance = MaintenanceMode.NONE;
    private int taskCount;

    private Agent(String id, String hostname) {
      this.id = id;
      this.hostname = hostname;
    }

    /** An agent {@code id} on host {@code id}, with nothing free and no attributes. */
    public static Agent named(String id) {
      return new Agent(Objects.requireNonNull(id, "id"), id);
    }

    /** A copy to change without changing this one. */
    public Agent copy() {
      Agent a = new Agent(id, hostname);
      a.attributes.putAll(attributes);
      a.freeCpus = freeCpus;
      a.freeRamMb = freeRamMb;
      a.freeDiskMb = freeDiskMb;
      a.freeGpus = freeGpus;
      a.freePorts = freePorts;
      a.capacityCpus = capacityCpus;
      a.capacityRamMb = capacityRamMb;
      a.revocable = revocable;
      a.maintenance = maintenance;
      a.taskCount = taskCount;
      return a;
    }

    public Agent hostname(String hostname) {
      this.hostname = Objects.requireNonNull(hostname, "hostname");
      return this;
    }

    /** Sets an attribute ({@code host} is the hostname: use {@link #hostname(String)}). */
    public Agent with(String name, String value) {
      attributes.put(name, value);
      return this;
    }

    /** Free cpus and ram; capacity grows to hold them. */
    public Agent free(double cpus, long ramMb) {
      return free(cpus, ramMb, freeDiskMb, freeGpus, freePorts);
    }

    /** Every free resource; capacity grows to hold them. */
    public Agent free(double cpus, long ramMb, long diskMb, int gpus, int ports) {
      freeCpus = cpus;
      freeRamMb = ramMb;
      freeDiskMb = diskMb;
      freeGpus = gpus;
      freePorts = ports;
      capacityCpus = Math.max(capacityCpus, cpus);
      capacityRamMb = Math.max(capacityRamMb, ramMb);
      return this;
    }

    public Agent capacity(double cpus, long ramMb) {
      capacityCpus = cpus;
      capacityRamMb = ramMb;
      return this;
    }

    public Agent revocable(boolean revocable) {
      this.revocable = revocable;
      return this;
    }

    public Agent maintenance(MaintenanceMode mode) {
      this.maintenance = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public Agent taskCount(int tasks) {
      this.taskCount = tasks;
      return this;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String hostname() {
      return hostname;
    }

    @Override
    public String attribute(String name, String otherwise) {
      if ("host".equals(name)) {
        return hostname;
      }
      return attributes.getOrDefault(name, otherwise);
    }

    @Override
    public double freeCpus() {
      return freeCpus;
    }

    @Override
    public long freeRamMb() {
      return freeRamMb;
    }

    @Override
    public long freeDiskMb() {
      return freeDiskMb;
    }

    @Override
    public int freeGpus() {
      return freeGpus;
    }

    @Override
    public int freePorts() {
      return freePorts;
    }

    @Override
    public double capacityCpus() {
      return capacityCpus;
    }

    @Override
    public long capacityRamMb() {
      return capacityRamMb;
    }

    @Override
    public boolean revocable() {
      return revocable;
    }

    @Override
    public MaintenanceMode maintenance() {
      return maintenance;
    }

    @Override
    public int taskCount() {
      return taskCount;
    }

    @Override
    public String toString() {
      return id + attributes + String.format(java.util.Locale.ROOT,
          " free %.2f cpus %d MiB %d disk %d gpus %d ports, %d tasks, %s%s", freeCpus, freeRamMb, freeDiskMb,
          freeGpus, freePorts, taskCount, maintenance, revocable ? ", revocable" : "");
    }
  }

  /**
   * A task as a filter sees it: a job's config and how many of the job's tasks are on each attribute
   * value ({@link #count}); mutable so a test can change counts and ask again.
   */
  public static final class Task implements PlacementTask {
    private final JobKey job;
    private final TaskConfig config;
    private final Map<String, Integer> counts = new HashMap<>();
    private int extra;

    private Task(JobKey job, TaskConfig config) {
      this.job = job;
      this.config = config;
    }

    public static Task of(JobKey job, TaskConfig config) {
      return new Task(Objects.requireNonNull(job, "job"), Objects.requireNonNull(config, "config"));
    }

    /** The task of {@code job}. */
    public static Task of(dev.aurora.api.JobConfig job) {
      return of(job.key(), job.task());
    }

    /** A copy to change without changing this one. */
    public Task copy() {
      Task t = new Task(job, config);
      t.counts.putAll(counts);
      t.extra = extra;
      return t;
    }

    /** Sets how many tasks of the job are on agents whose {@code attribute} is {@code value}. */
    public Task count(String attribute, String value, int tasks) {
      counts.put(attribute + '\0' + value, tasks);
      return this;
    }

    /** Every count, on every attribute value, raised by {@code more} (the job grew everywhere). */
    public Task moreEverywhere(int more) {
      extra += more;
      return this;
    }

    @Override
    public JobKey job() {
      return job;
    }

    @Override
    public TaskConfig config() {
      return config;
    }

    @Override
    public int countOn(String attribute, String value) {
      return counts.getOrDefault(attribute + '\0' + value, 0) + extra;
    }

    @Override
    public String toString() {
      return job + " " + config.resources() + " " + config.constraints() + " " + config.tier();
    }
  }

  /**
   * Tasks of many shapes: small and large, gpus and ports, each kind of constraint (value, negated,
   * limit, dedicated), the revocable tier, with and without tasks of the job placed already.
   */
  public static List<Task> tasks() {
    List<Task> tasks = new ArrayList<>();
    tasks.add(task("plain", t -> t.cpus(1).ramMb(512)));
    tasks.add(task("big", t -> t.cpus(64).ramMb(1 << 20).diskMb(1 << 20).gpus(8).port("http", "admin")));
    tasks.add(task("zoned", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.value("zone", "z1", "z2"))));
    tasks.add(task("notzoned", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.notValue("zone", "z1"))));
    tasks.add(task("onehost", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.limit("host", 1))));
    tasks.add(task("tworack", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.limit("rack", 2))));
    tasks.add(task("dedicated", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.dedicated("www-data/db"))));
    tasks.add(task("revocable", t -> t.cpus(0.5).ramMb(256).tier(Tier.REVOCABLE)));
    tasks.add(task("onehost", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.limit("host", 1)))
        .count("host", "host-1", 1).count("rack", "r1", 3));
    tasks.add(task("tworack", t -> t.cpus(0.5).ramMb(256).constraint(Constraint.limit("rack", 2)))
        .count("rack", "r1", 2));
    return tasks;
  }

  private static Task task(String name, java.util.function.UnaryOperator<dev.aurora.api.TaskBuilder> spec) {
    return Task.of(Job.service("www-data/prod/" + name).instances(1)
        .task(t -> spec.apply(t.process("p", "./run"))).build());
  }

  /**
   * Agents of many states: empty and roomy, with and without attributes (rack, zone, dedicated), in
   * maintenance, offering revocable resources, holding tasks.
   */
  public static List<Agent> agents() {
    List<Agent> agents = new ArrayList<>();
    agents.add(Agent.named("bare"));
    agents.add(Agent.named("host-1").with("rack", "r1").with("zone", "z1").free(8, 16384, 100_000, 0, 100));
    agents.add(Agent.named("host-2").with("rack", "r2").with("zone", "z2").free(8, 16384, 100_000, 2, 100)
        .taskCount(3).capacity(16, 32768));
    agents.add(Agent.named("host-3").with("rack", "r1").with("zone", "z3").free(0.25, 128, 10, 0, 0));
    agents.add(Agent.named("host-4").with("dedicated", "www-data/db").with("rack", "r4")
        .free(8, 16384, 100_000, 0, 100));
    agents.add(Agent.named("host-5").with("rack", "r5").with("zone", "z1").free(8, 16384, 100_000, 0, 100)
        .maintenance(MaintenanceMode.DRAINING));
    agents.add(Agent.named("host-6").with("rack", "r6").free(4, 8192, 50_000, 0, 10).revocable(true));
    agents.add(Agent.named("host-7").with("rack", "r7").with("zone", "z2").free(128, 1 << 21, 1 << 21, 8, 1000));
    return agents;
  }
}
