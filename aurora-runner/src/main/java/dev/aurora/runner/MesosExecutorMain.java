package dev.aurora.runner;

import java.util.Map;

/**
 * The Mesos custom executor: {@code java -cp aurora-runner-<version>-executor.jar
 * dev.aurora.runner.MesosExecutorMain}, started by a Mesos agent for a task launched with an {@code
 * ExecutorInfo} ({@code MesosBackend.Builder.customExecutor}). It speaks the Mesos v1 executor HTTP API
 * to the agent and runs each task it is given with {@link TaskRunner}, as the local backend does.
 *
 * <p>It reads what the agent sets in its environment: {@code MESOS_AGENT_ENDPOINT} ({@code host:port}),
 * {@code MESOS_FRAMEWORK_ID}, {@code MESOS_EXECUTOR_ID} (required); {@code MESOS_SANDBOX} (or {@code
 * MESOS_DIRECTORY}; else the working directory), {@code MESOS_CHECKPOINT}, {@code
 * MESOS_RECOVERY_TIMEOUT}, {@code MESOS_SUBSCRIPTION_BACKOFF_MAX}, {@code
 * MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD} and {@code MESOS_EXECUTOR_AUTHENTICATION_TOKEN} (sent as a
 * bearer token) where set.
 *
 * <ul>
 *   <li>SUBSCRIBE, then reads the agent's RecordIO event stream.
 *   <li>LAUNCH: the task's {@code data} is its JSON description ({@link ExecutorTask}); the executor
 *       sends TASK_STARTING, runs the graph in the sandbox, TASK_RUNNING once a process runs, and the
 *       task's end: TASK_FINISHED, TASK_FAILED or TASK_KILLED. Whenever a process changes state it sends
 *       an update with the task's current state; every update carries the latest record of each process
 *       in its {@code data} ({@link ProcessStatusData}). A description that does not parse is TASK_FAILED.
 *   <li>KILL: the graceful kill of {@link TaskRun#kill()}: the HTTP lifecycle, SIGTERM, the grace
 *       period (the KILL's {@code kill_policy.grace_period} if it has one, else the task's kill grace
 *       period), SIGKILL, then the finalizers within the task's finalization wait.
 *   <li>ACKNOWLEDGED: the update is forgotten. Updates not acknowledged yet are kept, and sent again in
 *       the next SUBSCRIBE (with the tasks none of whose updates was acknowledged) when the connection
 *       to the agent broke and the framework checkpoints; without checkpointing a broken connection
 *       kills the tasks.
 *   <li>SHUTDOWN: every task is killed as by KILL, then the executor exits.
 * </ul>
 *
 * The executor exits 0 once every task it ran has ended and each of its updates was acknowledged; 1
 * when it could not reach the agent within the recovery timeout; 2 on a bad environment.
 */
public final class MesosExecutorMain {
  private MesosExecutorMain() {}

  /** Runs the executor with this process's environment, then exits. */
  public static void main(String[] args) {
    System.exit(run(System.getenv()));
  }

  /** {@link #main} without exiting: runs the executor with {@code environment}; returns the exit code. */
  public static int run(Map<String, String> environment) {
    MesosExecutor.Settings settings;
    try {
      settings = MesosExecutor.Settings.from(environment);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    return new MesosExecutor(settings, ProcessStarter.shell()).run();
  }
}
