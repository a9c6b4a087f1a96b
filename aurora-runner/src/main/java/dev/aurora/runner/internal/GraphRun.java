package dev.aurora.runner.internal;

import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.ProcessConfig;
import dev.aurora.runner.ProcessReport;
import dev.aurora.runner.ProcessStarter;
import dev.aurora.runner.ProcessStarter.RunningProcess;
import dev.aurora.runner.ProcessState;
import dev.aurora.runner.RunSpec;
import dev.aurora.runner.RunnerListener;
import dev.aurora.runner.TaskOutcome;
import dev.aurora.runner.TaskRun;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's graph being run. Every change of its state happens on {@code loop}, one at a time:
 * process exits, wake-ups for a restart after {@code minDuration}, the kill and its timers.
 *
 * <p>Phases: ACTIVE (non-finalizers start as their orders allow, until the task succeeds, fails or is
 * killed), STOPPING (what still runs is stopped: the HTTP lifecycle first on a kill, then SIGTERM, the
 * grace period, SIGKILL), FINALIZING (the finalizers run, within the finalization wait), DONE.
 */
public final class GraphRun implements TaskRun {
  private static final Logger LOG = LoggerFactory.getLogger(GraphRun.class);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private enum Phase { ACTIVE, STOPPING, FINALIZING, DONE }

  /** One process of the graph. */
  private final class Slot {
    final ProcessConfig config;
    final Set<String> waitsFor = new HashSet<>();
    ProcessState state = ProcessState.WAITING;
    int runs;
    int failures;
    @Nullable Instant startedAt;
    @Nullable Instant endedAt;
    @Nullable Instant notBefore;
    @Nullable RunningProcess handle;
    @Nullable ScheduledFuture<?> wake;
    boolean stopped;
    OptionalInt lastExit = OptionalInt.empty();
    String failure = "";
    ProcessReport report;

    Slot(ProcessConfig config) {
      this.config = config;
      this.report = new ProcessReport(config.name(), 0, ProcessState.WAITING, OptionalLong.empty(),
          OptionalInt.empty(), Optional.empty(), Optional.empty(), "");
    }

    String name() {
      return config.name();
    }

    /** Neither ephemeral, daemon nor finalizer: its success is needed for the task's. */
    boolean regular() {
      return !config.ephemeral() && !config.daemon() && !config.finalizer();
    }

    void report(String message) {
      report = new ProcessReport(name(), runs, state,
          handle == null ? report.pid() : OptionalLong.of(handle.pid()), lastExit,
          Optional.ofNullable(startedAt), Optional.ofNullable(endedAt), message);
      listener.processChanged(report);
    }
  }

  private final RunSpec spec;
  private final ProcessStarter starter;
  private final RunnerListener listener;
  private final ScheduledExecutorService loop;
  private final boolean ownLoop;
  private final Map<String, Slot> slots = new LinkedHashMap<>();
  private final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();

  // on the loop only
  private Phase phase = Phase.ACTIVE;
  private TaskOutcome.State endState = TaskOutcome.State.SUCCEEDED;
  private String endMessage = "";
  private boolean forced;
  private int pendingStops;
  /** The grace between SIGTERM and SIGKILL of the kill in progress: the spec's unless the kill named one. */
  private @Nullable Duration killGrace;
  private boolean detached;
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();
  private @Nullable String lastRegularSuccess;
  private @Nullable String lastFailed;
  private final ProcessOutput output;

  private GraphRun(RunSpec spec, ProcessStarter starter, RunnerListener listener,
      @Nullable ScheduledExecutorService loop) {
    this.spec = spec;
    this.starter = starter;
    this.listener = listener;
    this.ownLoop = loop == null;
    this.output = new ProcessOutput(spec.sandbox());
    this.loop = loop != null ? loop : Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aurora-runner");
      t.setDaemon(true);
      return t;
    });
    for (ProcessConfig p : spec.processes()) {
      slots.put(p.name(), new Slot(p));
    }
    for (List<String> order : spec.processOrders()) {
      for (int i = 1; i < order.size(); i++) {
        Slot s = slots.get(order.get(i));
        if (s != null && slots.containsKey(order.get(i - 1))) {
          s.waitsFor.add(order.get(i - 1));
        }
      }
    }
    if (spec.sequential()) {
      String lastRegular = null;
      String lastFinalizer = null;
      for (Slot s : slots.values()) {
        if (s.regular()) {
          if (lastRegular != null) {
            s.waitsFor.add(lastRegular);
          }
          lastRegular = s.name();
        } else if (s.config.finalizer()) {
          if (lastFinalizer != null) {
            s.waitsFor.add(lastFinalizer);
          }
          lastFinalizer = s.name();
        }
      }
    }
  }

  /** Creates a run and starts it on the loop. */
  public static GraphRun start(RunSpec spec, ProcessStarter starter, RunnerListener listener,
      @Nullable ScheduledExecutorService loop) {
    GraphRun run = new GraphRun(spec, starter, listener, loop);
    run.loop.execute(run::begin);
    return run;
  }

  /** Runs {@code work} on the loop; nothing when the run is over (its own loop is shut down then). */
  private void onLoop(Runnable work) {
    try {
      loop.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("the run is over: ignoring a late call");
    }
  }

  @Override
  public void kill() {
    onLoop(() -> {
      if (phase == Phase.ACTIVE) {
        beginStop(TaskOutcome.State.KILLED, "killed on request", true);
      }
    });
  }

  @Override
  public void kill(Duration gracePeriod) {
    java.util.Objects.requireNonNull(gracePeriod, "gracePeriod");
    if (gracePeriod.isNegative()) {
      throw new IllegalArgumentException("gracePeriod: negative: " + gracePeriod);
    }
    onLoop(() -> {
      if (phase == Phase.ACTIVE) {
        killGrace = gracePeriod;
        beginStop(TaskOutcome.State.KILLED, "killed on request", true);
      }
    });
  }

  @Override
  public void detach() {
    onLoop(() -> {
      if (phase != Phase.DONE) {
        detached = true;
        phase = Phase.DONE;
        output.close();
        timers.forEach(t -> t.cancel(false));
        slots.values().forEach(s -> {
          if (s.wake != null) {
            s.wake.cancel(false);
          }
        });
        if (ownLoop) {
          loop.shutdown();
        }
      }
    });
  }

  @Override
  public CompletableFuture<TaskOutcome> outcome() {
    return outcome;
  }

  @Override
  public List<ProcessReport> processes() {
    CompletableFuture<List<ProcessReport>> f = new CompletableFuture<>();
    try {
      loop.execute(() -> f.complete(slots.values().stream().map(s -> s.report).toList()));
      return f.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return slots.values().stream().map(s -> s.report).toList(); // the run is over: nothing changes them
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the processes of the run", e);
    }
  }

  private void begin() {
    if (slots.values().stream().noneMatch(s -> !s.config.finalizer())) {
      beginStop(TaskOutcome.State.FAILED, "the task has no process to run", false);
      return;
    }
    step();
  }

  /** Starts what may start now and sees whether the phase is over. */
  private void step() {
    if (phase == Phase.ACTIVE) {
      for (Slot s : slots.values()) {
        if (phase != Phase.ACTIVE) {
          return;
        }
        if (!s.config.finalizer() && s.state == ProcessState.WAITING && s.handle == null && ready(s)
            && hasRoom()) {
          startOrWait(s);
        }
      }
      if (phase != Phase.ACTIVE) {
        return;
      }
      List<Slot> failed = slots.values().stream()
          .filter(s -> !s.config.finalizer() && s.state == ProcessState.FAILED).toList();
      int maxFailures = spec.maxFailures();
      if (!failed.isEmpty() && maxFailures > 0 && failed.size() >= maxFailures) {
        String last = failed.stream().filter(s -> s.name().equals(lastFailed)).findFirst().orElse(failed.get(0)).failure;
        beginStop(TaskOutcome.State.FAILED, maxFailures == 1 ? last
            : last + "; " + failed.size() + " processes have failed, the task's maxFailures " + maxFailures, false);
        return;
      }
      Optional<String> never = markBlocked();
      List<Slot> regular = slots.values().stream().filter(Slot::regular).toList();
      if (regular.isEmpty() || !regular.stream().allMatch(s -> s.state.terminal() && s.handle == null)) {
        return;
      }
      if (never.isPresent()) {
        beginStop(TaskOutcome.State.FAILED, never.get(), false);
      } else if (failed.isEmpty()) {
        beginStop(TaskOutcome.State.SUCCEEDED,
            "process '" + lastRegularSuccess + "' exited 0, the last of " + regular.size(), false);
      } else {
        long succeeded = regular.stream().filter(s -> s.state == ProcessState.SUCCESS).count();
        beginStop(TaskOutcome.State.SUCCEEDED, "the task's " + regular.size() + " processes have ended: "
            + succeeded + " succeeded, " + failed.size() + " failed, within the task's maxFailures "
            + (maxFailures == 0 ? "0 (no limit)" : Integer.toString(maxFailures)), false);
      }
    } else if (phase == Phase.FINALIZING) {
      for (Slot s : slots.values()) {
        if (s.config.finalizer() && s.state == ProcessState.WAITING && s.handle == null) {
          Optional<String> blocked = s.waitsFor.stream()
              .filter(n -> slots.get(n).state == ProcessState.FAILED || slots.get(n).state == ProcessState.KILLED)
              .findFirst();
          if (blocked.isPresent()) {
            s.state = ProcessState.KILLED;
            s.report("not run: '" + blocked.get() + "', which it follows, did not succeed");
          } else if (ready(s) && hasRoom()) {
            startOrWait(s);
          }
        }
      }
      boolean done = slots.values().stream().filter(s -> s.config.finalizer())
          .allMatch(s -> s.state.terminal() && s.handle == null);
      if (done) {
        finish();
      }
    }
  }

  /**
   * In ACTIVE: a regular process that waits for one that failed for good (or, in turn, was never run)
   * can never run; it ends KILLED, "not run". Returns why the first of them never ran, if any.
   */
  private Optional<String> markBlocked() {
    Optional<String> first = Optional.empty();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Slot s : slots.values()) {
        if (s.config.finalizer() || s.state != ProcessState.WAITING || s.handle != null) {
          continue;
        }
        Optional<Slot> blocker = s.waitsFor.stream().map(slots::get)
            .filter(w -> w.state == ProcessState.FAILED || w.state == ProcessState.KILLED).findFirst();
        if (blocker.isPresent()) {
          if (s.wake != null) {
            s.wake.cancel(false);
          }
          s.state = ProcessState.KILLED;
          String why = "'" + blocker.get().name() + "', which it follows, "
              + (blocker.get().state == ProcessState.FAILED ? "failed" : "never ran");
          s.report("not run: " + why);
          if (first.isEmpty() && s.regular()) {
            first = Optional.of("process '" + s.name() + "' can never run: " + why);
          }
          changed = true;
        }
      }
    }
    return first;
  }

  /** Whether one more process may start now, under the task's maxConcurrency. */
  private boolean hasRoom() {
    return spec.maxConcurrency() == 0
        || slots.values().stream().filter(x -> x.handle != null).count() < spec.maxConcurrency();
  }

  private boolean ready(Slot s) {
    return s.waitsFor.stream().allMatch(n -> slots.get(n).state == ProcessState.SUCCESS);
  }

  private void startOrWait(Slot s) {
    Instant now = Instant.now();
    if (s.notBefore != null && now.isBefore(s.notBefore)) {
      if (s.wake == null || s.wake.isDone()) {
        s.wake = loop.schedule(this::step, Duration.between(now, s.notBefore).toNanos(), TimeUnit.NANOSECONDS);
      }
      return;
    }
    launch(s);
  }

  private void launch(Slot s) {
    s.runs++;
    s.startedAt = Instant.now();
    s.endedAt = null;
    s.notBefore = null;
    s.lastExit = OptionalInt.empty();
    s.stopped = false;
    ProcessConfig p = s.config;
    Path dir = p.workingDirectory().map(spec.sandbox()::resolve).orElse(spec.sandbox());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      runFailed(s, "process '" + p.name() + "': cannot make its working directory " + dir + ": " + describe(e));
      return;
    }
    Map<String, String> env = new LinkedHashMap<>(spec.environment());
    env.putAll(p.environment());
    ProcessOutput.Stream out = output.open(p.name(), s.runs, false, spec.loggerOf(p), spec.stdout(p.name()));
    ProcessOutput.Stream err = output.open(p.name(), s.runs, true, spec.loggerOf(p), spec.stderr(p.name()));
    RunningProcess handle;
    try {
      handle = starter.start(new ProcessStarter.Launch(p, s.runs, dir, env, out.target, err.target));
    } catch (IOException | RuntimeException e) {
      runFailed(s, "process '" + p.name() + "' could not start: "
          + (e instanceof IOException io ? describe(io) : e.toString()));
      return;
    } finally {
      out.started();
      err.started();
    }
    // the exit is seen once what the run wrote has been copied (bounded: a child may keep the pipe open)
    CompletableFuture<Void> drained = CompletableFuture.allOf(out.drained, err.drained)
        .completeOnTimeout(null, 2, TimeUnit.SECONDS);
    s.handle = handle;
    s.state = ProcessState.RUNNING;
    s.report("started as pid " + handle.pid() + (s.runs > 1 ? ", run " + s.runs : ""));
    handle.onExit().handle((code, error) -> code == null ? -1 : code)
        .thenCompose(code -> drained.thenApply(v -> code))
        .whenCompleteAsync((code, error) -> exited(s, handle, code == null ? -1 : code), loop);
  }

  /** A run that could not even start: a failure with no exit code. */
  private void runFailed(Slot s, String message) {
    s.endedAt = Instant.now();
    s.failures++;
    afterFailure(s, message);
    loop.execute(this::step);
  }

  private void exited(Slot s, RunningProcess handle, int code) {
    if (s.handle != handle || detached) {
      return;
    }
    s.handle = null;
    s.endedAt = Instant.now();
    s.lastExit = OptionalInt.of(code);
    if (phase == Phase.DONE) {
      return;
    }
    boolean stopping = s.stopped || (phase == Phase.STOPPING && !s.config.finalizer());
    if (stopping) {
      s.state = ProcessState.KILLED;
      s.report("stopped (exit " + code + ")");
      checkStopped();
      step();
      return;
    }
    boolean mayRunAgain = phase == Phase.ACTIVE || (phase == Phase.FINALIZING && s.config.finalizer());
    if (code == 0) {
      if (s.config.daemon() && mayRunAgain) {
        s.state = ProcessState.WAITING;
        s.notBefore = s.startedAt.plus(s.config.minDuration());
        s.report("exited 0; a daemon, run again");
      } else {
        s.state = ProcessState.SUCCESS;
        if (s.regular()) {
          lastRegularSuccess = s.name();
        }
        s.report("exited 0");
      }
    } else {
      s.failures++;
      afterFailure(s, failure(s, code));
    }
    step();
  }

  /** Counts a failed run: the process runs again if it has failures left, or has failed for good. */
  private void afterFailure(Slot s, String message) {
    boolean mayRunAgain = phase == Phase.ACTIVE || (phase == Phase.FINALIZING && s.config.finalizer());
    int max = s.config.maxFailures();
    if (mayRunAgain && (max == 0 || s.failures < max)) {
      s.state = ProcessState.WAITING;
      s.notBefore = s.startedAt.plus(s.config.minDuration());
      s.report(message + "; failure " + s.failures + (max == 0 ? "" : " of " + max) + ", run again");
    } else {
      s.state = ProcessState.FAILED;
      if (!s.config.finalizer()) {
        lastFailed = s.name();
      }
      s.failure = message + (s.failures > 1 ? " (failed " + s.failures + " times)" : "");
      s.report(s.failure);
    }
  }

  /**
   * The task's end is decided: stop every non-finalizer that still runs (a kill goes through the HTTP
   * lifecycle first), then finalize.
   */
  private void beginStop(TaskOutcome.State state, String message, boolean kill) {
    phase = Phase.STOPPING;
    endState = state;
    endMessage = message;
    for (Slot s : slots.values()) {
      if (!s.config.finalizer() && s.wake != null) {
        s.wake.cancel(false);
      }
      if (!s.config.finalizer() && s.handle == null && s.state == ProcessState.WAITING) {
        s.state = ProcessState.KILLED;
        s.report(s.runs == 0 ? "not run: the task ended" : "not run again: the task ended");
      }
    }
    Optional<HttpLifecycle> http = spec.httpLifecycle();
    if (kill && http.isPresent() && running() > 0) {
      Integer port = spec.ports().get(http.get().port());
      if (port == null) {
        LOG.warn("the HTTP lifecycle's port '{}' is not a port of the task: skipping it", http.get().port());
      } else {
        CompletableFuture<Void> quit = post(port, http.get().gracefulShutdownEndpoint());
        timers.add(loop.schedule(() -> {
          if (phase == Phase.STOPPING && running() > 0) {
            // the abort goes only after the quit request is done, so the task sees them in order
            quit.whenCompleteAsync((v, e) -> {
              if (phase != Phase.STOPPING || running() == 0) {
                return;
              }
              post(port, http.get().shutdownEndpoint());
              timers.add(loop.schedule(() -> {
                if (phase == Phase.STOPPING) {
                  stopRunning();
                }
              }, http.get().shutdownWait().toNanos(), TimeUnit.NANOSECONDS));
            }, loop);
          }
        }, http.get().gracefulShutdownWait().toNanos(), TimeUnit.NANOSECONDS));
        return;
      }
    }
    stopRunning();
  }

  private long running() {
    return slots.values().stream().filter(s -> !s.config.finalizer() && s.handle != null).count();
  }

  private void stopRunning() {
    for (Slot s : slots.values()) {
      if (!s.config.finalizer() && s.handle != null) {
        stop(s, killGrace != null ? killGrace : spec.killGracePeriod());
      }
    }
    checkStopped();
  }

  private void stop(Slot s, Duration grace) {
    s.stopped = true;
    pendingStops++;
    s.handle.stop(grace).whenCompleteAsync((f, e) -> {
      pendingStops--;
      if (Boolean.TRUE.equals(f)) {
        forced = true;
      }
      checkStopped();
      step();
    }, loop);
  }

  /** In STOPPING: once nothing runs and no stop is pending, the finalizers' turn. */
  private void checkStopped() {
    if (phase != Phase.STOPPING || running() > 0 || pendingStops > 0) {
      return;
    }
    timers.forEach(t -> t.cancel(false));
    timers.clear();
    phase = Phase.FINALIZING;
    if (slots.values().stream().anyMatch(s -> s.config.finalizer())) {
      timers.add(loop.schedule(this::finalizationOver, spec.finalizationWait().toNanos(), TimeUnit.NANOSECONDS));
    }
    loop.execute(this::step);
  }

  /** The finalization wait is over: kill the finalizers still running; those not started never will. */
  private void finalizationOver() {
    if (phase != Phase.FINALIZING) {
      return;
    }
    for (Slot s : slots.values()) {
      if (!s.config.finalizer() || s.state.terminal()) {
        continue;
      }
      if (s.wake != null) {
        s.wake.cancel(false);
      }
      if (s.handle != null) {
        s.stopped = true;
        s.handle.stop(Duration.ZERO);
      } else {
        s.state = ProcessState.KILLED;
        s.report("not run: the finalization wait of " + spec.finalizationWait().toMillis() + " ms is over");
      }
    }
    step();
  }

  private void finish() {
    phase = Phase.DONE;
    output.close();
    timers.forEach(t -> t.cancel(false));
    TaskOutcome result = new TaskOutcome(endState, endMessage, forced);
    try {
      listener.taskEnded(result);
    } finally {
      outcome.complete(result);
      if (ownLoop) {
        loop.shutdown();
      }
    }
  }

  /** Sends a POST; completes (never exceptionally) when it is answered or has failed. */
  private CompletableFuture<Void> post(int port, String path) {
    URI uri = URI.create("http://127.0.0.1:" + port + path);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((r, e) -> {
      if (e != null) {
        LOG.info("POST {} failed: {}", uri, e.toString());
      } else if (r.statusCode() / 100 != 2) {
        LOG.info("POST {} answered {}", uri, r.statusCode());
      }
      return null;
    });
  }

  private String failure(Slot s, int code) {
    String what;
    if (code == 127) {
      what = "failed: command not found (exit 127)";
    } else if (code == 126) {
      what = "failed: command not executable (exit 126)";
    } else if (code > 128 && code < 128 + 65) {
      what = "was killed by signal " + (code - 128) + " (exit " + code + ")";
    } else {
      what = "exited with code " + code;
    }
    String last = lastLine(spec.stderr(s.name()));
    return "process '" + s.name() + "' " + what + (last.isEmpty() ? "" : ": " + last);
  }

  /** The last non-blank line of a file, at most 300 characters; empty if none. */
  static String lastLine(Path file) {
    if (!Files.exists(file)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long from = Math.max(0, f.length() - 4096);
      byte[] tail = new byte[(int) (f.length() - from)];
      f.seek(from);
      f.readFully(tail);
      String[] lines = new String(tail, StandardCharsets.UTF_8).split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String line = lines[i].strip();
        if (!line.isEmpty()) {
          return line.length() > 300 ? line.substring(0, 300) + "..." : line;
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot read {}", file, e);
    }
    return "";
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

}
