package dev.aurora.mesos.internal;

import com.google.protobuf.ByteString;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos;

/**
 * How a task runs under the task runner's Mesos custom executor ({@code dev.aurora.runner.MesosExecutorMain}
 * in the runner's executor jar): the TaskInfo has no command but an {@code ExecutorInfo} of type CUSTOM,
 * one executor per task (id {@code aurora-<task id>}), whose command runs {@code <java> -cp <jar>
 * dev.aurora.runner.MesosExecutorMain}; the agent fetches the jar (and the task's URIs) into the
 * sandbox. The task's JSON description (as {@link RunnerCommand#description}) is the TaskInfo's {@code
 * data}. The executor's resources ({@code cpus}, {@code memMb}) come from the same offers, on top of
 * the task's.
 *
 * @param jar where agents fetch the executor jar
 * @param javaCommand the java command on the agents
 * @param cpus the executor's own cpus
 * @param memMb the executor's own memory (MB); the JVM's heap is half of it
 */
public record CustomExecutor(URI jar, String javaCommand, double cpus, double memMb) {
  /** The executor's main class in the runner's executor jar. */
  public static final String MAIN_CLASS = "dev.aurora.runner.MesosExecutorMain";
  /** Default executor cpus (as Aurora's Thermos executor). */
  public static final double DEFAULT_CPUS = 0.25;
  /** Default executor memory, MB (as Aurora's Thermos executor). */
  public static final double DEFAULT_MEM_MB = 128;
  /** Time for the executor to send the task's end after the runner's graceful shutdown. */
  static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(5);

  /** The executor id of a task's executor. */
  public static String executorId(TaskId task) {
    return "aurora-" + task.value();
  }

  /** The file name the jar has in the sandbox. */
  public String jarFile() {
    return new RunnerCommand(jar, javaCommand).jarFile();
  }

  /** The shell command the agent runs to start the executor. */
  public String shellCommand() {
    long heap = Math.max(32, Math.round(memMb / 2));
    return "exec " + LaunchTranslation.quote(javaCommand) + " -Xmx" + heap + "m -cp "
        + LaunchTranslation.quote(jarFile()) + " " + MAIN_CLASS;
  }

  /**
   * Makes {@code t} (its resources and the rest set) a task of this executor: its command and
   * container move to the ExecutorInfo, which gets {@code executorResources}; the description goes in
   * {@code data}.
   */
  void applyTo(Protos.TaskInfo.Builder t, TaskLaunch launch, List<Protos.Resource> executorResources) {
    Protos.CommandInfo.Builder command = Protos.CommandInfo.newBuilder().setShell(true).setValue(shellCommand())
        .addUris(Protos.CommandInfo.URI.newBuilder().setValue(jar.toString()).setExtract(false)
            .setExecutable(false).setCache(true).setOutputFile(jarFile()));
    LaunchTranslation.addUris(launch, command);
    Duration shutdown = RunnerCommand.killGracePeriod(launch.config()).plus(SHUTDOWN_MARGIN);
    Protos.ExecutorInfo.Builder e = Protos.ExecutorInfo.newBuilder().setType(Protos.ExecutorInfo.Type.CUSTOM)
        .setExecutorId(Protos.ExecutorID.newBuilder().setValue(executorId(launch.taskId())))
        .setName("aurora-runner " + launch.instance())
        .setCommand(command)
        .addAllResources(executorResources)
        .setShutdownGracePeriod(Protos.DurationInfo.newBuilder().setNanoseconds(shutdown.toNanos()));
    if (t.hasContainer()) {
      // a custom executor's task runs in its executor's container: the executor (java) runs in the image
      e.setContainer(t.getContainer());
      t.clearContainer();
    }
    t.clearCommand().setExecutor(e).setData(ByteString.copyFromUtf8(RunnerCommand.description(launch)));
  }
}
