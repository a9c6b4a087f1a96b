package dev.aurora.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.Scheduler;
import dev.aurora.core.Storage;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualLeaderElection;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Without a {@link LeaderStatus} of its own, the operator server asks its scheduler who leads: two
 * schedulers under one leader election, each with its server, answer {@code /leaderhealth} as their
 * election says, and a follower names the leader's address.
 */
class LeaderFromSchedulerTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(2).build();
  private final Storage storage = Storage.inMemory();
  private final ManualLeaderElection election = ManualLeaderElection.group();
  private final List<AutoCloseable> closing = new ArrayList<>();

  private OperatorServer serverFor(String address) {
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).storage(Failover.keepOpen(storage))
        .clock(clock).loop(loop).leaderElection(election.participant(address)).build();
    closing.add(s);
    s.start();
    loop.runUntilIdle();
    OperatorServer server = OperatorServer.builder().scheduler(s).port(0).start();
    closing.add(0, server);
    return server;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    storage.close();
  }

  private static HttpResponse<String> get(OperatorServer server, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void leaderhealthFollowsTheSchedulersElection() throws Exception {
    OperatorServer a = serverFor("scheduler-a:8081");
    OperatorServer b = serverFor("scheduler-b:8081");

    election.elect(0);
    loop.runUntilIdle();

    assertThat(get(a, "/leaderhealth").statusCode()).isEqualTo(200);
    HttpResponse<String> follower = get(b, "/leaderhealth");
    assertThat(follower.statusCode()).isEqualTo(503);
    assertThat(follower.body()).contains("http://scheduler-a:8081");

    election.elect(1);
    loop.runUntilIdle();

    assertThat(get(b, "/leaderhealth").statusCode()).isEqualTo(200);
    assertThat(get(a, "/leaderhealth").body()).contains("http://scheduler-b:8081");
  }

  @Test
  void aReadOnAFollowerIsA503NamingTheLeaderNotAServerError() throws Exception {
    OperatorServer a = serverFor("scheduler-a:8081");
    OperatorServer b = serverFor("scheduler-b:8081");
    election.elect(0);
    loop.runUntilIdle();

    HttpResponse<String> read = get(b, "/api/v1/jobs");

    assertThat(read.statusCode()).isEqualTo(503);
    assertThat(read.body()).contains("scheduler-a:8081").doesNotContain("Exception");
    assertThat(get(a, "/api/v1/jobs").statusCode()).isEqualTo(200);
  }
}
