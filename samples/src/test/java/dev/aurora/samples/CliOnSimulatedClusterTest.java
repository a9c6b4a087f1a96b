package dev.aurora.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.UpdateSettings;
import dev.aurora.cli.AuroraCli;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Scheduler;
import dev.aurora.http.OperatorServer;
import dev.aurora.testkit.AuroraExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code aurora} command line against the real {@code OperatorServer} over a scheduler on the
 * testkit's simulated cluster: each verb as a user runs it, and what the scheduler then holds. The
 * testkit's loop runs in whichever thread calls the scheduler, so the server's threads and the test
 * take turns through one lock ({@link #drive}).
 */
class CliOnSimulatedClusterTest {
  static final JobKey HELLO = JobKey.of("www-data", "prod", "hello");

  @RegisterExtension AuroraExtension aurora = AuroraExtension.withAgents(3).agentResources(4, 4096, 10_000);

  @TempDir Path dir;
  private final Object lock = new Object();
  private Scheduler scheduler;
  private OperatorServer server;
  private String out;
  private String err;

  @BeforeEach
  void start() {
    scheduler = (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(), new Class<?>[] {Scheduler.class},
        (proxy, method, args) -> {
          synchronized (lock) {
            try {
              return method.invoke(aurora.scheduler(), args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          }
        });
    server = OperatorServer.builder().scheduler(scheduler).port(0).clock(aurora.clock()).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void drive(Runnable r) {
    synchronized (lock) {
      r.run();
    }
  }

  private void settle() {
    drive(() -> {
      aurora.runUntilIdle();
      aurora.advance(Duration.ofSeconds(10));
    });
  }

  private int aurora(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int exit = AuroraCli.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
        Map.of("AURORA_URL", server.url().toString()), dir.resolve("home"), args);
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return exit;
  }

  private static JobConfig hello(String version, int instances, double cpus) {
    return Job.service("www-data/prod/hello").instances(instances)
        .task(t -> t.process("server", "./hello --version " + version).cpus(cpus).ramMb(128))
        .update(UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(5)).build())
        .build();
  }

  private Path file(String name, JobConfig config) throws Exception {
    return Files.writeString(dir.resolve(name), AuroraJson.toJson(config));
  }

  @Test
  void aJobIsCreatedShownAndKilledFromTheCommandLine() throws Exception {
    assertThat(aurora("job", "create", file("hello.json", hello("1", 3, 0.5)).toString())).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).startsWith("Created job www-data/prod/hello (3 instances).\n").contains("active:    PENDING=3");
    settle();

    assertThat(aurora("job", "status", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).hasSize(5);
    assertThat(out.lines().filter(l -> l.contains("RUNNING")).count()).isEqualTo(3);
    assertThat(aurora("job", "status", "www-data")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("www-data/prod/hello").contains("RUNNING=3");

    assertThat(aurora("job", "kill", "www-data/prod/hello", "--instances", "2")).as(err).isEqualTo(AuroraCli.OK);
    settle();
    assertThat(aurora.active(HELLO)).extracting(t -> t.instance()).containsExactlyInAnyOrder(0, 1);

    assertThat(aurora("job", "kill", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    settle();
    assertThat(scheduler.job(HELLO)).isEmpty();
    assertThat(aurora("job", "status", "www-data/prod/hello")).isEqualTo(AuroraCli.NOT_FOUND);
  }

  @Test
  void updateStartWaitFollowsTheUpdateToItsEnd() throws Exception {
    drive(() -> scheduler.createJob(hello("1", 2, 0.5), AuroraExtension.TEST_PRINCIPAL));
    settle();
    Path v2 = file("hello-v2.json", hello("2", 2, 0.5));

    CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(
        () -> aurora("update", "start", v2.toString(), "-m", "to v2", "--wait"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!waiting.isDone() && System.nanoTime() < deadline) {
      drive(() -> aurora.advance(Duration.ofSeconds(1)));
      Thread.onSpinWait();
    }

    assertThat(waiting.get(1, TimeUnit.SECONDS)).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).startsWith("Started update ").contains("ROLLED_FORWARD");
    assertThat(aurora.running(HELLO)).allSatisfy(t ->
        assertThat(t.config().processes().get(0).command()).isEqualTo("./hello --version 2"));
  }

  @Test
  void whyPendingQuotaAndHostDrainFromTheCommandLine() throws Exception {
    drive(() -> scheduler.createJob(hello("1", 1, 64), AuroraExtension.TEST_PRINCIPAL));
    settle();
    assertThat(aurora("why-pending", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("cpu").contains("3");

    assertThat(aurora("quota", "set", "www-data", "--cpus", "10", "--ram-mb", "4096", "--disk-mb", "8192")).as(err)
        .isEqualTo(AuroraCli.OK);
    assertThat(scheduler.quota("www-data")).hasValueSatisfying(q -> assertThat(q.cpus()).isEqualTo(10.0));
    assertThat(aurora("quota", "get")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("www-data").contains("10.0");
    assertThat(aurora("quota", "get", "www-data")).as(err).isEqualTo(AuroraCli.OK);

    assertThat(aurora("host", "drain", "host-0")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("host-0");
    settle();
    assertThat(scheduler.maintenance().get("host-0")).isIn(MaintenanceMode.DRAINING, MaintenanceMode.DRAINED);
    assertThat(aurora("host", "status", "host-0")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("DRAIN");
    assertThat(aurora("host", "end", "host-0")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(scheduler.maintenance().getOrDefault("host-0", MaintenanceMode.NONE)).isEqualTo(MaintenanceMode.NONE);
  }

  @Test
  void diffAddRestartAndUpdateInfoPauseResumeFromTheCommandLine() throws Exception {
    drive(() -> scheduler.createJob(hello("1", 2, 0.5), AuroraExtension.TEST_PRINCIPAL));
    settle();
    Path v2 = file("hello-v2.json", hello("2", 2, 0.5));

    assertThat(aurora("job", "diff", v2.toString())).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("task.processes[0].command").contains("./hello --version 1").contains("./hello --version 2");
    assertThat(aurora("job", "add", "www-data/prod/hello", "1")).as(err).isEqualTo(AuroraCli.OK);
    settle();
    assertThat(aurora.running(HELLO)).hasSize(3);
    assertThat(aurora("job", "restart", "www-data/prod/hello", "--instances", "0")).as(err).isEqualTo(AuroraCli.OK);
    settle();
    assertThat(aurora.running(HELLO)).hasSize(3);

    assertThat(aurora("update", "start", v2.toString(), "-m", "to v2")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(aurora("update", "pause", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(aurora("update", "info", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("ROLL_FORWARD_PAUSED").contains("to v2");
    assertThat(aurora("update", "resume", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(aurora("update", "list", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("ROLLING_FORWARD");
    assertThat(aurora("update", "abort", "www-data/prod/hello")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(aurora("update", "list")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("ABORTED");
  }

  @Test
  void cronShowStartAndDescheduleFromTheCommandLine() throws Exception {
    JobConfig report = Job.cron("www-data/prod/report", "0 3 * * *")
        .task(t -> t.process("report", "./report").cpus(0.5).ramMb(128)).build();
    drive(() -> scheduler.createJob(report, AuroraExtension.TEST_PRINCIPAL));

    assertThat(aurora("cron", "show", "www-data/prod/report", "--count", "2")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(out).contains("0 3 * * *").contains("2026-01-01T03:00:00Z").contains("2026-01-02T03:00:00Z");
    assertThat(aurora("cron", "start", "www-data/prod/report")).as(err).isEqualTo(AuroraCli.OK);
    settle();
    assertThat(aurora.tasks(report.key())).isNotEmpty();
    assertThat(aurora("cron", "deschedule", "www-data/prod/report")).as(err).isEqualTo(AuroraCli.OK);
    assertThat(scheduler.job(report.key())).isEmpty();
  }
}
