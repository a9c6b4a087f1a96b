package dev.aurora.http;

import static dev.aurora.http.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.ResourceQuota;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.UpdateStatus;
import dev.aurora.testkit.AuroraExtension;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Updates, cron, quotas, hosts and audit over real HTTP. */
class OperationsApiTest {
  static final JobKey WEB = JobKey.of("www-data", "prod", "web");

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).scheduler(b -> b.authorizer(JobsApiTest.AUTHORIZER));

  @TempDir Path dir;
  Harness h;

  @BeforeEach
  void start() {
    h = new Harness(aurora, dir, b -> b.authorizer(JobsApiTest.AUTHORIZER));
  }

  @AfterEach
  void stop() {
    h.close();
  }

  static JobConfig web(String command, int instances) {
    return Job.service("www-data/prod/web").instances(instances)
        .task(t -> t.process("server", command).cpus(1).ramMb(256)).build();
  }

  String startUpdate() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 3))).statusCode()).isEqualTo(201);
    h.settle();
    String body = "{\"job\":\"www-data/prod/web\",\"config\":" + AuroraJson.toJson(web("./v2", 3))
        + ",\"settings\":{\"batchSizes\":[1],\"watch\":\"PT5S\"},\"message\":\"ship v2\"}";
    HttpResponse<String> r = h.post("alice", "/api/v1/updates", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).get("id").asText();
  }

  @Test
  void anUpdateIsStartedPausedResumedAndShowsPerInstanceProgress() {
    String id = startUpdate();
    h.drive(() -> aurora.advance(Duration.ofSeconds(3)));
    JsonNode u = json(h.get("alice", "/api/v1/updates/" + id));
    assertThat(u.get("status").asText()).isEqualTo(UpdateStatus.ROLLING_FORWARD.name());
    assertThat(u.get("message").asText()).isEqualTo("ship v2");
    assertThat(u.get("instances").size()).isEqualTo(3);

    assertThat(h.post("bob", "/api/v1/updates/" + id + "/pause", "").statusCode()).isEqualTo(403);
    assertThat(h.post("alice", "/api/v1/updates/" + id + "/pause", "").statusCode()).isEqualTo(204);
    assertThat(json(h.get("alice", "/api/v1/updates/" + id)).get("status").asText()).isEqualTo("ROLL_FORWARD_PAUSED");
    assertThat(h.post("alice", "/api/v1/updates/" + id + "/resume", "").statusCode()).isEqualTo(204);
    h.drive(() -> aurora.advance(Duration.ofMinutes(2)));
    assertThat(json(h.get("alice", "/api/v1/updates/" + id)).get("status").asText()).isEqualTo("ROLLED_FORWARD");

    JsonNode list = json(h.get("alice", "/api/v1/updates?job=www-data/prod/web"));
    assertThat(list).hasSize(1);
    assertThat(json(h.get("alice", "/api/v1/updates"))).hasSize(1);
    HttpResponse<String> ended = h.post("alice", "/api/v1/updates/" + id + "/pause", "");
    assertThat(ended.statusCode()).isEqualTo(409);
    assertThat(h.post("alice", "/api/v1/updates/nope/abort", "").statusCode()).isEqualTo(404);
  }

  @Test
  void anUpdateIsAbortedOrRolledBackAndASecondOneConflicts() {
    String id = startUpdate();
    HttpResponse<String> second = h.post("alice", "/api/v1/updates", "{\"config\":" + AuroraJson.toJson(web("./v3", 3)) + "}");
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(h.post("alice", "/api/v1/updates/" + id + "/rollback", "").statusCode()).isEqualTo(204);
    h.drive(() -> aurora.advance(Duration.ofMinutes(2)));
    assertThat(json(h.get("alice", "/api/v1/updates/" + id)).get("status").asText()).isEqualTo("ROLLED_BACK");
  }

  @Test
  void anUpdateOfAnotherJobThanItsConfigIsRefusedNamingTheField() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 1))).statusCode()).isEqualTo(201);
    String body = "{\"job\":\"www-data/prod/other\",\"config\":" + AuroraJson.toJson(web("./v2", 1)) + "}";
    HttpResponse<String> r = h.post("alice", "/api/v1/updates", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("errors").get(0).get("field").asText()).isEqualTo("config.key");
    HttpResponse<String> missing = h.post("alice", "/api/v1/updates", "{\"job\":\"www-data/prod/web\"}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json(h.get("alice", "/api/v1/updates?job=www-data/prod/web"))).isEmpty();
  }

  @Test
  void aPulsedUpdateTakesPulses() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 1))).statusCode()).isEqualTo(201);
    h.settle();
    String body = "{\"config\":" + AuroraJson.toJson(web("./v2", 1)) + ",\"settings\":{\"pulseInterval\":\"PT1M\"}}";
    HttpResponse<String> r = h.post("alice", "/api/v1/updates", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json(r).get("id").asText();
    assertThat(h.post("alice", "/api/v1/updates/" + id + "/pulse", "").statusCode()).isEqualTo(204);
    assertThat(h.post("alice", "/api/v1/updates/" + id + "/abort", "").statusCode()).isEqualTo(204);
    assertThat(json(h.get("alice", "/api/v1/updates/" + id)).get("status").asText()).isEqualTo("ABORTED");
  }

  @Test
  void aCronJobShowsItsNextFiringsStartsNowAndIsDescheduled() {
    JobConfig report = Job.cron("www-data/prod/report", "0 * * * *")
        .task(t -> t.process("p", "./report").cpus(0.5).ramMb(64)).build();
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(report)).statusCode()).isEqualTo(201);
    JsonNode cron = json(h.get("alice", "/api/v1/cron/www-data/prod/report?count=3"));
    assertThat(cron.get("schedule").asText()).isEqualTo("0 * * * *");
    assertThat(cron.get("next")).hasSize(3);
    assertThat(h.get("alice", "/api/v1/cron/www-data/prod/report?count=0").statusCode()).isEqualTo(400);
    assertThat(h.post("bob", "/api/v1/cron/www-data/prod/report/start", "").statusCode()).isEqualTo(403);
    assertThat(h.post("alice", "/api/v1/cron/www-data/prod/report/start", "").statusCode()).isEqualTo(204);
    h.settle();
    assertThat(aurora.tasks(report.key())).isNotEmpty();
    assertThat(h.delete("alice", "/api/v1/cron/www-data/prod/report").statusCode()).isEqualTo(204);
    assertThat(aurora.scheduler().job(report.key())).isEmpty();

    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 1))).statusCode()).isEqualTo(201);
    HttpResponse<String> notCron = h.get("alice", "/api/v1/cron/www-data/prod/web");
    assertThat(notCron.statusCode()).isEqualTo(400);
    assertThat(json(notCron).get("title").asText()).isEqualTo("not a cron job");
    assertThat(h.delete("alice", "/api/v1/cron/www-data/prod/web").statusCode()).isEqualTo(400);
    assertThat(aurora.scheduler().job(WEB)).isPresent();
  }

  @Test
  void quotasAreSetReadAndRemovedOnlyByAnAdmin() {
    String quota = AuroraJson.toJson(ResourceQuota.of(8, 4096, 10_000, 0));
    assertThat(h.put("alice", "/api/v1/quotas/www-data", quota).statusCode()).isEqualTo(403);
    HttpResponse<String> set = h.put("ops", "/api/v1/quotas/www-data", quota);
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 2))).statusCode()).isEqualTo(201);
    JsonNode one = json(h.get("alice", "/api/v1/quotas/www-data"));
    assertThat(one.get("quota").get("cpus").asDouble()).isEqualTo(8.0);
    assertThat(one.get("consumption").get("cpus").asDouble()).isEqualTo(2.0);
    assertThat(json(h.get("alice", "/api/v1/quotas")).get("www-data").get("quota").get("ramMb").asLong()).isEqualTo(4096);

    HttpResponse<String> bad = h.put("ops", "/api/v1/quotas/www-data", "{\"cpus\":\"lots\",\"ramMb\":1,\"diskMb\":1,\"gpus\":0}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("errors").get(0).get("field").asText()).isEqualTo("cpus");
    HttpResponse<String> badRole = h.put("ops", "/api/v1/quotas/b%20d", quota);
    assertThat(badRole.statusCode()).isEqualTo(400);
    assertThat(json(badRole).get("errors").get(0).get("field").asText()).isEqualTo("role");
    assertThat(aurora.scheduler().quota("www-data").orElseThrow().cpus()).isEqualTo(8.0);

    assertThat(h.delete("alice", "/api/v1/quotas/www-data").statusCode()).isEqualTo(403);
    assertThat(h.delete("ops", "/api/v1/quotas/www-data").statusCode()).isEqualTo(204);
    assertThat(h.get("alice", "/api/v1/quotas/www-data").statusCode()).isEqualTo(404);
    assertThat(h.delete("ops", "/api/v1/quotas/www-data").statusCode()).isEqualTo(404);
  }

  @Test
  void hostsAreDrainedAndBroughtBackByAnAdmin() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 2))).statusCode()).isEqualTo(201);
    h.settle();
    String host = aurora.running(WEB).get(0).host().orElseThrow();
    JsonNode hosts = json(h.get("alice", "/api/v1/hosts"));
    assertThat(hosts.toString()).contains(host);

    String body = "{\"hosts\":[\"" + host + "\"]}";
    assertThat(h.post("alice", "/api/v1/hosts/drain", body).statusCode()).isEqualTo(403);
    HttpResponse<String> drain = h.post("ops", "/api/v1/hosts/drain", body);
    assertThat(drain.statusCode()).isEqualTo(200);
    assertThat(json(drain).get(0).get("mode").asText()).startsWith("DRAIN");
    h.settle();
    assertThat(aurora.scheduler().maintenance().get(host)).isEqualTo(MaintenanceMode.DRAINED);
    assertThat(json(h.post("alice", "/api/v1/hosts/status", body)).get(0).get("mode").asText()).isEqualTo("DRAINED");
    assertThat(h.post("ops", "/api/v1/hosts/end", body).statusCode()).isEqualTo(200);
    assertThat(aurora.scheduler().maintenance().getOrDefault(host, MaintenanceMode.NONE)).isEqualTo(MaintenanceMode.NONE);

    HttpResponse<String> empty = h.post("ops", "/api/v1/hosts/drain", "{\"hosts\":[]}");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(json(empty).get("errors").get(0).get("field").asText()).isEqualTo("hosts");
  }

  @Test
  void theAuditLogShowsChangesAndRefusals() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 1))).statusCode()).isEqualTo(201);
    assertThat(h.delete("bob", "/api/v1/jobs/www-data/prod/web").statusCode()).isEqualTo(403);
    JsonNode audit = json(h.get("alice", "/api/v1/audit"));
    assertThat(audit.toString()).contains("alice").contains("createJob").contains("bob");
    assertThat(json(h.get("alice", "/api/v1/audit?limit=1"))).hasSize(1);
    assertThat(h.get("alice", "/api/v1/audit?limit=x").statusCode()).isEqualTo(400);
  }

  @Test
  void utilizationShowsAllocationInTotalPerAttributeValueAndPerAgent() {
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(web("./v1", 3))).statusCode()).isEqualTo(201);
    h.settle();

    JsonNode u = json(h.get("bob", "/api/v1/utilization?by=host"));
    assertThat(u.get("total").get("agents").asInt()).isEqualTo(4);
    assertThat(u.get("total").get("usedCpus").asDouble()).isEqualTo(3.0);
    assertThat(u.get("total").get("usedRamMb").asLong()).isEqualTo(768);
    assertThat(u.get("total").get("tasks").asInt()).isEqualTo(3);
    assertThat(u.get("agents")).hasSize(4);
    assertThat(u.get("groups").get("host")).hasSize(1);
    JsonNode byDefault = json(h.get("bob", "/api/v1/utilization"));
    assertThat(byDefault.get("groups").has("zone")).isTrue();
    assertThat(byDefault.get("groups").has("rack")).isTrue();
  }

  @Test
  void backupsAnswer501SayingHowToEnableThemWhenTheServerHasNone() {
    HttpResponse<String> list = h.get("ops", "/api/v1/backups");
    assertThat(list.statusCode()).isEqualTo(501);
    assertThat(json(list).get("detail").asText()).contains("OperatorServer.builder().backups(FileLogBackups");
    HttpResponse<String> now = h.post("ops", "/api/v1/backups", "");
    assertThat(now.statusCode()).isEqualTo(501);
    assertThat(json(now).get("detail").asText()).contains("file-log storage");
  }
}
