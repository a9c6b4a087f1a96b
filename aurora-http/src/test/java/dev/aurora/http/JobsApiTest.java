package dev.aurora.http;

import static dev.aurora.http.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import java.time.Duration;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.core.Authorizer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.testkit.AuroraExtension;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Jobs and tasks over real HTTP, as alice (www-data), bob (ads) and ops (admin). */
class JobsApiTest {
  static final Authorizer AUTHORIZER =
      Authorizer.roles(Map.of("www-data", Set.of("alice"), "ads", Set.of("bob")), Set.of("ops"));
  static final JobKey WEB = JobKey.of("www-data", "prod", "web");

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).scheduler(b -> b.authorizer(AUTHORIZER));

  @TempDir Path dir;
  Harness h;

  @BeforeEach
  void start() {
    h = new Harness(aurora, dir, b -> b.authorizer(AUTHORIZER));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  static JobConfig web(int instances) {
    return Job.service("www-data/prod/web").instances(instances)
        .task(t -> t.process("server", "./run").cpus(1).ramMb(256)).build();
  }

  void createWeb(int instances) {
    HttpResponse<String> r = h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web(instances)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    h.settle();
  }

  @Test
  void aJobCreatedOverHttpIsListedWithItsRunningInstances() {
    HttpResponse<String> created = h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web(3)));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location")).contains("/api/v1/jobs/www-data/prod/web");
    assertThat(json(created).get("key").asText()).isEqualTo("www-data/prod/web");
    h.settle();

    JsonNode jobs = json(h.get("bob", "/api/v1/jobs"));
    assertThat(jobs).hasSize(1);
    assertThat(jobs.get(0).get("type").asText()).isEqualTo("service");
    assertThat(jobs.get(0).get("active").get("RUNNING").asInt()).isEqualTo(3);
    assertThat(json(h.get("bob", "/api/v1/jobs?role=ads"))).isEmpty();
    assertThat(json(h.get("bob", "/api/v1/jobs?role=www-data"))).hasSize(1);

    JsonNode job = json(h.get("alice", "/api/v1/jobs/www-data/prod/web"));
    assertThat(job.get("config").get("instances").asInt()).isEqualTo(3);
    assertThat(job.get("tasks")).hasSize(3);
    assertThat(job.get("tasks").get(0).get("status").asText()).isEqualTo("RUNNING");
    assertThat(job.get("tasks").get(0).get("host").asText()).isNotEmpty();
  }

  @Test
  void anInvalidConfigIsRefusedNamingEveryFieldAndNothingIsCreated() {
    String body = "{\"key\":\"www-data/prod/web\",\"instances\":\"three\",\"colour\":1,"
        + "\"task\":{\"processes\":[{\"name\":\"p\",\"command\":\"x\"}],\"resources\":{\"cpus\":1,\"ramMb\":64}}}";
    HttpResponse<String> r = h.post("alice", "/api/v1/jobs", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    JsonNode p = json(r);
    assertThat(p.get("status").asInt()).isEqualTo(400);
    assertThat(p.get("errors")).isNotEmpty();
    assertThat(p.get("errors").get(0).get("field").asText()).isEqualTo("instances");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("at dev.aurora");
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void aConfigInvalidInSeveralPlacesListsEachProblem() {
    String body = AuroraJson.toJson(web(2)).replace("\"cpus\" : 1.0", "\"cpus\" : -1.0");
    HttpResponse<String> r = h.post("alice", "/api/v1/jobs", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(json(r).get("errors").toString()).contains("cpus");
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void malformedJsonAnEmptyBodyAndATooLargeBodyAreRefused() {
    HttpResponse<String> malformed = h.post("alice", "/api/v1/jobs", "{\"key\": ");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(json(malformed).get("detail").asText()).contains("malformed JSON");
    assertThat(h.post("alice", "/api/v1/jobs", "").statusCode()).isEqualTo(400);
    HttpResponse<String> big = h.post("alice", "/api/v1/jobs", "{\"key\":\"" + "x".repeat(2 << 20) + "\"}");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(json(big).get("title").asText()).isEqualTo("body too large");
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void unknownJobsAndRoutesAre404AndAWrongMethodIs405() {
    for (String path : List.of("/api/v1/jobs/www-data/prod/nope", "/api/v1/jobs/www-data/prod/nope/pending",
        "/api/v1/cron/www-data/prod/nope", "/api/v1/nothing", "/api/v1/tasks/no-such-task",
        "/api/v1/updates/no-such-update", "/api/v1/quotas/www-data")) {
      HttpResponse<String> r = h.get("alice", path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(json(r).get("status").asInt()).isEqualTo(404);
    }
    assertThat(h.delete("alice", "/api/v1/jobs/www-data/prod/nope").statusCode()).isEqualTo(404);
    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/nope/kill", "{\"instances\":[0]}").statusCode()).isEqualTo(404);
    HttpResponse<String> wrong = h.send(h.request("alice", "/api/v1/jobs").PUT(
        java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(wrong.headers().firstValue("Allow")).contains("GET, POST");
    HttpResponse<String> badKey = h.get("alice", "/api/v1/jobs/www-data/prod/b%20d");
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(json(badKey).get("errors").get(0).get("field").asText()).isEqualTo("key.name");
  }

  @Test
  void withoutValidCredentialsEveryCallIs401AndChangesNothing() {
    HttpResponse<String> none = h.post(null, "/api/v1/jobs", AuroraJson.toJson(web(1)));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    HttpResponse<String> wrong = h.send(h.request(null, "/api/v1/jobs").header("Authorization",
        "Basic " + java.util.Base64.getEncoder().encodeToString("alice:guess".getBytes())).GET().build());
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(h.get(null, "/metrics").statusCode()).isEqualTo(401);
    assertThat(h.get(null, "/ui/").statusCode()).isEqualTo(401);
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void aPrincipalWithoutRightsOnTheRoleIs403AndNothingChanges() {
    createWeb(2);
    assertThat(h.post("bob", "/api/v1/jobs", AuroraJson.toJson(
        Job.service("www-data/prod/other").task(t -> t.process("p", "x").cpus(0.1).ramMb(8)).build())).statusCode())
        .isEqualTo(403);
    HttpResponse<String> kill = h.post("bob", "/api/v1/jobs/www-data/prod/web/kill", "{\"instances\":[0]}");
    assertThat(kill.statusCode()).isEqualTo(403);
    assertThat(json(kill).get("detail").asText()).isEqualTo("bob may not killInstances on role www-data");
    assertThat(h.delete("bob", "/api/v1/jobs/www-data/prod/web").statusCode()).isEqualTo(403);
    assertThat(h.post("bob", "/api/v1/jobs/www-data/prod/web/restart", "").statusCode()).isEqualTo(403);
    assertThat(h.post("bob", "/api/v1/jobs/www-data/prod/web/instances", "{\"count\":1}").statusCode()).isEqualTo(403);
    h.settle();
    assertThat(aurora.running(WEB)).hasSize(2);
    assertThat(aurora.scheduler().jobs()).hasSize(1);
  }

  @Test
  void killRestartAndAddInstances() {
    createWeb(3);
    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/web/kill", "{\"instances\":[2]}").statusCode()).isEqualTo(204);
    h.settle();
    assertThat(aurora.active(WEB)).extracting(t -> t.instance()).containsExactly(0, 1);

    String before = aurora.running(WEB).get(0).id().value();
    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/web/restart", "{\"instances\":[0]}").statusCode()).isEqualTo(204);
    h.settle();
    assertThat(aurora.running(WEB)).extracting(t -> t.id().value()).doesNotContain(before).hasSize(2);

    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/web/instances", "{\"count\":2}").statusCode()).isEqualTo(204);
    h.settle();
    assertThat(aurora.running(WEB)).hasSize(4);

    HttpResponse<String> zero = h.post("alice", "/api/v1/jobs/www-data/prod/web/instances", "{\"count\":0}");
    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(json(zero).get("errors").get(0).get("field").asText()).isEqualTo("count");
    HttpResponse<String> wrongType = h.post("alice", "/api/v1/jobs/www-data/prod/web/kill", "{\"instances\":[\"a\"]}");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(json(wrongType).get("errors").get(0).get("field").asText()).startsWith("instances");
    HttpResponse<String> unknown = h.post("alice", "/api/v1/jobs/www-data/prod/web/kill", "{\"instance\":[1]}");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).get("errors").get(0).get("field").asText()).isEqualTo("instance");
    HttpResponse<String> empty = h.post("alice", "/api/v1/jobs/www-data/prod/web/kill", "{\"instances\":[]}");
    assertThat(empty.statusCode()).isEqualTo(400);
    h.settle();
    assertThat(aurora.running(WEB)).hasSize(4);

    assertThat(h.delete("alice", "/api/v1/jobs/www-data/prod/web").statusCode()).isEqualTo(204);
    h.settle();
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void diffNamesTheChangedFieldsAndInstanceCounts() {
    createWeb(2);
    JobConfig next = Job.service("www-data/prod/web").instances(5)
        .task(t -> t.process("server", "./run --v2").cpus(1).ramMb(512)).build();
    JsonNode d = json(h.post("alice", "/api/v1/jobs/www-data/prod/web/diff", AuroraJson.toJson(next)));
    assertThat(d.get("instancesAdded").asInt()).isEqualTo(3);
    assertThat(d.get("instancesRemoved").asInt()).isEqualTo(0);
    List<String> fields = new ArrayList<>();
    d.get("changes").forEach(c -> fields.add(c.get("field").asText()));
    assertThat(fields).contains("instances", "task.resources.ramMb", "task.processes[0].command");
    assertThat(aurora.scheduler().job(WEB).orElseThrow().instances()).isEqualTo(2);
  }

  @Test
  void pendingTasksSayWhy() {
    JobConfig huge = Job.service("www-data/prod/huge").task(t -> t.process("p", "x").cpus(64).ramMb(64)).build();
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(huge)).statusCode()).isEqualTo(201);
    h.settle();
    JsonNode why = json(h.get("alice", "/api/v1/jobs/www-data/prod/huge/pending"));
    assertThat(why.get("pendingTasks").asInt()).isEqualTo(1);
    assertThat(why.get("vetoes").toString()).containsIgnoringCase("cpu");
    String task = aurora.pending(JobKey.of("www-data", "prod", "huge")).get(0).id().value();
    assertThat(json(h.get("alice", "/api/v1/tasks/" + task + "/pending")).get("pendingTasks").asInt()).isEqualTo(1);
  }

  @Test
  void tasksAreQueriedByJobStateHostAndInstance() {
    createWeb(3);
    assertThat(json(h.get("alice", "/api/v1/tasks"))).hasSize(3);
    assertThat(json(h.get("alice", "/api/v1/tasks?job=www-data/prod/web&state=RUNNING,PENDING"))).hasSize(3);
    assertThat(json(h.get("alice", "/api/v1/tasks?state=PENDING"))).isEmpty();
    assertThat(json(h.get("alice", "/api/v1/tasks?instance=1"))).hasSize(1);
    String host = aurora.running(WEB).get(0).host().orElseThrow();
    JsonNode onHost = json(h.get("alice", "/api/v1/tasks?host=" + host));
    assertThat(onHost).isNotEmpty();
    onHost.forEach(t -> assertThat(t.get("host").asText()).isEqualTo(host));

    HttpResponse<String> badState = h.get("alice", "/api/v1/tasks?state=RUNNNING");
    assertThat(badState.statusCode()).isEqualTo(400);
    assertThat(json(badState).get("errors").get(0).get("field").asText()).isEqualTo("state");
    HttpResponse<String> badInstance = h.get("alice", "/api/v1/tasks?instance=one");
    assertThat(badInstance.statusCode()).isEqualTo(400);
    assertThat(json(badInstance).get("errors").get(0).get("field").asText()).isEqualTo("instance");
    assertThat(h.get("alice", "/api/v1/tasks?job=nope").statusCode()).isEqualTo(400);

    String id = aurora.running(WEB).get(0).id().value();
    JsonNode task = json(h.get("alice", "/api/v1/tasks/" + id));
    assertThat(task.get("status").asText()).isEqualTo(ScheduleStatus.RUNNING.name());
    assertThat(task.get("events").size()).isGreaterThanOrEqualTo(3);
    HttpResponse<String> output = h.get("alice", "/api/v1/tasks/" + id + "/output");
    assertThat(output.statusCode()).isEqualTo(501);
    assertThat(json(output).get("detail").asText()).contains("backend keeps no task output");
    assertThat(h.get("alice", "/api/v1/tasks/no-such-task/output").statusCode()).isEqualTo(404);
  }

  @Test
  void theJobListFollowsEveryChangeWhetherMadeThroughTheApiOrNot() {
    createWeb(2);
    JsonNode before = json(h.get("bob", "/api/v1/jobs"));
    assertThat(before).hasSize(1);
    assertThat(before.get(0).get("active").get("RUNNING").asInt()).isEqualTo(2);
    assertThat(json(h.get("bob", "/api/v1/jobs"))).isEqualTo(before);

    // through the API: seen by the very next read
    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/web/instances", "{\"count\":1}").statusCode()).isEqualTo(204);
    assertThat(json(h.get("bob", "/api/v1/jobs")).get(0).get("instances").asInt()).isEqualTo(3);

    // through the Java API and the cluster: seen once the scheduler has reported it (this server
    // allows no staleness; see theJobListMayLagTheSchedulersEventsByTheStalenessButNeverTheApisChanges)
    h.drive(() -> {
      aurora.scheduler().createJob(Job.service("ads/prod/banner").task(t -> t.process("p", "./p").cpus(1).ramMb(64)).build(),
          Harness.principal("ops"));
      aurora.runUntilIdle();
    });
    h.settle();
    JsonNode after = json(h.get("bob", "/api/v1/jobs"));
    assertThat(after).extracting(j -> j.get("key").asText()).containsExactlyInAnyOrder("www-data/prod/web", "ads/prod/banner");
    assertThat(json(h.get("bob", "/api/v1/jobs?role=www-data")).get(0).get("active").get("RUNNING").asInt()).isEqualTo(3);
    String id = aurora.running(WEB).get(0).id().value();
    h.drive(() -> {
      aurora.cluster().failTask(dev.aurora.api.TaskId.of(id), "exit 1");
      aurora.runUntilIdle();
    });
    assertThat(json(h.get("bob", "/api/v1/jobs?role=www-data")).get(0).get("active").has("RUNNING")
        && json(h.get("bob", "/api/v1/jobs?role=www-data")).get(0).get("active").get("RUNNING").asInt() == 3).isFalse();
  }

  @Test
  void theJobListMayLagTheSchedulersEventsByTheStalenessButNeverTheApisChanges() {
    h.close();
    h = new Harness(aurora, dir, b -> b.authorizer(AUTHORIZER).jobListStaleness(Duration.ofHours(1)));
    createWeb(2);
    JsonNode before = json(h.get("bob", "/api/v1/jobs"));
    assertThat(before).hasSize(1);

    // a job created elsewhere shows only once the staleness has passed (an hour here)
    h.drive(() -> {
      aurora.scheduler().createJob(Job.service("ads/prod/banner").task(t -> t.process("p", "./p").cpus(1).ramMb(64)).build(),
          Harness.principal("ops"));
      aurora.runUntilIdle();
    });
    h.settle();
    assertThat(json(h.get("bob", "/api/v1/jobs"))).isEqualTo(before);

    // a change through the API shows in the very next read, with everything else as it is now
    assertThat(h.post("alice", "/api/v1/jobs/www-data/prod/web/instances", "{\"count\":1}").statusCode()).isEqualTo(204);
    JsonNode after = json(h.get("bob", "/api/v1/jobs"));
    assertThat(after).extracting(j -> j.get("key").asText()).containsExactlyInAnyOrder("www-data/prod/web", "ads/prod/banner");
  }
}
