package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.core.UpdateStatus;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler on the local backend, the way a user embeds it: only the public API
 * ({@code Scheduler.builder().backend(LocalBackend.builder()...)}), real processes serving HTTP, and
 * their pids from the operating system. Nothing sleeps: each step awaits what a user would see, with
 * a bound.
 */
class SchedulerOnLocalBackendTest {
  private static final Principal USER = Principal.of("it");
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path root;
  private LocalBackend backend;
  private Scheduler scheduler;

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
  }

  /** A scheduler on 2 local agents, with the flapping penalty short enough for a test. */
  private Scheduler start() {
    backend = LocalBackend.builder().agents(2).cpusPerAgent(2).ramMbPerAgent(1024).diskMbPerAgent(1024)
        .sandboxRoot(root.resolve("sandboxes")).killGracePeriod(Duration.ofSeconds(1)).build();
    scheduler = Scheduler.builder().backend(backend)
        .flapping(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(500))
        .declineBackoff(Duration.ofMillis(200))
        .build();
    scheduler.start();
    return scheduler;
  }

  /** The command line of a small HTTP server answering {@code version} on the task's http port. */
  private static String server(String version) {
    return JAVA + " -Xmx16m -Xss256k -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -cp " + testClasses() + " "
        + TaskServer.class.getName() + " {{port.http}} " + version;
  }

  private static String testClasses() {
    try {
      return Path.of(TaskServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A service of {@code instances} instances running {@code command}, checked by HTTP. */
  private static JobConfig service(int instances, String command) {
    return Job.service("www-data/it/hello").instances(instances)
        .task(t -> t.process("server", command).cpus(0.25).ramMb(256).diskMb(16).port("http")
            .healthCheck(HealthCheck.http("http", "/health").withInitialDelay(Duration.ofMillis(300))
                .withInterval(Duration.ofMillis(200)).withTimeout(Duration.ofSeconds(1))
                .withMaxConsecutiveFailures(50)))
        .update(UpdateSettings.builder().batchSizes(2).watch(Duration.ofSeconds(1)).rollbackOnFailure(true).build())
        .build();
  }

  private List<ScheduledTask> healthy(JobKey job) {
    return scheduler.tasks(TaskQuery.job(job)).stream().filter(ScheduledTask::isRunningAndHealthy).toList();
  }

  /** Waits until every one of the job's {@code count} instances is RUNNING and healthy, and returns them. */
  private List<ScheduledTask> awaitHealthy(JobKey job, int count) {
    return await(count + " healthy instances of " + job, () -> {
      List<ScheduledTask> healthy = healthy(job);
      List<ScheduledTask> active = scheduler.tasks(TaskQuery.job(job).active());
      return healthy.size() == count && active.size() == count ? Optional.of(healthy) : Optional.empty();
    });
  }

  private UpdateDetails awaitUpdate(UpdateId id, UpdateStatus status) {
    return await("update " + id + " " + status, () -> scheduler.update(id).filter(u -> u.status() == status));
  }

  private static <T> T await(String what, Supplier<Optional<T>> probe) {
    return Await.value(what, probe, BOUND);
  }

  /** What the task's HTTP server answers on {@code /}: its version and pid. */
  private static String call(ScheduledTask task) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + task.ports().get("http") + "/")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.body();
    } catch (IOException e) {
      return "no answer: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The live processes that serve the task's port: the JVM's descendants whose command names it. */
  private static List<ProcessHandle> serverProcesses(ScheduledTask task) {
    String needle = TaskServer.class.getName() + " " + task.ports().get("http") + " ";
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().command().orElse("").endsWith("/java"))
        .filter(p -> p.info().commandLine().orElse("").contains(needle))
        .filter(ProcessHandle::isAlive)
        .toList();
  }

  /** The pid the scheduler's view of the task names: its RUNNING event's {@code ... as pid N}. */
  private static long reportedPid(ScheduledTask task) {
    String message = task.events().stream().filter(e -> e.status() == ScheduleStatus.RUNNING)
        .map(TaskEvent::message).findFirst().orElseThrow();
    assertThat(message).matches("process 'server' started on local-\\d as pid \\d+");
    return Long.parseLong(message.substring(message.lastIndexOf(' ') + 1));
  }

  private static ProcessHandle serverProcess(ScheduledTask task) {
    List<ProcessHandle> found = serverProcesses(task);
    assertThat(found).as("the server process of %s", task).hasSize(1);
    return found.get(0);
  }

  @Test
  void aFinishedTasksProcessesShowTheirStatesExitCodesAndTimesInTheScheduler() {
    start();
    JobConfig job = Job.adhoc("www-data/test/graph").task(t -> t.cpus(0.1).ramMb(16).diskMb(1)
        .process("fetch", "echo fetch").process("build", "echo build").finalizer("flush", "echo flush")
        .order("fetch", "build")).build();

    scheduler.createJob(job, USER);

    ScheduledTask done = Await.value("the task finished", () -> scheduler.tasks(TaskQuery.job(job.key())).stream()
        .filter(t -> t.status() == ScheduleStatus.FINISHED).findFirst(), BOUND);
    assertThat(done.processes()).extracting(dev.aurora.core.ProcessRecord::process)
        .containsExactly("fetch", "build", "flush");
    assertThat(done.processes()).allSatisfy(p -> {
      assertThat(p.state()).isEqualTo(dev.aurora.core.ProcessRecord.State.SUCCESS);
      assertThat(p.exitCode()).contains(0);
      assertThat(p.run()).isEqualTo(1);
      assertThat(p.startedAt()).isPresent();
      assertThat(p.endedAt()).isPresent();
    });
    assertThat(done.events()).extracting(TaskEvent::status).as("the task's own history has only its states")
        .doesNotHaveDuplicates();
  }

  @Test
  void serviceWithHttpHealthCheckRunsHealthy() {
    start();
    JobConfig job = service(2, server("v1"));

    scheduler.createJob(job, USER);

    List<ScheduledTask> tasks = awaitHealthy(job.key(), 2);
    assertThat(tasks).extracting(ScheduledTask::instance).containsExactlyInAnyOrder(0, 1);
    for (ScheduledTask task : tasks) {
      assertThat(task.healthy()).contains(true);
      // the pid the scheduler reports is the server's own: the sh wrapper exec'd it
      assertThat(reportedPid(task)).isEqualTo(serverProcess(task).pid());
      assertThat(call(task)).isEqualTo("200 v1 " + reportedPid(task));
    }
  }

  @Test
  void processKilledFromOutsideIsReplaced() {
    start();
    JobConfig job = service(1, server("v1"));
    scheduler.createJob(job, USER);
    ScheduledTask first = awaitHealthy(job.key(), 1).get(0);
    ProcessHandle process = ProcessHandle.of(reportedPid(first)).orElseThrow();

    process.destroyForcibly(); // SIGKILL, as kill -9 <pid> from a shell

    ScheduledTask ended = await(first.id() + " to end", () -> scheduler.task(first.id()).filter(t -> t.status().isTerminal()));
    assertThat(ended.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(ended.lastMessage()).isEqualTo("process 'server' was killed by signal 9 (exit 137)");
    ScheduledTask replacement = awaitHealthy(job.key(), 1).get(0);
    assertThat(replacement.id()).isNotEqualTo(first.id());
    assertThat(replacement.instance()).isEqualTo(0);
    ProcessHandle replaced = serverProcess(replacement);
    assertThat(replaced.pid()).isNotEqualTo(process.pid());
    assertThat(call(replacement)).isEqualTo("200 v1 " + replaced.pid());
  }

  @Test
  void rollingUpdateRunsTheNewCommand() {
    start();
    JobConfig v1 = service(2, server("v1"));
    scheduler.createJob(v1, USER);
    awaitHealthy(v1.key(), 2);

    UpdateId update = scheduler.startUpdate(v1.key(), service(2, server("v2")), USER, "to v2");

    awaitUpdate(update, UpdateStatus.ROLLED_FORWARD);
    List<ScheduledTask> tasks = awaitHealthy(v1.key(), 2);
    for (ScheduledTask task : tasks) {
      assertThat(task.config().processes().get(0).command()).endsWith(" v2");
      assertThat(serverProcess(task).info().commandLine().orElseThrow()).endsWith(" v2");
      assertThat(call(task)).startsWith("200 v2 ");
    }
  }

  @Test
  void updateToACommandThatExitsAtOnceRollsBack() {
    start();
    JobConfig v1 = service(2, server("v1"));
    scheduler.createJob(v1, USER);
    awaitHealthy(v1.key(), 2);

    UpdateId update = scheduler.startUpdate(v1.key(), service(2, "echo broken >&2; exit 3"), USER, "broken");

    UpdateDetails details = awaitUpdate(update, UpdateStatus.ROLLED_BACK);
    assertThat(details.instanceEvents()).extracting(UpdateDetails.InstanceEvent::action)
        .contains(UpdateDetails.InstanceAction.UPDATE_FAILED, UpdateDetails.InstanceAction.ROLLED_BACK);
    assertThat(scheduler.job(v1.key()).orElseThrow().task()).isEqualTo(v1.task());
    List<ScheduledTask> tasks = awaitHealthy(v1.key(), 2);
    for (ScheduledTask task : tasks) {
      assertThat(task.config()).isEqualTo(v1.task());
      assertThat(call(task)).startsWith("200 v1 ");
    }
    assertThat(scheduler.tasks(TaskQuery.job(v1.key()).states(ScheduleStatus.FAILED)))
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.lastMessage()).contains("exited with code 3: broken"));
  }

  @Test
  void closeLeavesNoProcessBehind() {
    start();
    JobConfig web = service(2, server("v1"));
    scheduler.createJob(web, USER);
    JobConfig spawner = Job.service("www-data/it/spawner").instances(2)
        .task(t -> t.process("spawn", "sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids); echo $$ >> pids;"
            + " sleep 302").cpus(0.1).ramMb(32).diskMb(1))
        .build();
    scheduler.createJob(spawner, USER);
    List<ScheduledTask> servers = awaitHealthy(web.key(), 2);
    List<ScheduledTask> spawners = awaitHealthy(spawner.key(), 2);
    // every process of the tasks: the servers, and each spawner's shell, its child, and the grandchild
    // whose parent has exited (no longer a descendant of this JVM)
    Set<Long> pids = new java.util.TreeSet<>();
    servers.forEach(t -> pids.add(serverProcess(t).pid()));
    for (ScheduledTask t : spawners) {
      Path sandbox = await("the sandbox of " + t.id(), () -> backend.sandbox(t.id()));
      pids.addAll(Tasks.awaitPids(sandbox.resolve("pids"), 3));
    }
    ProcessHandle.current().descendants().forEach(p -> pids.add(p.pid()));
    assertThat(pids).hasSizeGreaterThanOrEqualTo(2 + 2 * 3).allMatch(Tasks::isRunning);

    scheduler.close();
    scheduler = null;

    assertThat(pids.stream().filter(Tasks::isRunning).toList()).as("processes left of %s", pids).isEmpty();
    assertThat(ProcessHandle.current().descendants().filter(p -> Tasks.isRunning(p.pid())).toList()).isEmpty();
  }

  @Test
  void closeWhileTasksAreStartingLeavesNoProcessBehind() {
    start();
    JobConfig spawner = Job.service("www-data/it/spawner").instances(8)
        .task(t -> t.process("spawn", "sleep 300 & sleep 301").cpus(0.1).ramMb(32).diskMb(1))
        .build();
    scheduler.createJob(spawner, USER);
    await("a task of " + spawner.key() + " to start", () -> scheduler.tasks(TaskQuery.job(spawner.key())).stream()
        .filter(t -> t.status() == ScheduleStatus.STARTING || t.status() == ScheduleStatus.RUNNING).findFirst());

    scheduler.close();
    scheduler = null;

    List<String> left = ProcessHandle.current().descendants().filter(p -> Tasks.isRunning(p.pid()))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    assertThat(left).isEmpty();
  }
}
