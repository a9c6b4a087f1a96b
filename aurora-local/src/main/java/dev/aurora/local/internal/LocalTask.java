package dev.aurora.local.internal;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskId;
import dev.aurora.api.TaskVariables;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import dev.aurora.runner.ProcessReport;
import dev.aurora.runner.ProcessStarter;
import dev.aurora.runner.ProcessState;
import dev.aurora.runner.RunSpec;
import dev.aurora.runner.RunnerListener;
import dev.aurora.runner.TaskOutcome;
import dev.aurora.runner.TaskRun;
import dev.aurora.runner.TaskRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task on this machine, from launch to its end: makes its sandbox, runs its process graph with
 * the task runner ({@code aurora-runner}: order, parallel, daemons, finalizers, graceful shutdown),
 * watches its health and memory, and ends it. Whoever first decides the end (the runner: the graph
 * succeeded, failed or was killed; the memory limit; the backend closing) sets the outcome; the task's
 * process groups are then ended and the outcome reported once.
 */
final class LocalTask {
  private static final Logger LOG = LoggerFactory.getLogger(LocalTask.class);

  /** Why a task is being ended: its processes exited (or could not start), a kill, its memory, the backend. */
  private enum Ending { EXITED, KILLED, OVER_MEMORY, BACKEND_CLOSED, LEFT_RUNNING }

  private final TaskLaunch launch;
  private final Allocation allocation;
  private final LocalCluster cluster;
  private final List<ProcessConfig> processes;
  private final Map<String, String> environment;

  // guarded by this
  private Sandbox sandbox;
  private final List<ProcessGroup> groups = new ArrayList<>();
  private long pid = -1; // of the process running now, -1 if none
  private boolean running;
  private HealthMonitor health;
  private Ending ending;
  private TaskStatus outcome;
  private boolean ended;
  private TaskRun run; // null before start, for an adopted task, and when the task ended before a run
  private final List<ProcessReport> processReports = new ArrayList<>();

  LocalTask(TaskLaunch launch, Allocation allocation, LocalCluster cluster) {
    this.launch = launch;
    this.allocation = allocation;
    this.cluster = cluster;
    this.environment = environment(launch, allocation.ports());
    List<ProcessConfig> configured = launch.processes().isEmpty() ? launch.config().processes() : launch.processes();
    this.processes = configured.stream()
        .map(p -> (ProcessConfig) ProcessConfig.builder().from(p).command(resolve(p.command())).build())
        .toList();
  }

  TaskId id() {
    return launch.taskId();
  }

  Allocation allocation() {
    return allocation;
  }

  /** Makes the sandbox and starts the first process. */
  void start() {
    synchronized (this) {
      if (ending != null) {
        return;
      }
      try {
        sandbox = Sandbox.create(cluster.sandboxRoot(), id());
      } catch (IOException e) {
        end(Ending.EXITED, ScheduleStatus.FAILED,
            "cannot make the sandbox under " + cluster.sandboxRoot() + ": " + describe(e), Duration.ZERO);
        return;
      }
      if (processes.isEmpty()) {
        end(Ending.EXITED, ScheduleStatus.FAILED, "the task has no process to run", Duration.ZERO);
        return;
      }
      Optional<String> refused = cluster.cannotRun(launch.config());
      if (refused.isPresent()) { // never run a task without what it asked for (the scheduler does not place it)
        end(Ending.EXITED, ScheduleStatus.FAILED, refused.get(), Duration.ZERO);
        return;
      }
      try {
        sandbox.recordLaunch(LaunchRecord.of(launch, allocation));
      } catch (IOException e) {
        LOG.warn("task {}: cannot write its launch record; a later backend could not adopt it", id(), e);
      }
      RunSpec spec = RunSpec.of(launch.config(), processes, sandbox.dir(), environment, allocation.ports(),
          cluster.killGracePeriod());
      // on the agent's thread (this one), shared by its tasks: a task holds no thread of its own
      run = TaskRunner.start(spec, new Starter(), new Listener(), cluster.agentLoop(launch.agentId()));
    }
  }

  /** The kill grace period of this task: its own, or the backend's. */
  Duration grace() {
    return launch.config().killGracePeriod().orElse(cluster.killGracePeriod());
  }

  /** The latest state of each of the task's processes, as the runner reported it. */
  synchronized List<ProcessReport> processReports() {
    java.util.Map<String, ProcessReport> latest = new LinkedHashMap<>();
    processes.forEach(p -> latest.put(p.name(), null));
    processReports.forEach(r -> latest.put(r.process(), r));
    return latest.values().stream().filter(java.util.Objects::nonNull).toList();
  }

  /** Starts each run of a process through the backend's launcher: its own process group, recorded. */
  private final class Starter implements ProcessStarter {
    @Override
    public RunningProcess start(Launch l) throws IOException {
      ProcessLauncher.Started started;
      synchronized (LocalTask.this) {
        if (ending != null && ending != Ending.KILLED) {
          throw new IOException("the task is ending");
        }
        started = cluster.launcher().start(command(l), l.directory(), l.environment(),
            ProcessBuilder.Redirect.appendTo(l.stdout().toFile()), ProcessBuilder.Redirect.appendTo(l.stderr().toFile()));
        groups.add(started.group());
        pid = started.process().pid();
        try {
          sandbox.recordGroup(started.group());
        } catch (IOException e) {
          LOG.warn("task {}: cannot write the pid file; a later backend could not reap its processes", id(), e);
        }
      }
      Process process = started.process();
      ProcessGroup group = started.group();
      CompletableFuture<Integer> exit = process.onExit().thenApply(Process::exitValue);
      return new RunningProcess() {
        @Override
        public long pid() {
          return process.pid();
        }

        @Override
        public CompletableFuture<Integer> onExit() {
          return exit;
        }

        @Override
        public CompletableFuture<Boolean> stop(Duration grace) {
          return CompletableFuture.supplyAsync(
              () -> ProcessKiller.terminate(List.of(group), grace, process.onExit()), cluster.workers());
        }
      };
    }
  }

  /**
   * The command line of a run: the process's own, or, for a task with a container, the container
   * runtime running it in the image with the sandbox mounted at the same path, the host's network and
   * the process's environment.
   */
  private String command(ProcessStarter.Launch l) {
    Optional<String> image = launch.config().container();
    Optional<String> runtime = cluster.config().containerRuntime();
    if (image.isEmpty() || runtime.isEmpty()) {
      return l.process().command();
    }
    StringBuilder b = new StringBuilder("exec ").append(quote(runtime.get()))
        .append(" run --rm -i --network host --name ")
        .append(quote(("aurora-" + id().value() + "-" + l.process().name() + "-" + l.run()).replaceAll("[^A-Za-z0-9_.-]", "_")))
        .append(" -v ").append(quote(sandbox.dir() + ":" + sandbox.dir()))
        .append(" -w ").append(quote(l.directory().toString()));
    for (String name : l.environment().keySet()) {
      b.append(" -e ").append(quote(name));
    }
    return b.append(' ').append(quote(image.get())).append(" sh -c ").append(quote(l.process().command())).toString();
  }

  /** A runner's report as the scheduler keeps it with the task. */
  static dev.aurora.core.ProcessRecord record(ProcessReport r) {
    return new dev.aurora.core.ProcessRecord(r.process(), r.run(),
        dev.aurora.core.ProcessRecord.State.valueOf(r.state().name()),
        r.exitCode().isPresent() ? java.util.Optional.of(r.exitCode().getAsInt()) : java.util.Optional.empty(),
        r.startedAt(), r.endedAt(), r.message());
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** What the runner reports: the first start makes the task RUNNING; its end ends the task. */
  private final class Listener implements RunnerListener {
    @Override
    public void processChanged(ProcessReport report) {
      synchronized (LocalTask.this) {
        processReports.add(report);
        try {
          sandbox.recordProcess(java.time.Instant.now() + " " + report.process() + " run " + report.run() + " "
              + report.state() + report.pid().stream().mapToObj(p -> " pid " + p).findFirst().orElse("")
              + report.exitCode().stream().mapToObj(c -> " exit " + c).findFirst().orElse("")
              + report.startedAt().map(t -> " started " + t).orElse("")
              + report.endedAt().map(t -> " ended " + t).orElse("")
              + (report.message().isEmpty() ? "" : ": " + report.message()));
        } catch (IOException e) {
          LOG.debug("task {}: cannot record a process's state in its sandbox", id(), e);
        }
        if (report.state() == ProcessState.RUNNING) {
          pid = report.pid().orElse(-1);
          if (!running && ending == null) {
            running = true;
            cluster.reporter().status(TaskStatus.of(id(), ScheduleStatus.RUNNING, "process '" + report.process()
                + "' started on " + allocation.agentId() + " as pid " + pid));
            launch.config().healthCheck().ifPresent(LocalTask.this::watchHealth);
          }
        } else if (report.pid().isPresent() && report.pid().getAsLong() == pid) {
          pid = -1;
        }
        cluster.reporter().status(TaskStatus.processes(id(), List.of(record(report))));
      }
    }

    @Override
    public void taskEnded(TaskOutcome outcome) {
      runnerEnded(outcome);
    }
  }

  /**
   * The runner has ended the graph (its finalizers done): the task ends as the runner says, unless a
   * kill decided it already; anything its processes left running is ended, then the end reported.
   */
  private void runnerEnded(TaskOutcome outcome) {
    List<ProcessGroup> toEnd;
    synchronized (this) {
      if (ending == null) {
        ScheduleStatus state = switch (outcome.state()) {
          case SUCCEEDED -> ScheduleStatus.FINISHED;
          case FAILED -> ScheduleStatus.FAILED;
          case KILLED -> ScheduleStatus.KILLED;
        };
        decide(outcome.state() == TaskOutcome.State.KILLED ? Ending.KILLED : Ending.EXITED, state, outcome.message());
      } else if (ending != Ending.KILLED) {
        return; // ended by the memory limit or the backend, which end the processes themselves
      }
      toEnd = List.copyOf(groups);
    }
    Duration grace = grace();
    cluster.workers().execute(() -> finish(ProcessKiller.terminate(toEnd, grace) || outcome.forced()));
  }

  /**
   * A task an earlier backend on this sandbox root started and left running: its processes are
   * {@code groups}, process {@code current} of its launch runs. It is RUNNING at once, its health
   * checks resume, and its end is noticed when the process leading the last group exits.
   */
  static LocalTask adopt(LaunchRecord record, Allocation allocation, Sandbox sandbox, List<ProcessGroup> groups,
      LocalCluster cluster) {
    LocalTask task = new LocalTask(record.launch(), allocation, cluster);
    int current = Math.max(0, Math.min(groups.size(), task.processes.size()) - 1);
    synchronized (task) {
      task.sandbox = sandbox;
      task.groups.addAll(groups);
      task.running = true;
      task.launch.config().healthCheck().ifPresent(task::watchHealth);
    }
    ProcessGroup leader = groups.get(groups.size() - 1);
    ProcessHandle.of(leader.pgid()).map(ProcessHandle::onExit)
        .orElse(java.util.concurrent.CompletableFuture.completedFuture(null))
        .thenRunAsync(() -> task.adoptedExited(current), cluster.workers());
    return task;
  }

  /**
   * An adopted task's process exited. Its exit code is not known here (only a process's parent
   * learns it), so the task ends FAILED unless it is being ended anyway.
   */
  private void adoptedExited(int index) {
    end(Ending.EXITED, ScheduleStatus.FAILED, "process '" + processes.get(index).name()
        + "' exited after a restarted local backend adopted it; its exit code is known only to the backend"
        + " that started it", cluster.killGracePeriod());
  }

  /**
   * Leaves the task's processes running as the backend closes: its health checks stop, nothing is
   * reported or recorded, and the next backend on the sandbox root may adopt it.
   */
  synchronized void leaveRunning() {
    if (ending == null) {
      ending = Ending.LEFT_RUNNING;
      if (health != null) {
        health.stop();
      }
      if (run != null) {
        run.detach();
      }
    }
  }

  /** Whether the task was left running by {@link #leaveRunning()}. */
  synchronized boolean leftRunning() {
    return ending == Ending.LEFT_RUNNING;
  }

  /**
   * Ends the task on request: the runner asks its HTTP port to quit (with an HTTP lifecycle), then
   * SIGTERM, the task's grace period, SIGKILL, then runs its finalizers; it ends KILLED.
   */
  void kill() {
    TaskRun r;
    synchronized (this) {
      if (ending != null) {
        return;
      }
      if (run == null) {
        r = null;
      } else {
        decide(Ending.KILLED, ScheduleStatus.KILLED, "killed on request");
        r = run;
      }
    }
    if (r == null) {
      end(Ending.KILLED, ScheduleStatus.KILLED, "killed on request", grace());
    } else {
      r.kill();
    }
  }

  /**
   * Fails the task with SIGKILL if its processes hold more resident memory than it asked for (a task
   * that asked for no memory has no limit).
   */
  void checkMemory(ProcessTable table) {
    long limitMb = allocation.ramMb();
    List<ProcessGroup> watched;
    synchronized (this) {
      if (limitMb <= 0 || ending != null) {
        return;
      }
      watched = List.copyOf(groups);
    }
    long usedKb = table.rssKb(table.members(watched));
    if (usedKb > limitMb * 1024) {
      long usedMb = (usedKb + 1023) / 1024;
      LOG.info("task {} uses {} MiB of its {} MiB: killing it", id(), usedMb, limitMb);
      end(Ending.OVER_MEMORY, ScheduleStatus.FAILED,
          "memory limit exceeded: used " + usedMb + " MiB of " + limitMb + " MiB", Duration.ZERO);
    }
  }

  /**
   * Marks the task as ended by the closing backend and returns every process group it started, for
   * the backend to end together with all others.
   */
  synchronized List<ProcessGroup> closing() {
    if (ending == null) {
      decide(Ending.BACKEND_CLOSED, ScheduleStatus.KILLED, "killed: the local backend closed");
    }
    return List.copyOf(groups);
  }

  /** What the task is doing now, for reconciliation. */
  synchronized TaskStatus status() {
    if (ended) {
      return outcome;
    }
    if (!running) {
      return TaskStatus.of(id(), ScheduleStatus.STARTING, "starting on " + allocation.agentId());
    }
    Optional<Boolean> healthy = health == null ? Optional.empty() : health.healthy();
    return healthy.isPresent()
        ? TaskStatus.health(id(), healthy.get(), "running")
        : TaskStatus.of(id(), ScheduleStatus.RUNNING, "running");
  }

  /** The pid of the process the task runs now; empty before, between and after its processes. */
  synchronized OptionalLong pid() {
    return ended || pid < 0 ? OptionalLong.empty() : OptionalLong.of(pid);
  }

  synchronized Optional<Path> sandboxDir() {
    return Optional.ofNullable(sandbox).map(Sandbox::dir);
  }

  /**
   * Ends the task with {@code state} unless its end is decided already: stops its health checks,
   * ends its process groups on a worker ({@code grace} after SIGTERM; none: SIGKILL at once), then
   * reports.
   */
  private void end(Ending why, ScheduleStatus state, String message, Duration grace) {
    List<ProcessGroup> toEnd;
    synchronized (this) {
      if (ending != null) {
        return;
      }
      decide(why, state, message);
      toEnd = List.copyOf(groups);
    }
    cluster.workers().execute(() -> finish(ProcessKiller.terminate(toEnd, grace)));
  }

  private void decide(Ending why, ScheduleStatus state, String message) {
    ending = why;
    outcome = TaskStatus.of(id(), state, message);
    if (health != null) {
      health.stop();
    }
    if (run != null && why != Ending.KILLED && why != Ending.EXITED) {
      run.detach(); // the memory limit, or the backend closing or leaving it: they end the processes
    }
  }

  /** Records and reports the outcome, once, after the task's processes are gone. */
  void finish(boolean forced) {
    TaskStatus status;
    Sandbox done;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      if (forced && (ending == Ending.KILLED || ending == Ending.BACKEND_CLOSED)) {
        outcome = TaskStatus.of(id(), outcome.state(), outcome.message() + " (SIGKILL after the "
            + grace().toMillis() + " ms grace period)");
      }
      status = outcome;
      done = sandbox;
    }
    if (done != null) {
      try {
        done.recordEnd(status);
      } catch (IOException e) {
        LOG.warn("task {}: cannot record its end in its sandbox", id(), e);
      }
    }
    cluster.ended(this, status, Optional.ofNullable(done).map(Sandbox::dir));
  }

  private void watchHealth(HealthCheck check) {
    HealthMonitor.Probe probe = switch (check.type()) {
      case HTTP -> {
        String name = check.port().orElse("");
        Integer port = allocation.ports().get(name);
        yield port == null
            ? () -> new HealthMonitor.Result(false, "the task has no port named '" + name + "' to check")
            : new HttpProbe(cluster.httpClient(), port, resolve(check.path().orElse("/")), check.timeout());
      }
      case COMMAND -> new CommandProbe(cluster.launcher(), resolve(check.command().orElse("false")), sandbox,
          environment, check.timeout());
      case TCP -> {
        String name = check.port().orElse("");
        Integer port = allocation.ports().get(name);
        yield port == null
            ? () -> new HealthMonitor.Result(false, "the task has no port named '" + name + "' to check")
            : new TcpProbe(port, check.timeout());
      }
    };
    health = new HealthMonitor(id(), check, probe, cluster.timer(), cluster.workers(),
        status -> cluster.reporter().status(status));
    health.start();
  }

  private String resolve(String text) {
    return TaskVariables.resolve(text, launch.instance().instance(), id().value(),
        name -> allocation.ports().getOrDefault(name, -1));
  }

  /**
   * The environment of every process: the launch's, plus the {@code AURORA_*} variables the launch
   * left out.
   */
  private static Map<String, String> environment(TaskLaunch launch, Map<String, Integer> ports) {
    Map<String, String> env = new LinkedHashMap<>(launch.environment());
    env.putIfAbsent("AURORA_TASK_ID", launch.taskId().value());
    env.putIfAbsent("AURORA_INSTANCE", Integer.toString(launch.instance().instance()));
    env.putIfAbsent("AURORA_JOB", launch.instance().job().toString());
    ports.forEach((name, port) -> env.putIfAbsent(
        "AURORA_PORT_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"), Integer.toString(port)));
    return env;
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
