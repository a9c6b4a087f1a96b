package dev.aurora.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import dev.aurora.local.LocalBackend;
import dev.aurora.zk.ServerSetAnnouncer;
import dev.aurora.zk.ServerSetMember;
import dev.aurora.zk.ServerSetWatcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The announcer with the local backend: real processes, a real HTTP health check, a real ZooKeeper
 * (curator-test). Here rather than in aurora-zk, whose tests may use only the testkit besides core and api
 * (aurora-architecture's LayersTest); samples may use every module.
 */
class AnnouncedOnLocalBackendTest {
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path sandboxes;

  @Test
  void healthyLocalProcessesAreAnnouncedAndReachableAtTheirMembersEndpoints() throws Exception {
    try (TestingServer zkServer = new TestingServer(true);
         CuratorFramework zk = CuratorFrameworkFactory.newClient(zkServer.getConnectString(), new RetryOneTime(100));
         Scheduler scheduler = Scheduler.builder()
             .backend(LocalBackend.builder().agents(2).cpusPerAgent(1).ramMbPerAgent(512).sandboxRoot(sandboxes)
                 .killGracePeriod(Duration.ofSeconds(2)).build())
             .build()) {
      zk.start();
      assertThat(zk.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
      scheduler.start();
      try (ServerSetAnnouncer announcer = ServerSetAnnouncer.start(scheduler, zk);
           ServerSetWatcher watcher = ServerSetWatcher.watch(zk, "/aurora/www-data/prod/hello")) {
        JobConfig job = AnnounceAndDiscover.helloJob(2);
        scheduler.createJob(job, Principal.of("test"));

        List<ServerSetMember> members = watcher.await(m -> m.size() == 2, BOUND);

        List<ScheduledTask> running = scheduler.tasks(TaskQuery.job(job.key()).states(ScheduleStatus.RUNNING));
        assertThat(running).allSatisfy(t -> assertThat(t.healthy()).contains(true));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (ServerSetMember m : members) {
          int shard = m.shard().orElseThrow();
          ScheduledTask t = running.stream().filter(x -> x.instance() == shard).findFirst().orElseThrow();
          assertThat(m.serviceEndpoint()).isEqualTo(new ServerSetMember.Endpoint(t.host().orElseThrow(),
              t.ports().get("http")));
          String body = http.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + m.serviceEndpoint().port() + "/")).timeout(Duration.ofSeconds(5))
                  .build(), HttpResponse.BodyHandlers.ofString()).body();
          assertThat(body).contains("hello from instance " + shard);
        }

        scheduler.killInstances(job.key(), java.util.Set.of(0), Principal.of("test"));
        assertThat(watcher.await(m -> m.size() == 1, BOUND).get(0).shard()).contains(1);
      }
    }
  }
}
