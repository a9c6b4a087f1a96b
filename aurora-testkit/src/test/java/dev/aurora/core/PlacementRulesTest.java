package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PlacementRulesTest {
  /** 12 agents: racks r0..r3, zones z0..z2; host-0 and host-1 are dedicated to "db". */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(12).attributes(i -> i < 2
      ? Map.of("rack", "r" + (i % 4), "zone", "z" + (i % 3), "dedicated", "db")
      : Map.of("rack", "r" + (i % 4), "zone", "z" + (i % 3)));

  private static JobConfig job(String key, int instances, Constraint... constraints) {
    var b = Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(1).ramMb(512));
    for (Constraint c : constraints) {
      b.constraint(c);
    }
    return b.build();
  }

  private Set<String> hosts(JobConfig job) {
    return aurora.active(job.key()).stream().map(t -> t.host().orElse("-")).collect(Collectors.toSet());
  }

  @Test
  void dedicatedAgentsTakeOnlyTheirTasksAndTheirTasksGoOnlyThere() {
    JobConfig db = job("dba/prod/db", 4, Constraint.dedicated("db"));
    JobConfig web = job("web/prod/web", 30);
    aurora.scheduler().createJob(db, TEST_PRINCIPAL);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(db.key())).hasSize(4);
    assertThat(hosts(db)).isSubsetOf("host-0", "host-1");
    assertThat(aurora.running(web.key())).hasSize(30);
    assertThat(hosts(web)).doesNotContain("host-0", "host-1");
  }

  @Test
  void dedicatedTaskWithNoMatchingAgentSaysSo() {
    JobConfig cache = job("dba/prod/cache", 1, Constraint.dedicated("cache"));
    aurora.scheduler().createJob(cache, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.scheduler().whyPending(cache.key()).vetoes()).containsEntry("not dedicated to cache", 12);
  }

  @Test
  void hostsInMaintenanceTakeNoNewTasks() {
    aurora.scheduler().setMaintenance(Set.of("host-2", "host-3", "host-4"), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL);
    JobConfig web = job("web/prod/web", 7, Constraint.limit("host", 1));
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(web.key())).hasSize(7);
    assertThat(hosts(web)).doesNotContain("host-2", "host-3", "host-4", "host-0", "host-1");
    assertThat(aurora.scheduler().maintenance()).containsEntry("host-3", MaintenanceMode.SCHEDULED);

    // one more instance has nowhere to go and says why
    aurora.scheduler().addInstances(web.key(), 1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.scheduler().whyPending(web.key()).vetoes())
        .containsEntry("host in maintenance", 3).containsEntry("dedicated agent", 2).containsEntry("limit host:1", 7);

    // ending maintenance returns the hosts to service
    aurora.scheduler().setMaintenance(Set.of("host-3"), MaintenanceMode.NONE, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web.key())).hasSize(8);
    assertThat(hosts(web)).contains("host-3");
  }

  @Test
  void valueConstraintsAndRackLimits() {
    JobConfig zoned = job("web/prod/zoned", 3, Constraint.value("zone", "z1"));
    JobConfig notR1 = job("web/prod/not-r1", 5, Constraint.notValue("rack", "r1"));
    JobConfig perRack = job("web/prod/per-rack", 8, Constraint.limit("rack", 2));
    aurora.scheduler().createJob(zoned, TEST_PRINCIPAL);
    aurora.scheduler().createJob(notR1, TEST_PRINCIPAL);
    aurora.scheduler().createJob(perRack, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(zoned.key())).hasSize(3).allSatisfy(t ->
        assertThat(aurora.cluster().agentOnHost(t.host().orElseThrow()).attributes()).containsEntry("zone", "z1"));
    assertThat(aurora.running(notR1.key())).hasSize(5).allSatisfy(t ->
        assertThat(aurora.cluster().agentOnHost(t.host().orElseThrow()).attributes()).doesNotContainEntry("rack", "r1"));
    Map<String, Long> perRackCounts = aurora.running(perRack.key()).stream().collect(Collectors.groupingBy(
        t -> aurora.cluster().agentOnHost(t.host().orElseThrow()).attributes().get("rack"), Collectors.counting()));
    assertThat(perRackCounts).hasSize(4).allSatisfy((rack, n) -> assertThat(n).isEqualTo(2L));
  }

  @Test
  void binPackingFillsAgentsBeforeUsingNewOnes() {
    // 8-cpu agents, 1-cpu tasks: 16 tasks fit on 2 agents
    JobConfig packed = job("web/prod/packed", 16);
    aurora.scheduler().createJob(packed, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(hosts(packed)).hasSize(2);
  }

  @Test
  void revocableTasksNeedRevocableResources() {
    JobConfig batch = Job.service("batch/prod/scavenger").instances(1)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(64).tier(Tier.REVOCABLE)).build();
    aurora.scheduler().createJob(batch, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(batch.key())).hasSize(1);
    assertThat(aurora.scheduler().whyPending(batch.key()).vetoes())
        .containsEntry("tier revocable: no revocable resources", 12);
  }
}
