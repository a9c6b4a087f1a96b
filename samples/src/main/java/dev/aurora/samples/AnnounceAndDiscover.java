package dev.aurora.samples;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.Scheduler;
import dev.aurora.local.LocalBackend;
import dev.aurora.zk.ServerSetAnnouncer;
import dev.aurora.zk.ServerSetMember;
import dev.aurora.zk.ServerSetWatcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;

/**
 * Service announcement and discovery: a scheduler on the local backend runs 3 instances of a small HTTP
 * server, announces each as a Finagle ServerSet member in ZooKeeper (an in-process server here) once its
 * health check passes, and a client finds them with a {@link ServerSetWatcher} and calls each one. Run
 * with {@code mvn -q -pl samples -am exec:java -Dsample=dev.aurora.samples.AnnounceAndDiscover} (after a
 * {@code compile}).
 */
public final class AnnounceAndDiscover {
  private static final Principal USER = Principal.of("sample");

  private AnnounceAndDiscover() {}

  /** The job: {@code instances} HelloServers with an HTTP health check, announced under {@code /aurora}. */
  static JobConfig helloJob(int instances) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Path.of(HelloServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    return Job.service("www-data/prod/hello")
        .instances(instances)
        .task(t -> t.process("server", java + " -Xmx24m -Xss256k -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "
                + classes + " dev.aurora.samples.HelloServer --port {{port.http}} --instance {{instance}}")
            .cpus(0.25).ramMb(200).diskMb(16).port("http")
            .healthCheck(HealthCheck.http("http", "/health").withInitialDelay(Duration.ofSeconds(10))
                .withInterval(Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(1))))
        .announce("http", "/aurora")   // members under /aurora/www-data/prod/hello
        .build();
  }

  /** Runs the sample. */
  public static void main(String[] args) throws Exception {
    Path sandboxes = Files.createTempDirectory("aurora-announce-");
    try (TestingServer zkServer = new TestingServer(true);
         CuratorFramework zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(),
             new ExponentialBackoffRetry(200, 5));
         Scheduler scheduler = Scheduler.builder()
             .backend(LocalBackend.builder().agents(3).cpusPerAgent(1).ramMbPerAgent(512).sandboxRoot(sandboxes)
                 .killGracePeriod(Duration.ofSeconds(2)).build())
             .build()) {
      zk.start();
      scheduler.start();
      try (ServerSetAnnouncer announcer = ServerSetAnnouncer.start(scheduler, zk);
           ServerSetWatcher hello = ServerSetWatcher.watch(zk, "/aurora/www-data/prod/hello")) {
        hello.onChange(members -> System.out.println("ServerSet now: " + members));
        JobConfig job = helloJob(3);
        scheduler.createJob(job, USER);
        List<ServerSetMember> members = hello.await(m -> m.size() == 3, Duration.ofSeconds(60));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (ServerSetMember m : members) {
          // every local agent is this machine: call it on the loopback address, at the announced port
          String body = http.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + m.serviceEndpoint().port() + "/")).build(),
              HttpResponse.BodyHandlers.ofString()).body().trim();
          System.out.println(m.name() + " (shard " + m.shard().orElseThrow() + ", " + m.serviceEndpoint() + "): " + body);
        }
        scheduler.killJob(job.key(), USER);
        hello.await(List::isEmpty, Duration.ofSeconds(30));
        System.out.println("job killed: its members are gone");
      }
    }
  }
}
