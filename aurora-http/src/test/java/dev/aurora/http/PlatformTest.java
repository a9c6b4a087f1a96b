package dev.aurora.http;

import static dev.aurora.http.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Principal;
import dev.aurora.testkit.AuroraExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Health, leadership, metrics, the OpenAPI document, CSRF and the other authenticators. */
class PlatformTest {
  final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2)
      .scheduler(b -> b.authorizer(JobsApiTest.AUTHORIZER).meterRegistry(prometheus));

  @TempDir Path dir;
  Harness h;
  final AtomicReference<LeaderStatus> leader = new AtomicReference<>(LeaderStatus.alwaysLeader());

  void start() {
    h = new Harness(aurora, dir, b -> b.authorizer(JobsApiTest.AUTHORIZER).meterRegistry(prometheus)
        .leaderStatus(new LeaderStatus() {
          @Override
          public boolean isLeader() {
            return leader.get().isLeader();
          }

          @Override
          public Optional<String> leaderAddress() {
            return leader.get().leaderAddress();
          }
        }));
  }

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  static LeaderStatus follower(Optional<String> leaderAt) {
    return new LeaderStatus() {
      @Override
      public boolean isLeader() {
        return false;
      }

      @Override
      public Optional<String> leaderAddress() {
        return leaderAt;
      }
    };
  }

  @Test
  void theJdkServerSendsSmallAnswersWithoutWaitingForTheClientsDelayedAck() {
    // with Nagle's algorithm on, a small body written after its headers waits for the client's delayed
    // ACK (~40 ms on Linux): /health then answered ~700 requests/s on 32 keep-alive connections
    start();
    assertThat(h.get(null, "/health").statusCode()).isEqualTo(200);
    assertThat(System.getProperty(OperatorServer.NODELAY)).isEqualTo("true");
  }

  @Test
  void healthNeedsNoCredentialsAndLeaderhealthTellsWhoLeads() {
    start();
    assertThat(h.get(null, "/health").statusCode()).isEqualTo(200);
    assertThat(h.get(null, "/leaderhealth").statusCode()).isEqualTo(200);
    leader.set(follower(Optional.of("http://scheduler-2:8081")));
    HttpResponse<String> elsewhere = h.get(null, "/leaderhealth");
    assertThat(elsewhere.statusCode()).isEqualTo(503);
    assertThat(elsewhere.body()).contains("http://scheduler-2:8081");
    leader.set(follower(Optional.empty()));
    assertThat(h.get(null, "/leaderhealth").statusCode()).isEqualTo(502);
  }

  @Test
  void aChangeSentToAFollowerIsRedirectedToTheLeaderAndChangesNothingHere() {
    start();
    leader.set(follower(Optional.of("http://scheduler-2:8081")));
    HttpResponse<String> r = h.post("alice", "/api/v1/jobs?x=1", AuroraJson.toJson(JobsApiTest.web(1)));
    assertThat(r.statusCode()).isEqualTo(307);
    assertThat(r.headers().firstValue("Location")).contains("http://scheduler-2:8081/api/v1/jobs?x=1");
    assertThat(h.get("alice", "/api/v1/jobs").statusCode()).isEqualTo(200);
    leader.set(follower(Optional.empty()));
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(1))).statusCode()).isEqualTo(503);
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void metricsAreServedInPrometheusTextAndVarsAsJson() throws Exception {
    start();
    assertThat(h.post("alice", "/api/v1/jobs", AuroraJson.toJson(JobsApiTest.web(2))).statusCode()).isEqualTo(201);
    h.settle();
    HttpResponse<String> metrics = h.get("alice", "/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(metrics.body()).contains("aurora_").contains("aurora_http_requests_seconds_count");
    JsonNode vars = json(h.get("alice", "/vars"));
    assertThat(vars.size()).isGreaterThan(0);
    List<String> names = new ArrayList<>();
    vars.fieldNames().forEachRemaining(names::add);
    assertThat(names).anyMatch(n -> n.startsWith("aurora."));

    Path promtool = Path.of("/usr/bin/promtool");
    Assumptions.assumeTrue(Files.isExecutable(promtool),
        "promtool is not installed (Debian package 'prometheus'): the /metrics format check is skipped");
    Path file = dir.resolve("metrics.txt");
    Files.writeString(file, metrics.body());
    Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(file.toFile())
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void theOpenApiDocumentListsExactlyTheRoutesServed() throws Exception {
    start();
    JsonNode doc = json(h.get("alice", "/api/v1/openapi.json"));
    assertThat(doc.get("openapi").asText()).startsWith("3.1");
    Set<String> documented = new TreeSet<>();
    Set<String> operationIds = new TreeSet<>();
    int operations = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
        String method = m.next();
        documented.add(method.toUpperCase() + " " + path.getKey());
        operationIds.add(path.getValue().get(method).get("operationId").asText());
        operations++;
      }
    }
    assertThat(operationIds).as("operation ids are unique").hasSize(operations);
    Set<String> served = new TreeSet<>(h.server.handler().routes());
    List.of("/health", "/leaderhealth", "/metrics", "/vars").forEach(p -> served.add("GET " + p));
    assertThat(documented).isEqualTo(served);
    // and each documented route answers: with a real example path, never "no such resource" or 405
    for (String route : documented) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replace("{role}/{env}/{name}", "www-data/prod/web")
          .replace("{taskId}", "t-1").replace("{id}", "u-1").replace("{role}", "www-data");
      if (path.endsWith("/events")) {
        continue; // a stream: answered in EventStreamTest
      }
      HttpResponse<String> r = h.send(h.request("ops", path).method(method,
          HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json").build());
      assertThat(r.statusCode()).as(route).isNotEqualTo(405);
      if (r.statusCode() == 404) {
        assertThat(json(r).get("detail").asText()).as(route).doesNotStartWith("no such resource");
      }
    }
  }

  @Test
  void aBrowserChangeNeedsTheSessionsCsrfToken() {
    start();
    HttpResponse<String> noToken = h.send(h.request("alice", "/api/v1/jobs").header("Origin", h.server.url().toString())
        .POST(HttpRequest.BodyPublishers.ofString(AuroraJson.toJson(JobsApiTest.web(1)))).build());
    assertThat(noToken.statusCode()).isEqualTo(403);
    assertThat(json(noToken).get("title").asText()).isEqualTo("missing CSRF token");
    HttpResponse<String> wrong = h.send(h.request("alice", "/api/v1/jobs").header("Origin", "http://evil.example")
        .header("X-CSRF-Token", "guess").POST(HttpRequest.BodyPublishers.ofString(AuroraJson.toJson(JobsApiTest.web(1)))).build());
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(aurora.scheduler().jobs()).isEmpty();

    JsonNode session = json(h.get("alice", "/api/v1/session?role=www-data"));
    assertThat(session.get("principal").asText()).isEqualTo("alice");
    assertThat(session.get("may").get("killInstances").asBoolean()).isTrue();
    assertThat(json(h.get("bob", "/api/v1/session?role=www-data")).get("may").get("killInstances").asBoolean()).isFalse();
    HttpResponse<String> withToken = h.send(h.request("alice", "/api/v1/jobs").header("Origin", h.server.url().toString())
        .header("X-CSRF-Token", session.get("csrfToken").asText())
        .POST(HttpRequest.BodyPublishers.ofString(AuroraJson.toJson(JobsApiTest.web(1)))).build());
    assertThat(withToken.statusCode()).isEqualTo(201);
    // another principal's token does not do
    HttpResponse<String> bobWithAlices = h.send(h.request("ops", "/api/v1/jobs/www-data/prod/web").header("Origin", "x")
        .header("X-CSRF-Token", session.get("csrfToken").asText()).DELETE().build());
    assertThat(bobWithAlices.statusCode()).isEqualTo(403);
    assertThat(aurora.scheduler().jobs()).hasSize(1);
  }

  @Test
  void bearerTokensNameTheirPrincipal() {
    h = new Harness(aurora, dir, b -> b.authenticator(Authenticator.bearer(Map.of("s3cret", Principal.of("alice")))));
    assertThat(h.send(h.request(null, "/api/v1/jobs").header("Authorization", "Bearer s3cret").GET().build())
        .statusCode()).isEqualTo(200);
    HttpResponse<String> wrong = h.send(h.request(null, "/api/v1/jobs").header("Authorization", "Bearer guess").GET().build());
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(json(h.send(h.request(null, "/api/v1/session").header("Authorization", "Bearer s3cret").GET().build()))
        .get("principal").asText()).isEqualTo("alice");
  }

  @Test
  void withoutAnAuthenticatorEveryoneIsAnonymous() {
    h = new Harness(aurora, dir, b -> b.authenticator(Authenticator.none()));
    assertThat(json(h.get(null, "/api/v1/session")).get("principal").asText()).isEqualTo("anonymous");
  }

  @Test
  void aMalformedPasswordFileIsRefusedNamingTheLine() throws Exception {
    Path file = dir.resolve("bad.passwd");
    Files.writeString(file, "# users\nalice:plain-text-password\n");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Authenticator.basic(file)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
  }

  @Test
  void anUnexpectedFailureIsA500WithAnIdAndNoStackTrace() {
    dev.aurora.core.Scheduler broken = (dev.aurora.core.Scheduler) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {dev.aurora.core.Scheduler.class}, (proxy, method, args) -> {
          if (method.getName().equals("events")) {
            return aurora.scheduler().events();
          }
          throw new NullPointerException("secret internals at dev.aurora.core.internal.Something");
        });
    try (OperatorServer server = OperatorServer.builder().scheduler(broken).port(0).start()) {
      HttpResponse<String> r = Harness.sendTo(server, "/api/v1/jobs");
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
      assertThat(json(r).get("detail").asText()).startsWith("an internal error happened; its id in the server's log is ");
      assertThat(r.body()).doesNotContain("secret").doesNotContain("NullPointer").doesNotContain("dev.aurora");
    }
  }

  @Test
  void theUiIsServedFromTheJar() {
    start();
    HttpResponse<String> root = h.get("alice", "/");
    assertThat(root.statusCode()).isEqualTo(302);
    HttpResponse<String> index = h.get("alice", "/ui/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
    assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
    assertThat(index.body()).contains("app.js").doesNotContain("http://").doesNotContain("https://");
    assertThat(h.get("alice", "/ui/app.js").statusCode()).isEqualTo(200);
    assertThat(h.get("alice", "/ui/../pom.xml").statusCode()).isIn(400, 404);
    assertThat(h.get("alice", "/ui/nothing.js").statusCode()).isEqualTo(404);
  }
}
