package dev.aurora.mesos;

import dev.aurora.api.Principal;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.Scheduler;
import dev.aurora.mesos.internal.ExecutorSetting;
import dev.aurora.mesos.internal.HttpMesosBackend;
import dev.aurora.mesos.internal.MesosSettings;
import dev.aurora.mesos.internal.RunnerCommand;
import dev.aurora.mesos.internal.TaskGroups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * A {@link ClusterBackend} on an Apache Mesos cluster, over the v1 HTTP scheduler API: it subscribes
 * as a framework, turns offers into the core's offers, launches with ACCEPT, acknowledges a status
 * only after the scheduler stored it, reconciles after every (re)subscription and on a period, and
 * reconnects with a bounded, jittered back-off when the stream breaks or heartbeats stop. On {@link
 * #close()} the tasks keep running for the next scheduler, which subscribes as the same framework: the
 * framework id is kept in the scheduler's storage ({@link #FRAMEWORK_ID_PROPERTY}).
 *
 * <pre>{@code
 * Scheduler.builder().backend(MesosBackend.builder()
 *     .masters(MasterDetector.parse("mesos1:5050,mesos2:5050"))
 *     .frameworkName("aurora").roles("web").principal("aurora", secret)
 *     .build());
 * }</pre>
 */
public interface MesosBackend extends ClusterBackend {

  /** The framework id the master assigned, once subscribed. */
  Optional<String> frameworkId();

  /** Whether the backend holds a subscription (SUBSCRIBED received on a live stream). */
  boolean subscribed();

  /** Asks the master to stop sending offers (SUPPRESS) until {@link #reviveOffers()}. */
  void suppressOffers();

  /** Asks the master to send offers again, clearing earlier refusals (REVIVE). */
  void reviveOffers();

  /**
   * From now on Mesos maintenance drives {@code scheduler}'s host maintenance: an inverse offer for an
   * agent (the operator scheduled its unavailability) puts its host in {@link
   * dev.aurora.core.MaintenanceMode#DRAINING DRAINING} through {@link Scheduler#setMaintenance} as
   * {@code by}, so its tasks move off as each job's drain SLA allows; once the host is DRAINED the
   * backend accepts the inverse offer, which tells Mesos the framework is done with the agent. An
   * ordinary offer carrying an unavailability window ({@code Offer.unavailability}) puts its host in
   * {@link dev.aurora.core.MaintenanceMode#SCHEDULED SCHEDULED} before the scheduler sees the offer (no
   * new task lands there), and a later offer without one returns a host so scheduled, if still
   * SCHEDULED, to service. Call it once, with the scheduler this backend serves, after building the
   * scheduler. Without it inverse offers are left unanswered and unavailability windows are ignored.
   */
  void followMaintenance(Scheduler scheduler, Principal by);

  /**
   * The key of the framework id among the scheduler's {@link
   * dev.aurora.core.BackendListener#backendProperties() backend properties}.
   */
  String FRAMEWORK_ID_PROPERTY = "mesos.frameworkId";

  /** The file, in the working directory, where earlier releases kept the framework id by default. */
  String LEGACY_FRAMEWORK_ID_FILE = "aurora-framework-id";

  /** A builder. */
  static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link MesosBackend}; every one has a default but {@link #masters}. */
  final class Builder {
    private MasterDetector masters;
    private String frameworkName = "aurora";
    private String user = System.getProperty("user.name", "root");
    private final List<String> roles = new ArrayList<>();
    private String principal;
    private String secret;
    private Duration failoverTimeout = Duration.ofDays(7);
    private boolean checkpoint = true;
    private Set<Capability> capabilities = EnumSet.of(Capability.MULTI_ROLE, Capability.PARTITION_AWARE);
    private SSLContext sslContext;
    private FrameworkIdStore frameworkIds;
    private FrameworkIdStore frameworkIdMigration = FrameworkIdStore.file(Path.of(LEGACY_FRAMEWORK_ID_FILE));
    private MeterRegistry registry = new SimpleMeterRegistry();
    private int missedHeartbeats = 3;
    private Duration minBackoff = Duration.ofMillis(250);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration implicitReconciliation = Duration.ofMinutes(15);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration leftoverRefusal = Duration.ofSeconds(5);
    private int maxCallsInFlight = 64;
    private Duration stuckTaskTimeout = Duration.ofMinutes(5);
    private RunnerCommand runner;
    private String runnerProblem;
    private final ExecutorSetting custom = new ExecutorSetting();
    private boolean launchGroups;
    private double executorCpus = 0.1;
    private double executorMemMb = 32;

    Builder() {}

    /** Where the masters are (required). */
    public Builder masters(MasterDetector detector) {
      this.masters = detector;
      return this;
    }

    /** The framework's name (default {@code aurora}). */
    public Builder frameworkName(String name) {
      this.frameworkName = name;
      return this;
    }

    /** The user tasks run as on the agents (default: this JVM's user). */
    public Builder user(String user) {
      this.user = user;
      return this;
    }

    /** The roles the framework subscribes with (default: none, i.e. Mesos's {@code *}). */
    public Builder roles(String... roles) {
      this.roles.clear();
      this.roles.addAll(List.of(roles));
      return this;
    }

    /** The principal and secret for HTTP basic authentication (and FrameworkInfo.principal). */
    public Builder principal(String principal, String secret) {
      this.principal = principal;
      this.secret = secret;
      return this;
    }

    /** How long the master keeps the framework's tasks after the scheduler goes away (default 7 days). */
    public Builder failoverTimeout(Duration timeout) {
      this.failoverTimeout = timeout;
      return this;
    }

    /** Whether agents checkpoint the framework's tasks so they survive an agent restart (default true). */
    public Builder checkpoint(boolean checkpoint) {
      this.checkpoint = checkpoint;
      return this;
    }

    /** The capabilities announced (default MULTI_ROLE and PARTITION_AWARE). */
    public Builder capabilities(Set<Capability> capabilities) {
      this.capabilities = capabilities.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(capabilities);
      return this;
    }

    /** The TLS context for {@code https} masters (default: the JVM's). */
    public Builder sslContext(SSLContext context) {
      this.sslContext = context;
      return this;
    }

    /**
     * Keeps the framework id in {@code store} instead of the scheduler's storage. By default (without
     * this call) the id is kept in the scheduler's storage ({@link
     * dev.aurora.core.BackendListener#storeBackendProperties backend properties}, key {@value
     * #FRAMEWORK_ID_PROPERTY}): the file log, ZooKeeper, and every backup of them hold it, so a
     * restarted scheduler, a new leader on another machine or a scheduler restored from a backup
     * subscribes as the same framework. Set a store only to keep the id elsewhere on purpose (earlier
     * releases kept it in the file {@code aurora-framework-id} in the working directory: see {@link
     * #frameworkIdMigration}); a store set here is used alone, as before, and the scheduler's storage
     * is neither read nor written for the id.
     */
    public Builder frameworkIds(FrameworkIdStore store) {
      this.frameworkIds = store;
      return this;
    }

    /**
     * Where an earlier release kept the framework id (default: the file {@code aurora-framework-id} in
     * the working directory, that release's default). When the id is kept in the scheduler's storage
     * (no {@link #frameworkIds} set) and the storage holds none, the backend reads the id from here
     * once, subscribes with it and stores it in the scheduler's storage; from then on only the storage
     * is read (the file is left as it is: delete it at leisure). Absent or empty, the backend subscribes
     * as a new framework.
     */
    public Builder frameworkIdMigration(FrameworkIdStore earlierStore) {
      this.frameworkIdMigration = earlierStore;
      return this;
    }

    /** Where the backend's metrics go ({@code aurora.mesos.*}). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** How many heartbeat intervals may pass without an event before the backend reconnects (default 3). */
    public Builder missedHeartbeats(int missed) {
      this.missedHeartbeats = missed;
      return this;
    }

    /** The bounds of the jittered exponential back-off between subscription attempts (default 250 ms to 30 s). */
    public Builder backoff(Duration min, Duration max) {
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** How often to ask the master for every task's state (implicit reconciliation; default 15 min). */
    public Builder implicitReconciliation(Duration every) {
      this.implicitReconciliation = every;
      return this;
    }

    /** How long a call (or the subscription's response headers) may take (default 30 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** How long the master holds back what a launch left of its offers (default 5 s). */
    public Builder leftoverRefusal(Duration refusal) {
      this.leftoverRefusal = refusal;
      return this;
    }

    /** How many calls may be on the wire at once; more wait in order (default 64). */
    public Builder maxCallsInFlight(int calls) {
      this.maxCallsInFlight = calls;
      return this;
    }

    /**
     * How long a launched task may go without reaching RUNNING (or ending) before the backend reports it
     * LOST and kills it, so the scheduler replaces it (default 5 minutes, as Aurora's transient task
     * timeout).
     */
    public Builder stuckTaskTimeout(Duration timeout) {
      this.stuckTaskTimeout = timeout;
      return this;
    }

    /**
     * Runs each task's whole process graph through the task runner's executor jar on the agent, with the
     * same semantics as the local backend (ordering, parallel processes, daemons, ephemeral processes,
     * finalizers, graceful shutdown): the agent fetches {@code executorJar} into the sandbox (a {@code
     * CommandInfo.URI}, cached) and the Mesos command executor runs {@code <javaCommand> -jar <jar>
     * aurora-task.json}, the task's JSON description passed in the variable {@code AURORA_EXECUTOR_TASK}.
     * The runner's exit code ends the Mesos task (0 FINISHED, 1 FAILED; a kill is KILLED), and the kill
     * policy's grace period covers the runner's graceful shutdown and finalizers. Without it (the
     * default) a task's processes run in order in one shell.
     *
     * @param executorJar where agents fetch {@code aurora-runner-<version>-executor.jar} ({@code http},
     *     {@code https}, {@code hdfs}, {@code file}: what the agents' fetcher supports)
     * @param javaCommand the java command on the agents (Java 17 or newer), e.g. {@code java} or {@code
     *     /usr/lib/jvm/java-17/bin/java}
     */
    public Builder executor(java.net.URI executorJar, String javaCommand) {
      this.runner = executorJar == null || javaCommand == null ? null : new RunnerCommand(executorJar, javaCommand);
      this.runnerProblem = executorJar == null ? "executor: the jar's URI is required"
          : javaCommand == null || javaCommand.isBlank() ? "executor: the java command must not be blank"
          : executorJar.getScheme() == null ? "executor: the jar's URI needs a scheme (http, https, file...): " + executorJar
          : null;
      return this;
    }

    /**
     * Runs each task under the task runner's Mesos custom executor ({@code
     * dev.aurora.runner.MesosExecutorMain} in {@code aurora-runner-<version>-executor.jar}), which speaks
     * the Mesos v1 executor API: every launch carries an {@code ExecutorInfo} of type CUSTOM (one
     * executor per task, id {@code aurora-<task id>}) whose command runs {@code <javaCommand> -cp <jar>
     * dev.aurora.runner.MesosExecutorMain}, the jar fetched by the agent as a {@code CommandInfo.URI}
     * (cached), with the executor's own resources ({@link #executorResources}) taken from the same
     * offer. The executor runs the whole process graph with the same semantics as the local backend and
     * reports every change of a process's state in a status update whose {@code data} carries each
     * process's record, so {@link dev.aurora.core.ScheduledTask#processes()} shows them on Mesos too; a
     * kill is graceful (HTTP lifecycle, the task's grace period, finalizers). Use this or {@link
     * #executor}, not both. docs/mesos.md compares the two.
     *
     * @param executorJar where agents fetch {@code aurora-runner-<version>-executor.jar}
     * @param javaCommand the java command on the agents (Java 17 or newer)
     */
    public Builder customExecutor(java.net.URI executorJar, String javaCommand) {
      custom.customExecutor(executorJar, javaCommand);
      return this;
    }

    /**
     * Whether each task is launched as a task group of its own under Mesos's default executor (ACCEPT
     * with one LAUNCH_GROUP operation per task, all of one agent's tasks in one ACCEPT) instead of a
     * LAUNCH on the command executor (the default, false). Each group has its own DEFAULT executor, whose
     * resources ({@link #defaultExecutorResources}) are taken from the task's own, so a task must ask for
     * more than those (one that does not stays pending, saying why). The agents need Mesos 1.1 or newer.
     */
    public Builder launchGroups(boolean on) {
      this.launchGroups = on;
      return this;
    }

    /**
     * The custom executor's own resources, on top of each task's (default 0.25 cpus and 128 MB, as
     * Aurora's Thermos executor; its JVM's heap is half the memory). Only with {@link #customExecutor}.
     */
    public Builder executorResources(double cpus, double memMb) {
      custom.resources(cpus, memMb);
      return this;
    }

    /**
     * The resources each task gives its default executor when {@link #launchGroups} is on (default 0.1
     * cpus and 32 MiB, as Mesos recommends).
     */
    public Builder defaultExecutorResources(double cpus, double memMb) {
      this.executorCpus = cpus;
      this.executorMemMb = memMb;
      return this;
    }

    /** A backend with these settings; names every bad setting at once. */
    public MesosBackend build() {
      List<String> problems = new ArrayList<>();
      if (masters == null) {
        problems.add("masters: required");
      }
      if (frameworkIdMigration == null) {
        problems.add("frameworkIdMigration: must not be null");
      }
      if (frameworkName == null || frameworkName.isBlank()) {
        problems.add("frameworkName: must not be blank");
      }
      if (user == null) {
        problems.add("user: required");
      }
      if ((principal == null) != (secret == null)) {
        problems.add("principal: principal and secret go together");
      }
      if (failoverTimeout.isNegative()) {
        problems.add("failoverTimeout: must not be negative");
      }
      if (missedHeartbeats < 1) {
        problems.add("missedHeartbeats: must be at least 1");
      }
      if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
        problems.add("backoff: need 0 < min <= max");
      }
      if (implicitReconciliation.isNegative() || implicitReconciliation.isZero()) {
        problems.add("implicitReconciliation: must be positive");
      }
      if (stuckTaskTimeout.isNegative() || stuckTaskTimeout.isZero()) {
        problems.add("stuckTaskTimeout: must be positive");
      }
      if (maxCallsInFlight < 1) {
        problems.add("maxCallsInFlight: must be at least 1");
      }
      if (runnerProblem != null) {
        problems.add(runnerProblem);
      }
      custom.problems(problems);
      if (runner != null && custom.custom().isPresent()) {
        problems.add("executor and customExecutor: choose one way to run the task runner on agents");
      }
      if (!(executorCpus > 0) || !(executorMemMb > 0)) {
        problems.add("defaultExecutorResources: cpus and memory must be positive");
      }
      if (launchGroups && custom.custom().isPresent()) {
        problems.add("launchGroups and customExecutor: the custom executor does not run task groups; choose one");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("bad Mesos backend settings: " + String.join("; ", problems));
      }
      return new HttpMesosBackend(new MesosSettings(masters, frameworkName, user, List.copyOf(roles),
          Optional.ofNullable(principal), Optional.ofNullable(secret), failoverTimeout, checkpoint,
          Set.copyOf(capabilities), Optional.ofNullable(sslContext), Optional.ofNullable(frameworkIds),
          frameworkIdMigration, registry, missedHeartbeats,
          minBackoff, maxBackoff, implicitReconciliation, requestTimeout, leftoverRefusal, maxCallsInFlight,
          stuckTaskTimeout, Optional.ofNullable(runner), custom.custom(),
          launchGroups ? Optional.of(new TaskGroups.Share(executorCpus, executorMemMb)) : Optional.empty()));
    }
  }
}
