package dev.aurora.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.cli.AuroraCli;
import dev.aurora.core.Authorizer;
import dev.aurora.core.FileLogBackups;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.http.Authenticator;
import dev.aurora.http.OperatorServer;
import dev.aurora.local.LocalBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator server and the {@code aurora} command line on a scheduler running real processes (the
 * local backend) on file-log storage with backups: task output and backups end to end. Here because
 * samples may use every module (aurora-architecture's LayersTest).
 */
class OperatorOnLocalBackendTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private LocalBackend backend;
  private Scheduler scheduler;
  private FileLogBackups backups;
  private OperatorServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    backend = LocalBackend.builder().agents(1).cpusPerAgent(2).ramMbPerAgent(1024).portBase(33100)
        .sandboxRoot(Files.createDirectories(dir.resolve("sandboxes"))).killGracePeriod(Duration.ofSeconds(2)).build();
    FileLogStorage storage = Storage.fileLog(dir.resolve("state"));
    scheduler = Scheduler.builder().backend(backend).storage(storage).build();
    scheduler.start();
    backups = FileLogBackups.builder(storage, dir.resolve("backups")).build();
    server = OperatorServer.builder().scheduler(scheduler).port(0).backups(backups).start();
  }

  @AfterEach
  void stop() {
    server.close();
    backups.close();
    scheduler.close();
  }

  private record Run(int exit, String out, String err) {}

  private Run aurora(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = AuroraCli.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        Map.of("AURORA_URL", server.url().toString()), dir.resolve("home"), args);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(server.url().resolve(path)).timeout(BOUND).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  private ScheduledTask onlyTask(JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key())).get(0);
  }

  @Test
  void aTasksOutputIsServedAsATailFromAnOffsetPerProcessAndPerStream() throws Exception {
    JobConfig job = Job.adhoc("www-data/prod/talk").task(t -> t.cpus(0.1).ramMb(16).diskMb(1)
        .process("first", "echo one; echo oops >&2")
        .process("second", "printf abcdefghij")
        .order("first", "second")).build();
    scheduler.createJob(job, Principal.of("alice"));
    scheduler.whenFinished(job.key()).get(60, TimeUnit.SECONDS);
    String id = onlyTask(job).id().value();
    String base = "/api/v1/tasks/" + id + "/output";

    HttpResponse<String> whole = get(base);
    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    assertThat(whole.body()).isEqualTo("one\n");
    assertThat(whole.headers().firstValue("X-Aurora-Output-Processes")).contains("first,second");
    assertThat(get(base + "?stream=stderr").body()).isEqualTo("oops\n");
    HttpResponse<String> middle = get(base + "?process=second&offset=2&limit=3");
    assertThat(middle.body()).isEqualTo("cde");
    assertThat(middle.headers().firstValue("X-Aurora-Output-Next")).contains("5");
    assertThat(middle.headers().firstValue("X-Aurora-Output-Size")).contains("10");
    assertThat(get(base + "?process=second&limit=4").body()).isEqualTo("ghij");
    assertThat(get(base + "?process=second&offset=-3").body()).isEqualTo("hij");

    assertThat(get(base + "?stream=both").statusCode()).isEqualTo(400);
    assertThat(get(base + "?offset=ten").body()).contains("offset");
    assertThat(get(base + "?process=third").statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/tasks/no-such-task/output").statusCode()).isEqualTo(404);

    Run cli = aurora("task", "output", "www-data/prod/talk/0", "--process", "second", "--offset", "-4");
    assertThat(cli.exit()).as(cli.err()).isEqualTo(AuroraCli.OK);
    assertThat(cli.out()).isEqualTo("ghij");
    Run err = aurora("task", "output", id, "--stream", "stderr");
    assertThat(err.out()).isEqualTo("oops\n");
  }

  @Test
  void followingATasksOutputPrintsItAsItIsWrittenAndEndsWithTheTask() throws Exception {
    JobConfig job = Job.adhoc("www-data/prod/slow").task(t -> t.cpus(0.1).ramMb(16).diskMb(1)
        .process("main", "echo hello; while [ ! -f go ]; do sleep 0.05; done; echo bye")).build();
    scheduler.createJob(job, Principal.of("alice"));
    await("the task to run", () -> !scheduler.tasks(TaskQuery.job(job.key()).states(ScheduleStatus.RUNNING)).isEmpty());
    ScheduledTask task = onlyTask(job);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    CompletableFuture<Integer> following = CompletableFuture.supplyAsync(() -> AuroraCli.run(print, print,
        Map.of("AURORA_URL", server.url().toString()), dir.resolve("home"), "task", "output", "www-data/prod/slow/0", "--follow"));
    await("hello, while the task still runs", () -> out.toString(StandardCharsets.UTF_8).equals("hello\n"));
    assertThat(following).isNotDone();

    Files.writeString(backend.sandbox(task.id()).orElseThrow().resolve("go"), "");

    assertThat(following.get(60, TimeUnit.SECONDS)).isEqualTo(AuroraCli.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello\nbye\n");
  }

  @Test
  void backupsAreTakenAndListedOverHttpAndFromTheCommandLine() throws Exception {
    scheduler.createJob(Job.service("www-data/prod/kept").task(t -> t.cpus(0.1).ramMb(16).diskMb(1)
        .process("main", "sleep 600")).build(), Principal.of("alice"));

    Run now = aurora("backup", "now");
    assertThat(now.exit()).as(now.err()).isEqualTo(AuroraCli.OK);
    assertThat(now.out()).startsWith("Backup taken: backup-");
    HttpResponse<String> taken = http.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/backups"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(taken.statusCode()).isEqualTo(201);

    JsonNode list = JSON.readTree(get("/api/v1/backups").body());
    assertThat(list).hasSize(2);
    assertThat(list.get(0).get("bytes").asLong()).isPositive();
    assertThat(FileLogBackups.inspect(Path.of(list.get(1).get("directory").asText())).jobs())
        .extracting(j -> j.key().toString()).containsExactly("www-data/prod/kept");
    Run listed = aurora("backup", "list");
    assertThat(listed.exit()).isEqualTo(AuroraCli.OK);
    List<String> lines = listed.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("ID").contains("TIME").contains("BYTES");
    assertThat(lines.get(1)).startsWith(now.out().substring("Backup taken: ".length()).strip());
  }

  @Test
  void aBackupIsRefusedToAPrincipalTheAuthorizerDoesNotLetBackUp() throws Exception {
    try (OperatorServer guarded = OperatorServer.builder().scheduler(scheduler).port(0).backups(backups)
        .authenticator(Authenticator.bearer(Map.of("bob-token", Principal.of("bob"), "ops-token", Principal.of("ops"))))
        .authorizer(Authorizer.roles(Map.of("www-data", Set.of("bob")), Set.of("ops"))).start()) {
      Map<String, String> env = Map.of("AURORA_URL", guarded.url().toString());
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream sink = new PrintStream(err, true, StandardCharsets.UTF_8);

      assertThat(AuroraCli.run(sink, sink, env, dir.resolve("home"), "backup", "now", "--token", "bob-token"))
          .isEqualTo(AuroraCli.NOT_AUTHORIZED);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("bob may not backupNow");
      assertThat(backups.list()).isEmpty();
      assertThat(AuroraCli.run(sink, sink, env, dir.resolve("home"), "backup", "now", "--token", "ops-token"))
          .isEqualTo(AuroraCli.OK);
      assertThat(backups.list()).hasSize(1);
    }
  }
}
