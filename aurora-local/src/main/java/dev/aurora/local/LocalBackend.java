package dev.aurora.local;

import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.PortRange;
import dev.aurora.core.TaskLaunch;
import dev.aurora.local.internal.AgentSpec;
import dev.aurora.local.internal.BackendConfig;
import dev.aurora.local.internal.LocalCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ClusterBackend} that runs tasks as real processes on this machine, split into virtual
 * agents: the embedded default. Each agent offers its share of the machine's cpus, memory and disk
 * and a port range of its own; each task runs in a sandbox directory, its processes one after
 * another with {@code sh -c} (which {@code exec}s a command that is one program, so the process is the
 * program itself: see {@link #pid(TaskId)}), in process groups of their own so that a kill reaches everything
 * they spawned. Health checks and a memory limit are enforced here. No process outlives {@link #close()}
 * or the JVM, and a backend started on the sandbox root of one that died reaps its orphans; unless
 * {@link Builder#keepTasksOnClose(boolean)} is set, under which tasks outlive a restart of the
 * embedding JVM (a clean one or a {@code kill -9}) and the next backend adopts those its scheduler
 * knows.
 *
 * <p>As Mesos does, an agent may have several outstanding offers, each reserving the resources it
 * carries; resources that come back are offered as a new offer, and no outstanding offer is ever
 * rescinded for it.
 *
 * <pre>{@code
 * try (LocalBackend backend = LocalBackend.builder()
 *     .agents(2)
 *     .sandboxRoot(Path.of("sandboxes"))
 *     .killGracePeriod(Duration.ofSeconds(2))
 *     .build()) {
 *   backend.start(listener);
 *   ...
 * }
 * }</pre>
 *
 * <p>Needs a POSIX system with {@code sh}; {@code setsid} and {@code /proc} are used where present.
 */
public final class LocalBackend implements ClusterBackend {
  private final LocalCluster cluster;
  private final dev.aurora.local.internal.SandboxOutput output;

  LocalBackend(BackendConfig config) {
    this.cluster = new LocalCluster(config);
    this.output = new dev.aurora.local.internal.SandboxOutput(cluster::sandbox, cluster::processes);
  }

  /** Starts describing a local backend; every option has a default. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Locks the sandbox root for this backend, reaps orphans of an earlier backend there (reporting
   * each {@code LOST}, which may take up to the kill grace period) and offers every agent. With
   * {@link Builder#keepTasksOnClose(boolean)}, tasks an earlier backend left running are not reaped
   * here: their resources are held, and the next {@link #reconcile} adopts or ends them.
   *
   * @throws IllegalStateException if this backend was started before, or another backend uses the
   *     sandbox root
   * @throws java.io.UncheckedIOException if the sandbox root cannot be made or read
   */
  @Override
  public void start(BackendListener listener) {
    cluster.start(java.util.Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Starts {@code tasks} on the agent of {@code offerIds} with the resources of exactly those offers;
   * what the tasks leave of them is offered again as a new offer, and the agent's other offers stay
   * valid. Each task is reported STARTING, then RUNNING once its first process runs; a task is
   * reported LOST if an offer is not valid or its resources do not fit in the offers, and FAILED if
   * its ports cannot be had from the offers. Named ports the launch leaves out are given the lowest
   * free ports of those offers.
   */
  @Override
  public void launch(List<String> offerIds, List<TaskLaunch> tasks) {
    cluster.launch(offerIds, tasks);
  }

  /**
   * Withdraws an offer: its resources are held back for {@code refuseFor}, as by Mesos' refusal
   * filter. The agent offers them alone only when the refusal ends, but offers them at once together
   * with anything more that becomes free there meanwhile (a task ends, a launch leaves resources over),
   * so a task's replacement never waits for the refusal. The agent's other outstanding offers stay
   * valid.
   */
  @Override
  public void decline(String offerId, Duration refuseFor) {
    cluster.decline(offerId, refuseFor);
  }

  /**
   * Sends SIGTERM to every process of the task, then SIGKILL after the grace period to whatever is
   * left; the task is reported KILLED once all are gone.
   */
  @Override
  public void kill(TaskId taskId) {
    cluster.kill(taskId);
  }

  /**
   * Reports the status of every task it runs; for each of {@code known} it does not run, the status
   * the task ended with here (an orphan's LOST) if it remembers one, or LOST. The first call after
   * {@link #start} with {@link Builder#keepTasksOnClose(boolean)} adopts each task left running by an
   * earlier backend whose id is in {@code known} (reported RUNNING), and ends the others (LOST).
   */
  @Override
  public void reconcile(Set<TaskId> known) {
    cluster.reconcile(Set.copyOf(known));
  }

  /**
   * Refuses a task with a {@link dev.aurora.api.TaskConfig#container() container} unless the backend
   * was built with a {@link Builder#containerRuntime container runtime}.
   */
  @Override
  public Optional<String> cannotRun(dev.aurora.api.TaskConfig config) {
    return cluster.cannotRun(config);
  }

  /**
   * Where a task's sandbox is: while it runs, and after it ended until the sandbox retention deletes
   * it. Empty for a task it does not know, or one whose sandbox is not made yet.
   */
  public Optional<Path> sandbox(TaskId taskId) {
    return cluster.sandbox(taskId);
  }

  /**
   * Each process's standard output and error, read from the task's sandbox ({@code <process>.stdout}
   * and {@code <process>.stderr}) while it runs and until the sandbox retention deletes it.
   */
  @Override
  public Optional<dev.aurora.core.TaskOutput> taskOutput() {
    return Optional.of(output);
  }

  /**
   * The latest state of each of a task's processes, as the task runner reported it (state, run, pid,
   * exit code, start and end times), in the order the task lists them; a process not started yet is
   * left out. Known while the task runs and for a while after it ended (as its end status is); empty
   * for a task it does not know. Every change is also appended to the sandbox's {@code
   * .aurora/processes}.
   */
  public java.util.List<dev.aurora.runner.ProcessReport> processes(TaskId taskId) {
    return cluster.processes(taskId);
  }

  /**
   * The pid of the process a task runs now: the user's program itself when its command is one
   * program with its arguments (the {@code sh -c} wrapper {@code exec}s it), or else the {@code sh}
   * that runs the command line (a list, a pipe, a redirection...), whose children are the command's
   * processes. It leads the process group that a kill signals. Empty for a task this backend does not
   * run now: unknown, ended, or between two of its processes. The task's {@code RUNNING} report names
   * its first process's pid too ({@code process 'server' started on local-0 as pid 4242}).
   */
  public OptionalLong pid(TaskId taskId) {
    return cluster.pid(taskId);
  }

  /**
   * Stops offering and reporting, and ends every process it started: SIGTERM, the grace period,
   * SIGKILL. Returns when they are gone. With {@link Builder#keepTasksOnClose(boolean)} it leaves them
   * running instead, for the next backend on the sandbox root to adopt. Calling it again does
   * nothing.
   */
  @Override
  public void close() {
    cluster.close();
  }

  /**
   * Describes a {@link LocalBackend}: its agents, their resources, attributes and ports, where
   * sandboxes go and how long they stay, and how tasks are ended.
   */
  public static final class Builder {
    private static final long MIB = 1024 * 1024;
    /** Longer durations overflow the timers' nanoseconds. */
    private static final Duration LONGEST = Duration.ofDays(36500);

    private int agents = 4;
    private @Nullable Double cpusPerAgent;
    private @Nullable Long ramMbPerAgent;
    private @Nullable Long diskMbPerAgent;
    private int racks = 2;
    private int zones = 1;
    private final Map<Integer, Map<String, String>> attributes = new HashMap<>();
    private int portBase = 31000;
    private int portsPerAgent = 1000;
    private Path sandboxRoot =
        Path.of(System.getProperty("java.io.tmpdir"), "aurora-local-" + System.getProperty("user.name"));
    private Duration killGracePeriod = Duration.ofSeconds(5);
    private String containerRuntime;
    private Duration sandboxMaxAge = Duration.ofDays(1);
    private int sandboxMaxCount = 100;
    private Duration memoryCheckInterval = Duration.ofSeconds(3);
    private boolean keepTasksOnClose;

    private Builder() {}

    /** How many virtual agents ({@code local-0} ... {@code local-<n-1>}); 4 unless set. */
    public Builder agents(int count) {
      check(count > 0, "agents must be > 0, was %s", count);
      this.agents = count;
      return this;
    }

    /** Cpus each agent offers; by default the machine's cpus split evenly among the agents. */
    public Builder cpusPerAgent(double cpus) {
      check(cpus > 0, "cpusPerAgent must be > 0, was %s", cpus);
      this.cpusPerAgent = cpus;
      return this;
    }

    /** Memory in MiB each agent offers; by default half the machine's memory split evenly. */
    public Builder ramMbPerAgent(long ramMb) {
      check(ramMb > 0, "ramMbPerAgent must be > 0, was %s", ramMb);
      this.ramMbPerAgent = ramMb;
      return this;
    }

    /**
     * Disk in MiB each agent offers (a scheduling share; not enforced); by default half the free
     * space where the sandboxes go, split evenly.
     */
    public Builder diskMbPerAgent(long diskMb) {
      check(diskMb >= 0, "diskMbPerAgent must be >= 0, was %s", diskMb);
      this.diskMbPerAgent = diskMb;
      return this;
    }

    /** Into how many racks the agents are spread: agent i is in {@code rack-<i mod racks>}; 2 unless set. */
    public Builder racks(int count) {
      check(count > 0, "racks must be > 0, was %s", count);
      this.racks = count;
      return this;
    }

    /** Into how many zones the agents are spread: agent i is in {@code zone-<i mod zones>}; 1 unless set. */
    public Builder zones(int count) {
      check(count > 0, "zones must be > 0, was %s", count);
      this.zones = count;
      return this;
    }

    /**
     * Gives agent {@code agent} (0-based) an attribute, or overrides its {@code rack} or {@code zone};
     * for example {@code attribute(3, "dedicated", "www-data/hello")}.
     */
    public Builder attribute(int agent, String name, String value) {
      check(agent >= 0, "agent must be >= 0, was %s", agent);
      check(name != null && !name.isBlank(), "attribute name must not be blank, was %s", name);
      check(value != null, "attribute %s must have a value", name);
      attributes.computeIfAbsent(agent, a -> new LinkedHashMap<>()).put(name, value);
      return this;
    }

    /**
     * The first port of agent 0's range; agent i offers {@code portBase + i * portsPerAgent} and the
     * {@code portsPerAgent - 1} ports after it. 31000 unless set.
     */
    public Builder portBase(int port) {
      check(port >= 1 && port <= 65535, "portBase must be in 1..65535, was %s", port);
      this.portBase = port;
      return this;
    }

    /** How many ports each agent offers (0: none); 1000 unless set. */
    public Builder portsPerAgent(int count) {
      check(count >= 0, "portsPerAgent must be >= 0, was %s", count);
      this.portsPerAgent = count;
      return this;
    }

    /**
     * The directory that holds every task's sandbox, one backend's at a time; {@code
     * <java.io.tmpdir>/aurora-local-<user.name>} unless set. A backend started on it ends the orphans
     * of an earlier one.
     */
    public Builder sandboxRoot(Path directory) {
      check(directory != null, "sandboxRoot must not be null, was %s", directory);
      this.sandboxRoot = directory;
      return this;
    }

    /** How long a killed task has between SIGTERM and SIGKILL; 5 seconds unless set. */
    public Builder killGracePeriod(Duration grace) {
      check(grace != null && !grace.isNegative() && grace.compareTo(LONGEST) <= 0,
          "killGracePeriod must be in 0..%s, was %s", LONGEST, grace);
      this.killGracePeriod = grace;
      return this;
    }

    /** How long an ended task's sandbox is kept; one day unless set. */
    public Builder sandboxMaxAge(Duration age) {
      check(age != null && !age.isNegative() && age.compareTo(LONGEST) <= 0,
          "sandboxMaxAge must be in 0..%s, was %s", LONGEST, age);
      this.sandboxMaxAge = age;
      return this;
    }

    /** How many ended tasks' sandboxes are kept at most (the oldest go first); 100 unless set. */
    public Builder sandboxMaxCount(int count) {
      check(count >= 0, "sandboxMaxCount must be >= 0, was %s", count);
      this.sandboxMaxCount = count;
      return this;
    }

    /**
     * How often each task's resident memory is measured against the memory it asked for; 3 seconds
     * unless set.
     */
    public Builder memoryCheckInterval(Duration interval) {
      check(interval != null && interval.toMillis() > 0 && interval.compareTo(LONGEST) <= 0,
          "memoryCheckInterval must be in 1ms..%s, was %s", LONGEST, interval);
      this.memoryCheckInterval = interval;
      return this;
    }

    /**
     * Whether tasks outlive this backend, as a Mesos agent's executors outlive a restart of the agent;
     * off unless set. On, {@link LocalBackend#close()} (and the shutdown hook) leaves every task's
     * processes running, and a backend started later on the same sandbox root with this setting on
     * adopts each task that its scheduler knows: at {@link LocalBackend#reconcile} such a task is
     * reported RUNNING, keeps its processes, pids and ports, and its health checks resume; a task left
     * running that the scheduler does not know is ended and reported LOST. The same holds after the
     * JVM was killed ({@code kill -9}): its tasks' processes run in sessions of their own and survive
     * it. Off, {@code close()} ends every task, and a later backend reaps whatever a dead one left.
     *
     * <p>An adopted task's end is seen, but not its exit code (only a process's parent learns it): it
     * ends FAILED, and a task of several processes does not go on to the next one.
     */
    public Builder keepTasksOnClose(boolean keep) {
      this.keepTasksOnClose = keep;
      return this;
    }

    /**
     * The container runtime command ({@code "podman"}, {@code "docker"}, or a path to either) that runs
     * tasks with a {@link dev.aurora.api.TaskConfig#container() container}: each process runs as
     * {@code <runtime> run --rm --network host -v <sandbox>:<sandbox> -w <dir> -e ... <image> sh -c
     * <command>}. Without one (the default) such tasks are refused: they stay pending with the reason
     * in {@code whyPending}, never run without their container.
     */
    public Builder containerRuntime(String command) {
      check(command != null && !command.isBlank(), "containerRuntime must name a command, was '%s'", command);
      this.containerRuntime = command;
      return this;
    }

    /**
     * The backend, with the defaults filled in from this machine.
     *
     * @throws IllegalArgumentException if the agents' port ranges would go past 65535
     */
    public LocalBackend build() {
      long lastPort = (long) portBase + (long) agents * portsPerAgent - 1;
      check(portsPerAgent == 0 || lastPort <= 65535,
          "ports of %s agents from %s, %s each, would go past 65535", agents, portBase, portsPerAgent);
      Integer unknown = attributes.keySet().stream().filter(a -> a >= agents).findFirst().orElse(null);
      check(unknown == null, "an attribute is given for agent %s, but agents go from 0 to %s", unknown, agents - 1);
      double cpus = cpusPerAgent != null ? cpusPerAgent
          : Math.max(0.001, Math.floor(Runtime.getRuntime().availableProcessors() * 1000.0 / agents) / 1000);
      long ramMb = ramMbPerAgent != null ? ramMbPerAgent : Math.max(1, machineMemoryMb() / 2 / agents);
      long diskMb = diskMbPerAgent != null ? diskMbPerAgent : Math.max(0, freeDiskMb(sandboxRoot) / 2 / agents);
      List<AgentSpec> specs = new ArrayList<>();
      for (int i = 0; i < agents; i++) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("rack", "rack-" + (i % racks));
        attrs.put("zone", "zone-" + (i % zones));
        attrs.putAll(attributes.getOrDefault(i, Map.of()));
        Optional<PortRange> ports = portsPerAgent == 0 ? Optional.empty()
            : Optional.of(PortRange.of(portBase + i * portsPerAgent, portBase + (i + 1) * portsPerAgent - 1));
        specs.add(new AgentSpec("local-" + i, "local-" + i, attrs, cpus, ramMb, diskMb, ports));
      }
      return new LocalBackend(new BackendConfig(specs, sandboxRoot.toAbsolutePath(), killGracePeriod,
          sandboxMaxAge, sandboxMaxCount, memoryCheckInterval, keepTasksOnClose, Optional.ofNullable(containerRuntime)));
    }

    private static long machineMemoryMb() {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
        return os.getTotalMemorySize() / MIB;
      }
      return 4096;
    }

    private static long freeDiskMb(Path directory) {
      Path existing = directory.toAbsolutePath();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      try {
        return existing == null ? 0 : Files.getFileStore(existing).getUsableSpace() / MIB;
      } catch (IOException e) {
        return 0;
      }
    }

    private static void check(boolean condition, String message, Object... args) {
      if (!condition) {
        throw new IllegalArgumentException(String.format(message, args));
      }
    }
  }
}
