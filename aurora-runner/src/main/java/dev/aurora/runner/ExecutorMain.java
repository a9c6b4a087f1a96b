package dev.aurora.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskVariables;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The executor jar's main class: runs one task's process graph from a JSON description ({@link
 * ExecutorTask}) read from the file named by the first argument, or from stdin with {@code -}.
 *
 * <p>Writes one JSON object per line on stdout: {@code {"event":"process", ...}} for each {@link
 * ProcessReport} (fields {@code process, run, state, pid, exitCode, startedAt, endedAt, message}) and
 * {@code {"event":"ended","state":"SUCCEEDED|FAILED|KILLED","message":...,"forced":...}} last; the
 * output of processes whose logger writes to the console goes to stderr.
 * Exits 0 when the task succeeded, 1 when it failed, 3 when it was killed, 2 on a bad description.
 * SIGTERM (or SIGINT) kills the task gracefully (HTTP lifecycle, grace period, finalizers) before the
 * JVM exits. The Mesos backend runs it this way as a task's command under the Mesos command executor
 * ({@code MesosBackend.Builder.executor}).
 */
public final class ExecutorMain {
  private ExecutorMain() {}

  /**
   * Runs the task described by {@code args[0]} (a file, or {@code -} for stdin). Stdout carries only
   * the JSON events: anything else the JVM would print there, such as the output of a process whose
   * logger writes to the console ({@code ProcessLogger.console()}), goes to stderr.
   */
  public static void main(String[] args) {
    PrintStream events = System.out;
    System.setOut(System.err);
    System.exit(run(args, System.in, events, System.err));
  }

  /** {@link #main} without exiting: returns the exit code. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    if (args.length != 1) {
      err.println("usage: java -jar aurora-runner-executor.jar <task.json | ->");
      return 2;
    }
    ExecutorTask task;
    try {
      String json = args[0].equals("-") ? new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          : Files.readString(Path.of(args[0]));
      task = read(json);
    } catch (IOException | RuntimeException e) {
      err.println("cannot read the task description: " + e.getMessage());
      return 2;
    }
    ObjectMapper mapper = AuroraJson.newMapper().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    RunnerListener listener = new RunnerListener() {
      @Override
      public void processChanged(ProcessReport report) {
        ObjectNode line = mapper.createObjectNode().put("event", "process");
        line.setAll((ObjectNode) mapper.valueToTree(report));
        synchronized (out) {
          out.println(line);
          out.flush();
        }
      }

      @Override
      public void taskEnded(TaskOutcome outcome) {
        ObjectNode line = mapper.createObjectNode().put("event", "ended");
        line.setAll((ObjectNode) mapper.valueToTree(outcome));
        synchronized (out) {
          out.println(line);
          out.flush();
        }
      }
    };
    Path sandbox = Path.of(task.sandbox().orElse(".")).toAbsolutePath();
    TaskRun run = TaskRunner.start(spec(task, sandbox), ProcessStarter.shell(), listener);
    Thread hook = new Thread(() -> {
      run.kill();
      TaskOutcome ended;
      try {
        ended = run.outcome().get(10, TimeUnit.MINUTES);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        return; // exiting anyway, as the signal says
      }
      out.flush();
      // the JVM would exit 128 + the signal's number; the documented code says how the task ended
      Runtime.getRuntime().halt(exitCode(ended));
    }, "aurora-executor-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    TaskOutcome outcome;
    try {
      outcome = run.outcome().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      run.kill();
      return 3;
    } catch (ExecutionException e) {
      err.println("the runner failed: " + e.getCause());
      return 1;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is exiting already
    }
    return exitCode(outcome);
  }

  private static int exitCode(TaskOutcome outcome) {
    return switch (outcome.state()) {
      case SUCCEEDED -> 0;
      case FAILED -> 1;
      case KILLED -> 3;
    };
  }

  /** Reads a task description, strictly (an unknown field is an error). */
  public static ExecutorTask read(String json) throws IOException {
    return AuroraJson.newMapper().readValue(json, ExecutorTask.class);
  }

  /** The run of a description: task variables resolved, the {@code AURORA_*} variables added. */
  static RunSpec spec(ExecutorTask task, Path sandbox) {
    List<ProcessConfig> processes = task.task().processes().stream()
        .map(p -> (ProcessConfig) ProcessConfig.builder().from(p)
            .command(TaskVariables.resolve(p.command(), task.instance(), task.taskId(),
                name -> task.ports().getOrDefault(name, -1)))
            .build())
        .toList();
    Map<String, String> env = new LinkedHashMap<>(task.environment());
    env.putIfAbsent("AURORA_TASK_ID", task.taskId());
    env.putIfAbsent("AURORA_INSTANCE", Integer.toString(task.instance()));
    task.ports().forEach((name, port) -> env.putIfAbsent(
        "AURORA_PORT_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"), Integer.toString(port)));
    return RunSpec.of(task.task(), processes, sandbox, env, task.ports(),
        task.killGracePeriod().orElse(Duration.ofSeconds(5)));
  }
}
