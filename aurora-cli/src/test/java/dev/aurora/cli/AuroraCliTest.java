package dev.aurora.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.JobConfig;
import dev.aurora.cli.FakeAuroraServer.Answer;
import dev.aurora.cli.FakeAuroraServer.Request;
import dev.aurora.cli.internal.Launcher;
import dev.aurora.cli.internal.Root;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each verb against a fake of the operator API: the request it sends, what it prints, its exit code. */
class AuroraCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "www-data/prod/hello";
  private static final String TEMPLATE = """
      {
        "key": "www-data/prod/hello",
        "instances": 3,
        "task": {
          "processes": [ { "name": "server", "command": "./hello --port {{port.http}} --version {{version}}" } ],
          "resources": { "cpus": 0.5, "ramMb": 256, "ports": [ "http" ] },
          "service": true
        }
      }
      """;

  @TempDir Path home;
  private FakeAuroraServer fake;
  private Path config;
  private final Map<String, String> env = new HashMap<>();
  private String out;
  private String err;

  @BeforeEach
  void start() throws Exception {
    fake = FakeAuroraServer.start();
    env.put("AURORA_URL", fake.url().toString());
    config = home.resolve("hello.json");
    Files.writeString(config, TEMPLATE);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private int aurora(String... args) {
    return run(false, args);
  }

  private int run(boolean terminal, String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Root root = new Root(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
        env, home, terminal);
    root.pollInterval(Duration.ZERO);
    int code = Launcher.run(root, args);
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return code;
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static String boundConfig(String version) {
    return AuroraJson.toJson(AuroraJson.readTemplate(TEMPLATE).bind("version", version).build());
  }

  // ------------------------------------------------------------------ job

  @Test
  void jobCreateBindsTheTemplateAndPostsTheValidatedConfig() throws Exception {
    fake.on("POST", "/api/v1/jobs", 201, Shapes.jobSummary(KEY, "service", 3, Map.of("PENDING", 3)));

    int code = aurora("job", "create", config.toString(), "--bind", "version=1.4.2");

    assertThat(code).isEqualTo(AuroraCli.OK);
    Request r = fake.last();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/api/v1/jobs");
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    JobConfig sent = AuroraJson.readJob(r.body());
    assertThat(sent.task().processes().get(0).command()).isEqualTo("./hello --port {{port.http}} --version 1.4.2");
    assertThat(out).contains("Created job " + KEY + " (3 instances).");
  }

  @Test
  void jobCreateWithTheJobNamedChecksItAgainstTheConfig() {
    int code = aurora("job", "create", "www-data/prod/other", config.toString(), "-b", "version=1");

    assertThat(code).isEqualTo(AuroraCli.USAGE);
    assertThat(err).contains("holds job " + KEY + ", not www-data/prod/other");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void anUnboundTemplateVariableIsReportedAndNothingIsSent() {
    int code = aurora("job", "create", config.toString());

    assertThat(code).isEqualTo(AuroraCli.USAGE);
    assertThat(err).contains("task.processes[0].command: unbound template variable {{version}}");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void theServersFieldProblemsArePrintedWithExit1() {
    fake.on("POST", "/api/v1/jobs", 400,
        Shapes.invalidConfig("task.resources.ramMb: exceeds the role's quota", "a problem of no one field"));

    int code = aurora("job", "create", config.toString(), "--bind", "version=1");

    assertThat(code).isEqualTo(AuroraCli.SERVER_ERROR);
    assertThat(err).contains("error: invalid request: task.resources.ramMb: exceeds the role's quota")
        .contains("\n  - task.resources.ramMb: exceeds the role's quota\n  - a problem of no one field\n");
  }

  @Test
  void jobKillWithoutInstancesDeletesTheJob() {
    fake.on("DELETE", "/api/v1/jobs/www-data/prod/hello", 204, null);

    assertThat(aurora("job", "kill", KEY)).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().method()).isEqualTo("DELETE");
    assertThat(out).contains("Killed job " + KEY);
  }

  @Test
  void jobKillWithInstancesPostsThem() throws Exception {
    fake.on("POST", "/api/v1/jobs/www-data/prod/hello/kill", 204, null);

    assertThat(aurora("job", "kill", KEY, "--instances", "0,2-3")).isEqualTo(AuroraCli.OK);

    assertThat(json(fake.last().body())).isEqualTo(json("{\"instances\":[0,2,3]}"));
  }

  @Test
  void jobRestartWithoutInstancesRestartsAll() throws Exception {
    fake.on("POST", "/api/v1/jobs/www-data/prod/hello/restart", 204, null);

    assertThat(aurora("job", "restart", KEY)).isEqualTo(AuroraCli.OK);

    assertThat(json(fake.last().body())).isEqualTo(json("{\"instances\":[]}"));
    assertThat(out).contains("Restarting all instances of " + KEY);
  }

  @Test
  void jobStatusShowsEachInstancesTask() {
    fake.on("GET", "/api/v1/jobs/www-data/prod/hello", 200, Shapes.jobWithTasks(boundConfig("1"),
        Shapes.task("t-1", KEY, 1, "PENDING", null), Shapes.task("t-0", KEY, 0, "RUNNING", "host-a")));

    assertThat(aurora("job", "status", KEY)).isEqualTo(AuroraCli.OK);

    assertThat(out).contains("Job " + KEY + ": service, 3 instances");
    assertThat(out.lines().toList()).containsSubsequence(
        "INSTANCE  STATUS   HOST    TASK ID",
        "0         RUNNING  host-a  t-0",
        "1         PENDING          t-1");
  }

  @Test
  void jsonPrintsTheServersAnswerForScripts() throws Exception {
    String answer = Shapes.jobWithTasks(boundConfig("1"), Shapes.task("t-0", KEY, 0, "RUNNING", "host-a"));
    fake.on("GET", "/api/v1/jobs/www-data/prod/hello", 200, answer);

    assertThat(aurora("--json", "job", "status", KEY)).isEqualTo(AuroraCli.OK);
    assertThat(json(out)).isEqualTo(json(answer));

    assertThat(aurora("job", "status", KEY, "--json")).isEqualTo(AuroraCli.OK);
    assertThat(json(out)).isEqualTo(json(answer));
  }

  @Test
  void theJobListIsAskedForGzippedAndPrintedTheSame() {
    fake.on("GET", "/api/v1/jobs", 200, Shapes.list(List.of(
        Shapes.jobSummary(KEY, "service", 3, Map.of("RUNNING", 3)))));

    assertThat(aurora("job", "status", "www-data")).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().header("Accept-Encoding")).isEqualTo("gzip");
    assertThat(out.lines().toList()).containsExactly(
        "JOB                  TYPE     INSTANCES  ACTIVE",
        KEY + "  service  3          RUNNING=3");
  }

  @Test
  void jobStatusOfARoleListsItsJobs() {
    fake.on("GET", "/api/v1/jobs", 200, Shapes.list(List.of(
        Shapes.jobSummary(KEY, "service", 3, Map.of("RUNNING", 3)))));

    assertThat(aurora("job", "status", "www-data")).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().query()).isEqualTo("role=www-data");
    assertThat(out.lines().toList()).containsExactly(
        "JOB                  TYPE     INSTANCES  ACTIVE",
        KEY + "  service  3          RUNNING=3");
  }

  @Test
  void anUnknownJobExits3() {
    assertThat(aurora("job", "status", "www-data/prod/nope")).isEqualTo(AuroraCli.NOT_FOUND);

    assertThat(err).contains("error: Not Found: no route or resource /api/v1/jobs/www-data/prod/nope");
  }

  @Test
  void jobDiffPostsTheConfigAndShowsTheChanges() {
    fake.on("POST", "/api/v1/jobs/www-data/prod/hello/diff", 200,
        "{\"changes\":[{\"field\":\"task.processes[0].command\",\"from\":\"./hello --version 1\",\"to\":\"./hello --version 2\"}],"
            + "\"instancesAdded\":0,\"instancesRemoved\":0}");

    assertThat(aurora("job", "diff", KEY, config.toString(), "--bind", "version=2")).isEqualTo(AuroraCli.OK);

    assertThat(AuroraJson.readJob(fake.last().body()).task().processes().get(0).command()).endsWith("--version 2");
    assertThat(out.lines().toList()).containsExactly(
        "FIELD                      FROM                 TO",
        "task.processes[0].command  ./hello --version 1  ./hello --version 2");
  }

  @Test
  void jobInspectPrintsTheBoundConfigWithoutAServer() throws Exception {
    env.remove("AURORA_URL");

    assertThat(aurora("job", "inspect", config.toString(), "--bind", "version=7")).isEqualTo(AuroraCli.OK);

    assertThat(AuroraJson.readJob(out).task().processes().get(0).command()).endsWith("--version 7");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void jobAddPostsTheCount() throws Exception {
    fake.on("POST", "/api/v1/jobs/www-data/prod/hello/instances", 204, null);

    assertThat(aurora("job", "add", KEY, "2")).isEqualTo(AuroraCli.OK);

    assertThat(json(fake.last().body())).isEqualTo(json("{\"count\":2}"));
    assertThat(out).contains("Added 2 instances to " + KEY);
  }

  // ------------------------------------------------------------------ update

  @Test
  void updateStartPostsJobConfigAndMessage() throws Exception {
    fake.on("POST", "/api/v1/updates", 201, "{\"id\":\"u-1\"}");

    assertThat(aurora("update", "start", KEY, config.toString(), "--bind", "version=2", "-m", "bump")).isEqualTo(AuroraCli.OK);

    JsonNode body = json(fake.last().body());
    assertThat(body.get("job").asText()).isEqualTo(KEY);
    assertThat(body.get("message").asText()).isEqualTo("bump");
    assertThat(AuroraJson.readJob(body.get("config").toString()).task().processes().get(0).command()).endsWith("--version 2");
    assertThat(out).contains("Started update u-1 of " + KEY);
  }

  @Test
  void updateStartWaitShowsProgressUntilItRollsForward() {
    fake.on("POST", "/api/v1/updates", 201, "{\"id\":\"u-1\"}");
    fake.onSequence("GET", "/api/v1/updates/u-1",
        new Answer(200, "application/json", Shapes.update("u-1", KEY, "ROLLING_FORWARD", "IN_FLIGHT", "WAITING")),
        new Answer(200, "application/json", Shapes.update("u-1", KEY, "ROLLING_FORWARD", "SUCCEEDED", "IN_FLIGHT")),
        new Answer(200, "application/json", Shapes.update("u-1", KEY, "ROLLED_FORWARD", "SUCCEEDED", "SUCCEEDED")));

    int code = aurora("update", "start", config.toString(), "--bind", "version=2", "--wait");

    assertThat(code).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly(
        "Started update u-1 of " + KEY + ".",
        "ROLLING_FORWARD 0/2 instances done",
        "ROLLING_FORWARD 1/2 instances done",
        "ROLLED_FORWARD 2/2 instances done",
        "Update u-1 ended: ROLLED_FORWARD.");
  }

  @Test
  void onATerminalTheProgressBarRedrawsInPlace() {
    fake.onSequence("GET", "/api/v1/updates/u-1",
        new Answer(200, "application/json", Shapes.update("u-1", KEY, "ROLLING_FORWARD", "SUCCEEDED", "IN_FLIGHT")),
        new Answer(200, "application/json", Shapes.update("u-1", KEY, "ROLLED_FORWARD", "SUCCEEDED", "SUCCEEDED")));

    assertThat(run(true, "update", "wait", "u-1")).isEqualTo(AuroraCli.OK);

    assertThat(out).contains("\r[###############...............] ROLLING_FORWARD 1/2 instances done")
        .contains("\r[##############################] ROLLED_FORWARD 2/2 instances done")
        .endsWith("\nUpdate u-1 ended: ROLLED_FORWARD.\n");
  }

  @Test
  void updateWaitEndingRolledBackExits6() {
    fake.on("GET", "/api/v1/updates/u-1", 200, Shapes.update("u-1", KEY, "ROLLED_BACK", "FAILED", "WAITING"));

    assertThat(aurora("update", "wait", "u-1")).isEqualTo(AuroraCli.UPDATE_FAILED);

    assertThat(out).contains("ROLLED_BACK 0/2 instances done, 1 failed").contains("Update u-1 ended: ROLLED_BACK.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"pause", "resume", "abort", "rollback", "pulse"})
  void updateActionsPostToTheUpdate(String action) {
    fake.on("POST", "/api/v1/updates/u-7/" + action, 204, null);

    assertThat(aurora("update", action, "u-7")).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().method()).isEqualTo("POST");
    assertThat(fake.last().path()).isEqualTo("/api/v1/updates/u-7/" + action);
  }

  @Test
  void anUpdateGivenByItsJobIsTheJobsActiveUpdate() {
    fake.on("GET", "/api/v1/updates", 200, Shapes.list(List.of(
        Shapes.update("u-1", KEY, "ROLLED_FORWARD"), Shapes.update("u-2", KEY, "ROLLING_FORWARD", "IN_FLIGHT"))));
    fake.on("POST", "/api/v1/updates/u-2/pause", 204, null);

    assertThat(aurora("update", "pause", KEY)).isEqualTo(AuroraCli.OK);

    assertThat(fake.requests().get(0).query()).isEqualTo("job=" + KEY);
    assertThat(fake.last().path()).isEqualTo("/api/v1/updates/u-2/pause");
    assertThat(out).contains("Paused update u-2.");
  }

  @Test
  void aJobWithoutAnActiveUpdateExits3() {
    fake.on("GET", "/api/v1/updates", 200, "[]");

    assertThat(aurora("update", "resume", KEY)).isEqualTo(AuroraCli.NOT_FOUND);
    assertThat(err).contains("job " + KEY + " has no active update");
  }

  @Test
  void updateListAndInfo() {
    fake.on("GET", "/api/v1/updates", 200, Shapes.list(List.of(Shapes.update("u-1", KEY, "ROLLED_FORWARD", "SUCCEEDED"))));
    fake.on("GET", "/api/v1/updates/u-1", 200, Shapes.update("u-1", KEY, "ROLLING_FORWARD", "SUCCEEDED", "IN_FLIGHT"));

    assertThat(aurora("update", "list")).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly(
        "ID   JOB                  STATUS          BY     MESSAGE",
        "u-1  " + KEY + "  ROLLED_FORWARD  alice  bump");

    assertThat(aurora("update", "info", "u-1")).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly(
        "Update u-1 of " + KEY + ": ROLLING_FORWARD",
        "Started by alice: bump",
        "Progress: 1/2 instances done",
        "INSTANCE  STATE      FAILURES",
        "0         SUCCEEDED  0",
        "1         IN_FLIGHT  0");
  }

  // ------------------------------------------------------------------ cron, quota, host

  @Test
  void cronVerbs() {
    fake.on("POST", "/api/v1/cron/www-data/prod/report/start", 204, null);
    fake.on("DELETE", "/api/v1/cron/www-data/prod/report", 204, null);
    fake.on("GET", "/api/v1/cron/www-data/prod/report", 200,
        "{\"schedule\":\"0 3 * * *\",\"timezone\":\"UTC\",\"policy\":\"KILL_EXISTING\",\"next\":[\"2026-12-02T03:00:00Z\",\"2026-12-03T03:00:00Z\"]}");

    assertThat(aurora("cron", "start", "www-data/prod/report")).isEqualTo(AuroraCli.OK);
    assertThat(fake.last().method()).isEqualTo("POST");
    assertThat(aurora("cron", "deschedule", "www-data/prod/report")).isEqualTo(AuroraCli.OK);
    assertThat(fake.last().method()).isEqualTo("DELETE");
    assertThat(aurora("cron", "show", "www-data/prod/report", "--count", "2")).isEqualTo(AuroraCli.OK);
    assertThat(fake.last().query()).isEqualTo("count=2");
    assertThat(out.lines().toList()).containsExactly(
        "Cron job www-data/prod/report: 0 3 * * * in UTC (KILL_EXISTING)",
        "Next runs:",
        "  2026-12-02T03:00:00Z",
        "  2026-12-03T03:00:00Z");
  }

  @Test
  void quotaSetPutsTheQuotaAndQuotaGetShowsUse() throws Exception {
    fake.on("PUT", "/api/v1/quotas/www-data", 200, "{\"cpus\":10.0,\"ramMb\":4096,\"diskMb\":8192,\"gpus\":0}");
    fake.on("GET", "/api/v1/quotas", 200, "{\"www-data\":{\"quota\":{\"cpus\":10.0,\"ramMb\":4096,\"diskMb\":8192,\"gpus\":0},"
        + "\"consumption\":{\"cpus\":1.5,\"ramMb\":768,\"diskMb\":0,\"gpus\":0}}}");

    assertThat(aurora("quota", "set", "www-data", "--cpus", "10", "--ram-mb", "4096", "--disk-mb", "8192")).isEqualTo(AuroraCli.OK);
    assertThat(json(fake.last().body())).isEqualTo(json("{\"cpus\":10.0,\"ramMb\":4096,\"diskMb\":8192,\"gpus\":0}"));

    assertThat(aurora("quota", "get")).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly(
        "ROLE      CPUS      RAM MB    DISK MB  GPUS",
        "www-data  1.5/10.0  768/4096  0/8192   0/0",
        "(used/quota)");
  }

  @Test
  void aNegativeQuotaIsRefusedBeforeSending() {
    assertThat(aurora("quota", "set", "www-data", "--cpus", "-1", "--ram-mb", "1", "--disk-mb", "1")).isEqualTo(AuroraCli.USAGE);
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void hostVerbsPostTheHosts() throws Exception {
    fake.on("POST", "/api/v1/hosts/drain", 200,
        "[{\"host\":\"h1\",\"mode\":\"DRAINING\",\"activeTasks\":2},{\"host\":\"h2\",\"mode\":\"DRAINING\",\"activeTasks\":0}]");
    fake.on("POST", "/api/v1/hosts/end", 200, "[{\"host\":\"h1\",\"mode\":\"NONE\",\"activeTasks\":0}]");
    fake.on("GET", "/api/v1/hosts", 200, "[{\"host\":\"h2\",\"mode\":\"DRAINED\",\"activeTasks\":0}]");

    assertThat(aurora("host", "drain", "h1", "h2")).isEqualTo(AuroraCli.OK);
    assertThat(json(fake.last().body())).isEqualTo(json("{\"hosts\":[\"h1\",\"h2\"]}"));
    assertThat(out.lines().toList()).containsExactly("HOST  MODE      ACTIVE TASKS", "h1    DRAINING  2", "h2    DRAINING  0");

    assertThat(aurora("host", "end", "h1")).isEqualTo(AuroraCli.OK);
    assertThat(fake.last().path()).isEqualTo("/api/v1/hosts/end");

    assertThat(aurora("host", "status")).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly("HOST  MODE     ACTIVE TASKS", "h2    DRAINED  0");
  }

  // ------------------------------------------------------------------ task output, why-pending, backup

  @Test
  void taskOutputPrintsTheTextWithTheQueryGiven() {
    fake.onText("GET", "/api/v1/tasks/t-0/output", "line 1\nline 2\n");

    assertThat(aurora("task", "output", "t-0", "--stream", "stderr", "--offset", "-100", "--follow")).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().query()).isEqualTo("stream=stderr&offset=-100&follow=true");
    assertThat(out).isEqualTo("line 1\nline 2\n");
  }

  @Test
  void taskOutputOfOneProcessAsksForThatProcess() {
    fake.onText("GET", "/api/v1/tasks/t-0/output", "fetched\n");

    assertThat(aurora("task", "output", "t-0", "--process", "fetch", "--limit", "100")).isEqualTo(AuroraCli.OK);

    assertThat(fake.last().query()).isEqualTo("stream=stdout&process=fetch&limit=100");
    assertThat(out).isEqualTo("fetched\n");
  }

  @Test
  void backupListShowsTheServersColumns() {
    fake.on("GET", "/api/v1/backups", 200, "[{\"id\":\"backup-1\",\"time\":\"2026-12-01T20:00:00Z\",\"bytes\":15084,"
        + "\"generation\":1,\"snapshotBytes\":3682,\"logBytes\":11402,\"directory\":\"/b/backup-1\"}]");

    assertThat(aurora("backup", "list")).isEqualTo(AuroraCli.OK);

    assertThat(out.lines().toList()).containsExactly("ID        TIME                  BYTES  GENERATION",
        "backup-1  2026-12-01T20:00:00Z  15084  1");
  }

  @Test
  void taskOutputOfAnInstanceFindsItsTask() {
    fake.on("GET", "/api/v1/tasks", 200, Shapes.list(List.of(
        Shapes.task("t-8", KEY, 2, "KILLED", "h"), Shapes.task("t-9", KEY, 2, "RUNNING", "h"), Shapes.task("t-10", KEY, 2, "LOST", "h"))));
    fake.onText("GET", "/api/v1/tasks/t-9/output", "hi\n");

    assertThat(aurora("task", "output", KEY + "/2")).isEqualTo(AuroraCli.OK);

    assertThat(fake.requests().get(0).query()).isEqualTo("job=" + KEY + "&instance=2");
    assertThat(out).isEqualTo("hi\n");
  }

  @Test
  void whyPendingOfAJobAndOfATask() {
    String reason = "{\"pendingTasks\":2,\"vetoes\":{\"insufficient ram\":3,\"limit host:1\":1},"
        + "\"message\":\"insufficient ram: 3 agents; limit host:1: 1 agent\"}";
    fake.on("GET", "/api/v1/jobs/www-data/prod/hello/pending", 200, reason);
    fake.on("GET", "/api/v1/tasks/t-1/pending", 200, reason);

    assertThat(aurora("why-pending", KEY)).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly(
        "insufficient ram: 3 agents; limit host:1: 1 agent",
        "REASON            AGENTS",
        "insufficient ram  3",
        "limit host:1      1");

    assertThat(aurora("why-pending", "t-1")).isEqualTo(AuroraCli.OK);
    assertThat(fake.last().path()).isEqualTo("/api/v1/tasks/t-1/pending");
  }

  @Test
  void backupsBefore501AreAServerError() {
    fake.on("POST", "/api/v1/backups", 501, Shapes.problem(501, "Not Implemented", "backups come with the ZooKeeper work"));
    fake.on("GET", "/api/v1/backups", 200, "[{\"id\":\"b-1\",\"time\":\"2026-12-01T20:00:00Z\"}]");

    assertThat(aurora("backup", "now")).isEqualTo(AuroraCli.SERVER_ERROR);
    assertThat(err).contains("Not Implemented: backups come with the ZooKeeper work");

    assertThat(aurora("backup", "list")).isEqualTo(AuroraCli.OK);
    assertThat(out.lines().toList()).containsExactly("ID   TIME", "b-1  2026-12-01T20:00:00Z");
  }

  // ------------------------------------------------------------------ access, reachability, usage

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void deniedAccessExits4(int status) {
    fake.on("DELETE", "/api/v1/jobs/www-data/prod/hello", status,
        Shapes.problem(status, status == 401 ? "Unauthorized" : "Forbidden", "bob may not kill www-data/prod/hello"));

    assertThat(aurora("job", "kill", KEY)).isEqualTo(AuroraCli.NOT_AUTHORIZED);
    assertThat(err).contains("bob may not kill");
  }

  @Test
  void credentialsAreSentAsBasicOrBearer() {
    fake.on("GET", "/api/v1/hosts", 200, "[]");

    aurora("host", "status", "--user", "bob", "--password", "secret");
    assertThat(fake.last().header("Authorization")).isEqualTo("Basic Ym9iOnNlY3JldA==");

    env.put("AURORA_TOKEN", "t0k3n");
    aurora("host", "status");
    assertThat(fake.last().header("Authorization")).isEqualTo("Bearer t0k3n");
  }

  @Test
  void anUnreachableServerExits5() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }

    assertThat(aurora("--cluster", "http://127.0.0.1:" + port, "job", "status", KEY)).isEqualTo(AuroraCli.UNREACHABLE);
    assertThat(err).contains("cannot reach the scheduler at http://127.0.0.1:" + port);
  }

  @Test
  void badUsageExits2() {
    assertThat(aurora("job", "explode")).isEqualTo(AuroraCli.USAGE);
    assertThat(aurora("job", "kill", "not-a-key")).isEqualTo(AuroraCli.USAGE);
    assertThat(err).contains("\"not-a-key\" is not of the form role/environment/name");
    assertThat(aurora("job", "kill", KEY, "--instances", "x")).isEqualTo(AuroraCli.USAGE);
    assertThat(aurora("job")).isEqualTo(AuroraCli.USAGE);
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void theClusterComesFromClustersJsonByName() throws Exception {
    env.remove("AURORA_URL");
    Files.createDirectories(home.resolve(".aurora"));
    Files.writeString(home.resolve(".aurora/clusters.json"),
        "[{\"name\":\"devcluster\",\"url\":\"" + fake.url() + "\"},{\"name\":\"other\",\"url\":\"http://127.0.0.1:1\"}]");
    fake.on("GET", "/api/v1/hosts", 200, "[]");

    assertThat(aurora("--cluster", "devcluster", "host", "status")).isEqualTo(AuroraCli.OK);
    assertThat(fake.requests()).hasSize(1);

    assertThat(aurora("host", "status")).isEqualTo(AuroraCli.USAGE);
    assertThat(err).contains("no cluster chosen").contains("[devcluster, other]");
  }

  @Test
  void completionPrintsABashScript() {
    assertThat(aurora("completion")).isEqualTo(AuroraCli.OK);

    assertThat(out).contains("complete -F _complete_aurora").contains("why-pending").contains("rollback");
  }

  @Test
  void theEmbeddableEntryPointRunsACommandWithoutExiting() {
    fake.on("GET", "/api/v1/hosts", 200, "[]");
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();

    int code = AuroraCli.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
        Map.of("AURORA_URL", fake.url().toString()), home, "host", "status");

    assertThat(code).isEqualTo(AuroraCli.OK);
    assertThat(o.toString(StandardCharsets.UTF_8)).startsWith("HOST  MODE");
    assertThat(fake.last().path()).isEqualTo("/api/v1/hosts");
  }

  @Test
  void helpListsTheExitCodes() {
    assertThat(aurora("--help")).isEqualTo(AuroraCli.OK);

    assertThat(out).contains("Exit codes:").contains("6   update wait ended in ROLLED_BACK");
  }
}
