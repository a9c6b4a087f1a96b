package dev.aurora.zk;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.JobConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failover on a real ZooKeeper ensemble of three (curator-test's TestingCluster): three schedulers
 * over one simulated cluster; when the leader's session expires, a ZooKeeper member stops, or the
 * leader is cut off from the ensemble, another scheduler takes over, recovers, reconciles and
 * schedules again. No acknowledged change is lost and no instance ever runs twice.
 */
class FailoverTest {
  private static final Duration SESSION = Duration.ofSeconds(4);
  private TestingCluster ensemble;
  private HaRig rig;

  @BeforeEach
  void start() throws Exception {
    ensemble = ZkTesting.ensemble(3);
    ensemble.start();
    rig = new HaRig("/failover");
  }

  @AfterEach
  void stop() throws Exception {
    rig.close();
    ensemble.close();
  }

  private List<ScheduledTask> startJobOnFirstLeader(JobConfig job, int schedulers) {
    for (int i = 0; i < schedulers; i++) {
      rig.add(ensemble.getConnectString(), SESSION);
    }
    HaRig.Node leader = rig.awaitLeader();
    leader.scheduler().setQuota("www-data", ResourceQuota.of(100, 100_000, 100_000, 0), TEST_PRINCIPAL);
    leader.scheduler().createJob(job, TEST_PRINCIPAL);
    return rig.awaitRunning(job, job.instances());
  }

  private static Set<TaskId> ids(List<ScheduledTask> tasks) {
    return tasks.stream().map(ScheduledTask::id).collect(Collectors.toSet());
  }

  /** After failover: the leader knows the acknowledged state, and schedules. */
  private void assertTakenOver(JobConfig job, Set<TaskId> before) {
    assertThat(rig.<java.util.Optional<dev.aurora.api.JobConfig>>onLeader(s -> s.job(job.key()))).as("the job the old leader acknowledged").isPresent();
    assertThat(rig.<java.util.Optional<ResourceQuota>>onLeader(s -> s.quota("www-data"))).as("the quota the old leader acknowledged").isPresent();
    List<ScheduledTask> running = rig.awaitRunning(job, job.instances());
    assertThat(ids(running)).as("the running tasks were adopted, not replaced").isEqualTo(before);

    TaskId victim = before.iterator().next();
    rig.killOnCluster(victim);
    rig.onLeader(s -> {
      s.addInstances(job.key(), 1, TEST_PRINCIPAL);
      return null;
    });
    List<ScheduledTask> after = rig.awaitRunning(job, job.instances() + 1, Set.of(victim));
    assertThat(ids(after)).doesNotContain(victim);
    rig.assertNoInstanceRunsTwice();
  }

  @Test
  void whenTheLeadersSessionExpiresAnotherSchedulerTakesOver() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 5);
    Set<TaskId> before = ids(startJobOnFirstLeader(job, 3));
    HaRig.Node old = rig.awaitLeader();

    KillSession.kill(old.zk().curator().getZookeeperClient().getZooKeeper());

    rig.awaitLeader(old);
    HaRig.await("the old leader stops leading", () -> !old.scheduler().isLeader());
    assertThat(rig.runningOnCluster()).as("tasks kept running through the failover").containsAll(before);
    assertTakenOver(job, before);
  }

  @Test
  void whenAZooKeeperMemberStopsTheSchedulersGoOn() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 4);
    Set<TaskId> before = ids(startJobOnFirstLeader(job, 2));
    HaRig.Node leaderBefore = rig.awaitLeader();
    InstanceSpec member = ensemble.findConnectionInstance(leaderBefore.zk().curator().getZookeeperClient()
        .getZooKeeper());

    assertThat(ensemble.killServer(member)).isTrue();

    rig.awaitLeader(); // the same scheduler or the other one, once it reconnected
    assertTakenOver(job, before);
  }

  @Test
  void aLeaderCutOffFromTheEnsembleStopsAndAnotherTakesOver() throws Exception {
    JobConfig job = HaRig.service("www-data/prod/web", 5);
    List<TcpProxy> proxies = new java.util.ArrayList<>();
    for (InstanceSpec spec : ensemble.getInstances()) {
      proxies.add(new TcpProxy(spec.getPort()));
    }
    String viaProxies = proxies.stream().map(p -> "127.0.0.1:" + p.port()).collect(Collectors.joining(","));
    try {
      HaRig.Node first = rig.add(viaProxies, SESSION, false);
      rig.awaitLeader();
      rig.add(ensemble.getConnectString(), SESSION);
      rig.add(ensemble.getConnectString(), SESSION);
      first.scheduler().setQuota("www-data", ResourceQuota.of(100, 100_000, 100_000, 0), TEST_PRINCIPAL);
      first.scheduler().createJob(job, TEST_PRINCIPAL);
      Set<TaskId> before = ids(rig.awaitRunning(job, 5));

      proxies.forEach(TcpProxy::cut); // the leader can reach no ZooKeeper server

      HaRig.await("the cut-off leader stops leading", () -> !first.scheduler().isLeader());
      HaRig.Node next = rig.awaitLeader(first);
      assertTakenOver(job, before);

      proxies.forEach(TcpProxy::heal); // it comes back as a follower and never writes
      HaRig.await("the old leader rejoins and names the new one",
          () -> first.scheduler().leader().equals(java.util.Optional.of(next.address())));
      assertThat(first.scheduler().isLeader()).isFalse();
      assertThat(next.scheduler().isLeader()).isTrue();
      rig.assertNoInstanceRunsTwice();
    } finally {
      proxies.forEach(TcpProxy::close);
    }
  }
}
