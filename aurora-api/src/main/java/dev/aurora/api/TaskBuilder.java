package dev.aurora.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The task part of a {@link JobBuilder}: processes, resources and the rest of {@link TaskConfig}.
 * Strings may hold template variables; they are resolved when the job is built.
 */
public final class TaskBuilder {
  private final List<ProcessConfig> processes;
  private final Map<String, String> environment;
  private double cpus;
  private long ramMb;
  private long diskMb;
  private int gpus;
  private final TreeSet<String> ports;
  private final List<Constraint> constraints;
  private int priority;
  private Tier tier = Tier.PREFERRED;
  private @Nullable String tierName;
  private boolean production;
  private int maxTaskFailures = 1;
  private boolean service;
  private @Nullable HealthCheck healthCheck;
  private @Nullable Announce announce;
  private final Map<String, String> metadata;
  private @Nullable String container;
  private final List<List<String>> processOrders;
  private @Nullable Boolean sequential;
  private @Nullable Duration finalizationWait;
  private @Nullable Duration killGracePeriod;
  private @Nullable HttpLifecycle httpLifecycle;
  private PartitionPolicy partitionPolicy = PartitionPolicy.DEFAULT;
  private @Nullable SlaPolicy slaPolicy;
  private @Nullable RestartPolicy restartPolicy;
  private int maxFailures = 1;
  private int maxConcurrency;
  private @Nullable ProcessLogger logger;

  TaskBuilder(boolean service) {
    this.service = service;
    this.processes = new ArrayList<>();
    this.environment = new LinkedHashMap<>();
    this.ports = new TreeSet<>();
    this.constraints = new ArrayList<>();
    this.metadata = new LinkedHashMap<>();
    this.processOrders = new ArrayList<>();
  }

  TaskBuilder(TaskBuilder o) {
    this.processes = new ArrayList<>(o.processes);
    this.environment = new LinkedHashMap<>(o.environment);
    this.cpus = o.cpus;
    this.ramMb = o.ramMb;
    this.diskMb = o.diskMb;
    this.gpus = o.gpus;
    this.ports = new TreeSet<>(o.ports);
    this.constraints = new ArrayList<>(o.constraints);
    this.priority = o.priority;
    this.tier = o.tier;
    this.tierName = o.tierName;
    this.production = o.production;
    this.maxTaskFailures = o.maxTaskFailures;
    this.service = o.service;
    this.healthCheck = o.healthCheck;
    this.announce = o.announce;
    this.metadata = new LinkedHashMap<>(o.metadata);
    this.container = o.container;
    this.processOrders = new ArrayList<>(o.processOrders);
    this.sequential = o.sequential;
    this.finalizationWait = o.finalizationWait;
    this.killGracePeriod = o.killGracePeriod;
    this.httpLifecycle = o.httpLifecycle;
    this.partitionPolicy = o.partitionPolicy;
    this.slaPolicy = o.slaPolicy;
    this.restartPolicy = o.restartPolicy;
    this.maxFailures = o.maxFailures;
    this.maxConcurrency = o.maxConcurrency;
    this.logger = o.logger;
  }

  /** A builder holding {@code c} as it is (from a template's JSON form). */
  TaskBuilder(TaskConfig c) {
    this(c.service());
    processes.addAll(c.processes());
    cpus = c.resources().cpus();
    ramMb = c.resources().ramMb();
    diskMb = c.resources().diskMb();
    gpus = c.resources().gpus();
    ports.addAll(c.resources().ports());
    constraints.addAll(c.constraints());
    priority = c.priority();
    tier = c.tier();
    production = c.production();
    maxTaskFailures = c.maxTaskFailures();
    healthCheck = c.healthCheck().orElse(null);
    announce = c.announce().orElse(null);
    metadata.putAll(c.metadata());
    container = c.container().orElse(null);
    processOrders.addAll(c.processOrders());
    sequential = c.sequential();
    finalizationWait = c.finalizationWait();
    killGracePeriod = c.killGracePeriod().orElse(null);
    httpLifecycle = c.httpLifecycle().orElse(null);
    tierName = c.tierName().orElse(null);
    partitionPolicy = c.partitionPolicy();
    slaPolicy = c.slaPolicy().orElse(null);
    restartPolicy = c.restartPolicy().orElse(null);
    maxFailures = c.maxFailures();
    maxConcurrency = c.maxConcurrency();
    logger = c.logger();
  }

  /** Adds a process that runs {@code command} with {@code sh -c}, after the ones added before. */
  public TaskBuilder process(String name, String command) {
    processes.add(ProcessConfig.of(name, command));
    return this;
  }

  /** Adds a fully specified process, after the ones added before. */
  public TaskBuilder process(ProcessConfig process) {
    processes.add(process);
    return this;
  }

  /** Adds a {@link ProcessConfig#finalizer() finalizer}: runs when the task ends or is killed. */
  public TaskBuilder finalizer(String name, String command) {
    processes.add(ProcessConfig.finalizer(name, command));
    return this;
  }

  /**
   * Adds an ordering constraint (Thermos's {@code order(...)}): each named process starts only once
   * the one before it has succeeded. Once a task has an order, processes no order binds run in
   * parallel; see {@link TaskConfig#processOrders()}.
   */
  public TaskBuilder order(String... processNames) {
    processOrders.add(List.of(processNames));
    return this;
  }

  /**
   * Runs the processes no {@link #order} binds in parallel, even when the task declares no order
   * (without any order, processes otherwise run one after another as listed).
   */
  public TaskBuilder parallel() {
    this.sequential = false;
    return this;
  }

  /** The time the task's finalizers have, all together (Thermos's {@code finalization_wait}). */
  public TaskBuilder finalizationWait(Duration finalizationWait) {
    this.finalizationWait = finalizationWait;
    return this;
  }

  /** How long a kill waits after SIGTERM before SIGKILL, for this task. */
  public TaskBuilder killGracePeriod(Duration killGracePeriod) {
    this.killGracePeriod = killGracePeriod;
    return this;
  }

  /** Aurora's HTTP lifecycle: {@code POST /quitquitquit}, then {@code /abortabortabort}, before a signal. */
  public TaskBuilder httpLifecycle(HttpLifecycle httpLifecycle) {
    this.httpLifecycle = httpLifecycle;
    return this;
  }

  /**
   * How many processes may fail for good before the task fails (Thermos's task {@code max_failures};
   * 1 by default, 0: no limit); see {@link TaskConfig#maxFailures()}.
   */
  public TaskBuilder maxFailures(int maxFailures) {
    this.maxFailures = maxFailures;
    return this;
  }

  /** How many processes may run at once (Thermos's {@code max_concurrency}; 0, the default: no limit). */
  public TaskBuilder maxConcurrency(int maxConcurrency) {
    this.maxConcurrency = maxConcurrency;
    return this;
  }

  /** Where the output of processes that set no logger of their own goes; see {@link ProcessLogger}. */
  public TaskBuilder logger(ProcessLogger logger) {
    this.logger = logger;
    return this;
  }

  /** Sets an environment variable for every process of the task. */
  public TaskBuilder env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /** Cpu cores for each task (fractions allowed). */
  public TaskBuilder cpus(double cpus) {
    this.cpus = cpus;
    return this;
  }

  /** Memory in MiB for each task. */
  public TaskBuilder ramMb(long ramMb) {
    this.ramMb = ramMb;
    return this;
  }

  /** Disk in MiB for each task. */
  public TaskBuilder diskMb(long diskMb) {
    this.diskMb = diskMb;
    return this;
  }

  /** Whole gpus for each task. */
  public TaskBuilder gpus(int gpus) {
    this.gpus = gpus;
    return this;
  }

  /** Declares named ports; each task gets a number for each, usable as {@code {{port.NAME}}}. */
  public TaskBuilder port(String... names) {
    ports.addAll(List.of(names));
    return this;
  }

  /** Adds a placement constraint. */
  public TaskBuilder constraint(Constraint constraint) {
    constraints.add(constraint);
    return this;
  }

  /** Priority within the role (higher is placed first and may preempt lower). */
  public TaskBuilder priority(int priority) {
    this.priority = priority;
    return this;
  }

  /**
   * The tier: preferred (default), preemptible or revocable.
   *
   * @deprecated tiers come from the scheduler's configuration: name one with {@link #tier(String)}
   *     ({@code tier("preemptible")} is the same as {@code tier(Tier.PREEMPTIBLE)}). Still works.
   */
  @Deprecated
  public TaskBuilder tier(Tier tier) {
    this.tier = tier;
    return this;
  }

  /**
   * Names the tier from the scheduler's tier configuration (e.g. {@code "batch"}); the built-in names
   * {@code preferred}, {@code preemptible} and {@code revocable} always exist.
   */
  public TaskBuilder tier(String name) {
    this.tierName = name;
    return this;
  }

  /** Marks the task as production work. */
  public TaskBuilder production(boolean production) {
    this.production = production;
    return this;
  }

  /** How many failures a non-service task may have (1 = no retry, -1 = retry forever). */
  public TaskBuilder maxTaskFailures(int maxTaskFailures) {
    this.maxTaskFailures = maxTaskFailures;
    return this;
  }

  /** Whether ended tasks are always replaced (set by {@link Job#service}). */
  public TaskBuilder service(boolean service) {
    this.service = service;
    return this;
  }

  /** How to tell the task is healthy. */
  public TaskBuilder healthCheck(HealthCheck healthCheck) {
    this.healthCheck = healthCheck;
    return this;
  }

  /** Where to announce the task. */
  public TaskBuilder announce(Announce announce) {
    this.announce = announce;
    return this;
  }

  /** Adds free-form metadata. */
  public TaskBuilder metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** A container image to run in; a backend that cannot run it leaves the task pending, saying why. */
  public TaskBuilder container(String image) {
    this.container = image;
    return this;
  }

  /** What happens when the task's agent cannot be reached; see {@link PartitionPolicy}. */
  public TaskBuilder partitionPolicy(PartitionPolicy policy) {
    this.partitionPolicy = policy;
    return this;
  }

  /** The job's own restart back-off and crash-loop limit; see {@link RestartPolicy}. */
  public TaskBuilder restartPolicy(RestartPolicy policy) {
    this.restartPolicy = policy;
    return this;
  }

  /** How far a host drain may take the job down; see {@link SlaPolicy}. */
  public TaskBuilder slaPolicy(SlaPolicy policy) {
    this.slaPolicy = policy;
    return this;
  }

  /** Builds the task config with every string passed through {@code resolve(text, path)}. */
  TaskConfig build(Resolver r) {
    ImmutableTaskConfig.Builder b = TaskConfig.builder();
    for (int i = 0; i < processes.size(); i++) {
      ProcessConfig p = processes.get(i);
      String path = "task.processes[" + i + "]";
      ImmutableProcessConfig.Builder pb = ProcessConfig.builder()
          .maxFailures(p.maxFailures()).minDuration(p.minDuration()).daemon(p.daemon())
          .ephemeral(p.ephemeral()).finalizer(p.finalizer()).logger(p.logger())
          .name(r.resolve(p.name(), path + ".name"))
          .command(r.resolve(p.command(), path + ".command"));
      Map<String, String> env = new LinkedHashMap<>(environment);
      env.putAll(p.environment()); // a process's own variable wins over the task-wide one
      for (Map.Entry<String, String> e : env.entrySet()) {
        pb.putEnvironment(e.getKey(), r.resolve(e.getValue(), path + ".environment." + e.getKey()));
      }
      p.workingDirectory().ifPresent(w -> pb.workingDirectory(r.resolve(w, path + ".workingDirectory")));
      b.addProcesses(pb.build());
    }
    b.resources(Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(diskMb).gpus(gpus).ports(ports).build());
    for (int i = 0; i < constraints.size(); i++) {
      Constraint c = constraints.get(i);
      List<String> values = new ArrayList<>();
      for (String v : c.values()) {
        values.add(r.resolve(v, "task.constraints[" + i + "].values"));
      }
      b.addConstraints(ImmutableConstraint.copyOf(c).withValues(values));
    }
    if (tierName != null) {
      b.tierName(r.resolve(tierName, "task.tierName"));
    }
    b.priority(priority).tier(tier).production(production).maxTaskFailures(maxTaskFailures).service(service)
        .partitionPolicy(partitionPolicy);
    if (slaPolicy != null) {
      b.slaPolicy(slaPolicy);
    }
    if (restartPolicy != null) {
      b.restartPolicy(restartPolicy);
    }
    if (healthCheck != null) {
      ImmutableHealthCheck h = ImmutableHealthCheck.copyOf(healthCheck);
      if (h.path().isPresent()) {
        h = h.withPath(r.resolve(h.path().get(), "task.healthCheck.path"));
      }
      if (h.command().isPresent()) {
        h = h.withCommand(r.resolve(h.command().get(), "task.healthCheck.command"));
      }
      b.healthCheck(h);
    }
    if (announce != null) {
      b.announce(Announce.of(announce.primaryPort(), r.resolve(announce.zkPath(), "task.announce.zkPath")));
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      b.putMetadata(e.getKey(), r.resolve(e.getValue(), "task.metadata." + e.getKey()));
    }
    if (container != null) {
      b.container(r.resolve(container, "task.container"));
    }
    b.processOrders(processOrders);
    if (sequential != null) {
      b.sequential(sequential);
    }
    if (finalizationWait != null) {
      b.finalizationWait(finalizationWait);
    }
    if (killGracePeriod != null) {
      b.killGracePeriod(killGracePeriod);
    }
    if (httpLifecycle != null) {
      b.httpLifecycle(httpLifecycle);
    }
    b.maxFailures(maxFailures).maxConcurrency(maxConcurrency);
    if (logger != null) {
      b.logger(logger);
    }
    return b.build();
  }

  /** Resolves the template variables of one string, recording problems under its path. */
  interface Resolver {
    String resolve(String text, String path);
  }
}
