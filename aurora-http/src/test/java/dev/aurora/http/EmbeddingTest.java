package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.testkit.AuroraExtension;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The handler mounted in a host's servlet container (embedded Jetty 12), and the server over HTTPS. */
class EmbeddingTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  @TempDir Path dir;

  @Test
  void aHostApplicationMountsTheApiInItsOwnServletContainer() throws Exception {
    Object lock = new Object();
    OperatorHandler handler = OperatorHandler.builder().scheduler(Harness.locked(aurora.scheduler(), lock))
        .authenticator(Authenticator.basic(Harness.passwords(dir))).build();
    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    context.addServlet(new ServletHolder(new OperatorServlet(handler)), "/aurora/*");
    jetty.setHandler(context);
    jetty.start();
    try {
      URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app/aurora/");
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<String> created = client.send(HttpRequest.newBuilder(base.resolve("api/v1/jobs"))
          .header("Authorization", Harness.basic("alice"))
          .POST(HttpRequest.BodyPublishers.ofString(AuroraJson.toJson(JobsApiTest.web(2)))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      synchronized (lock) {
        aurora.runUntilIdle();
      }
      HttpResponse<String> jobs = client.send(HttpRequest.newBuilder(base.resolve("api/v1/jobs/www-data/prod/web"))
          .header("Authorization", Harness.basic("alice")).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode job = Harness.JSON.readTree(jobs.body());
      assertThat(job.get("tasks")).hasSize(2);
      HttpResponse<String> unauthenticated = client.send(HttpRequest.newBuilder(base.resolve("api/v1/jobs")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(unauthenticated.statusCode()).isEqualTo(401);
      HttpResponse<String> missing = client.send(HttpRequest.newBuilder(base.resolve("api/v1/jobs/a/b/c"))
          .header("Authorization", Harness.basic("alice")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.headers().firstValue("Content-Type")).contains("application/problem+json");
      assertThat(client.send(HttpRequest.newBuilder(base.resolve("health")).build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);
    } finally {
      jetty.stop();
      handler.close();
    }
  }

  @Test
  void theServerSpeaksHttpsWithTheGivenSslContext() throws Exception {
    Path keystore = dir.resolve("server.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "server", "-keyalg", "EC", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit", "-dname", "CN=localhost", "-validity", "2",
        "-ext", "SAN=dns:localhost,ip:127.0.0.1").redirectErrorStream(true).start();
    assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext serverSsl = SSLContext.getInstance("TLS");
    serverSsl.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext clientSsl = SSLContext.getInstance("TLS");
    clientSsl.init(null, tmf.getTrustManagers(), null);

    try (OperatorServer server = OperatorServer.builder().scheduler(Harness.locked(aurora.scheduler(), new Object()))
        .port(0).https(serverSsl).start()) {
      assertThat(server.url().getScheme()).isEqualTo("https");
      HttpClient client = HttpClient.newBuilder().sslContext(clientSsl).build();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.url().resolve("/api/v1/session")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(Harness.JSON.readTree(r.body()).get("principal").asText()).isEqualTo("anonymous");
    }
  }
}
