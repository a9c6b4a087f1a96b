package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class QuotaTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10);

  static JobConfig job(String key, int instances, double cpus, long ramMb, Tier tier) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("p", "./run").cpus(cpus).ramMb(ramMb).diskMb(100).tier(tier))
        .build();
  }

  @Test
  void aRoleWithoutQuotaHasNoLimit() {
    assertThat(aurora.scheduler().quota("www-data")).isEmpty();
    aurora.scheduler().createJob(job("www-data/prod/big", 40, 2, 1024, Tier.PREFERRED), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(80, 40_960, 4_000));
  }

  @Test
  void creationOverQuotaIsRefusedWithTheFiguresAndChangesNothing() {
    ResourceQuota quota = ResourceQuota.of(4, 4096, 10_000, 0);
    aurora.scheduler().setQuota("www-data", quota, TEST_PRINCIPAL);
    JobConfig web = job("www-data/prod/web", 3, 1, 1024, Tier.PREFERRED);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(3, 3072, 300));

    JobConfig api = job("www-data/prod/api", 2, 1, 512, Tier.PREFERRED);
    QuotaExceededException e = catchThrowableOfType(QuotaExceededException.class,
        () -> aurora.scheduler().createJob(api, TEST_PRINCIPAL));

    assertThat(e.role()).isEqualTo("www-data");
    assertThat(e.quota()).isEqualTo(quota);
    assertThat(e.used()).isEqualTo(Resources.of(3, 3072, 300));
    assertThat(e.asked()).isEqualTo(Resources.of(2, 1024, 200));
    assertThat(e).hasMessage("quota of role www-data exceeded: quota cpus=4.0, ramMb=4096, diskMb=10000;"
        + " used cpus=3.0, ramMb=3072, diskMb=300; asked cpus=2.0, ramMb=1024, diskMb=200");
    assertThat(aurora.scheduler().job(api.key())).isEmpty();
    assertThat(aurora.active(api.key())).isEmpty();
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(3, 3072, 300));
    assertThat(aurora.registry().get("aurora.quota.refusals").counter().count()).isEqualTo(1.0);
    assertThat(aurora.scheduler().audit()).last().satisfies(a -> {
      assertThat(a.action()).isEqualTo("createJob");
      assertThat(a.result()).isEqualTo(AuditEntry.Result.REFUSED);
      assertThat(a.message()).startsWith("quota of role www-data exceeded");
    });
  }

  @Test
  void addingInstancesOverQuotaIsRefused() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(4, 8192, 10_000, 0), TEST_PRINCIPAL);
    JobConfig web = job("www-data/prod/web", 3, 1, 1024, Tier.PREFERRED);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.scheduler().addInstances(web.key(), 1, TEST_PRINCIPAL);

    QuotaExceededException e = catchThrowableOfType(QuotaExceededException.class,
        () -> aurora.scheduler().addInstances(web.key(), 1, TEST_PRINCIPAL));
    assertThat(e.used()).isEqualTo(Resources.of(4, 4096, 400));
    assertThat(e.asked()).isEqualTo(Resources.of(1, 1024, 100));
    assertThat(aurora.scheduler().job(web.key()).orElseThrow().instances()).isEqualTo(4);
    assertThat(aurora.active(web.key())).hasSize(4);
  }

  @Test
  void preemptibleAndRevocableJobsTakeNoQuota() {
    aurora.scheduler().setQuota("analytics", ResourceQuota.NONE, TEST_PRINCIPAL);
    aurora.scheduler().createJob(job("analytics/prod/crunch", 10, 2, 2048, Tier.PREEMPTIBLE), TEST_PRINCIPAL);
    aurora.scheduler().createJob(job("analytics/prod/spare", 5, 1, 512, Tier.REVOCABLE), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().quotaConsumption("analytics")).isEqualTo(Resources.NONE);
    assertThatThrownBy(() -> aurora.scheduler().createJob(job("analytics/prod/db", 1, 1, 512, Tier.PREFERRED),
        TEST_PRINCIPAL)).isInstanceOf(QuotaExceededException.class);
  }

  @Test
  void quotaIsPerRole() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 1000, 0), TEST_PRINCIPAL);
    aurora.scheduler().createJob(job("ads/prod/big", 10, 2, 2048, Tier.PREFERRED), TEST_PRINCIPAL);
    aurora.scheduler().createJob(job("www-data/prod/web", 2, 1, 1024, Tier.PREFERRED), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().quotas()).containsOnlyKeys("www-data");
    assertThat(aurora.scheduler().quotaConsumption("ads")).isEqualTo(Resources.of(20, 20_480, 1000));
  }

  @Test
  void anUpdateCountsThePeakOfOldAndNewConfigs() {
    // each case in a role of its own: 10 cpus, 10240 MiB; another job of 2 cpus, 2048 MiB; web at
    // 4 x (1 cpu, 2048 MiB)
    JobConfig web = job("a/prod/web", 4, 1, 2048, Tier.PREFERRED);

    // more cpu, less ram: the peak takes the new cpus and the old ram of each instance (8 cpus, 8192 MiB);
    // others 2 cpus + peak 8 = 10: fits exactly, and the running update claims that peak
    JobConfig moreCpu = job("a/prod/web", 4, 2, 1024, Tier.PREFERRED);
    startUpdateInRoleWithOtherJob(web, moreCpu);
    assertThat(aurora.scheduler().quotaConsumption("a")).isEqualTo(Resources.of(2 + 8, 2048 + 8192, 100 + 400));

    // 2048 MiB more in any instance would need 8192 + 2048 + 2048 (others) > 10240 MiB
    JobConfig moreRam = job("b/prod/web", 4, 1, 2560, Tier.PREFERRED);
    QuotaExceededException e = catchThrowableOfType(QuotaExceededException.class,
        () -> startUpdateInRoleWithOtherJob(job("b/prod/web", 4, 1, 2048, Tier.PREFERRED), moreRam));
    assertThat(e.used()).isEqualTo(Resources.of(6, 10_240, 500));
    assertThat(e.asked()).isEqualTo(Resources.of(0, 2048, 0));

    // growing to 5 instances of the new config: 4 instances at the peak and one new one (10 cpus,
    // 9216 MiB, 500 MiB disk), which asks for 6 cpus, 1024 MiB and 100 MiB disk more than web holds
    JobConfig wider = job("c/prod/web", 5, 2, 1024, Tier.PREFERRED);
    e = catchThrowableOfType(QuotaExceededException.class,
        () -> startUpdateInRoleWithOtherJob(job("c/prod/web", 4, 1, 2048, Tier.PREFERRED), wider));
    assertThat(e.asked()).isEqualTo(Resources.of(10 - 4, 9216 - 8192, 500 - 400));

    // shrinking is never refused, even over quota
    JobConfig d = job("d/prod/web", 4, 1, 2048, Tier.PREFERRED);
    aurora.scheduler().setQuota("d", ResourceQuota.of(10, 10_240, 100_000, 0), TEST_PRINCIPAL);
    aurora.scheduler().createJob(d, TEST_PRINCIPAL);
    aurora.scheduler().setQuota("d", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().startUpdate(d.key(), job("d/prod/web", 2, 1, 2048, Tier.PREFERRED), TEST_PRINCIPAL, "shrink");
  }

  /**
   * In {@code current}'s role, with a quota of 10 cpus and 10240 MiB: creates another job of 2 cpus and
   * 2048 MiB, then {@code current}, then starts an update of it to {@code proposed}.
   */
  private void startUpdateInRoleWithOtherJob(JobConfig current, JobConfig proposed) {
    String role = current.key().role();
    aurora.scheduler().setQuota(role, ResourceQuota.of(10, 10_240, 100_000, 0), TEST_PRINCIPAL);
    aurora.scheduler().createJob(job(role + "/prod/other", 1, 2, 2048, Tier.PREFERRED), TEST_PRINCIPAL);
    aurora.scheduler().createJob(current, TEST_PRINCIPAL);
    aurora.scheduler().startUpdate(current.key(), proposed, TEST_PRINCIPAL, "update");
  }

  @Test
  void startingAnUpdateOverQuotaIsRefusedAndARunningUpdateClaimsItsPeak() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(10, 10_240, 100_000, 0), TEST_PRINCIPAL);
    JobConfig web = job("www-data/prod/web", 4, 1, 2048, Tier.PREFERRED);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    JobConfig tooBig = job("www-data/prod/web", 4, 1, 4096, Tier.PREFERRED);
    QuotaExceededException e = catchThrowableOfType(QuotaExceededException.class,
        () -> aurora.scheduler().startUpdate(web.key(), tooBig, TEST_PRINCIPAL, "more ram"));
    assertThat(e.used()).isEqualTo(Resources.of(4, 8192, 400));
    assertThat(e.asked()).isEqualTo(Resources.of(0, 8192, 0));
    assertThat(aurora.scheduler().updates(web.key())).isEmpty();

    // while it runs, an update from 4 x (1 cpu, 2048 MiB) to 4 x (2 cpus, 1024 MiB) claims 8 cpus and 8192 MiB
    JobConfig moreCpu = Job.service("www-data/prod/web").instances(4)
        .task(t -> t.process("p", "./run").cpus(2).ramMb(1024).diskMb(100))
        .update(dev.aurora.api.UpdateSettings.builder().batchSizes(1).watch(Duration.ofMinutes(5)).build())
        .build();
    UpdateId id = aurora.scheduler().startUpdate(web.key(), moreCpu, TEST_PRINCIPAL, "more cpu");
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.scheduler().update(id).orElseThrow().status().isTerminal()).isFalse();
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(8, 8192, 400));
    // so a new job of 3 cpus no longer fits (beside the old config alone it would have)
    assertThatThrownBy(() -> aurora.scheduler().createJob(job("www-data/prod/api", 3, 1, 256, Tier.PREFERRED),
        TEST_PRINCIPAL)).isInstanceOf(QuotaExceededException.class);

    aurora.advance(Duration.ofMinutes(30));
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(8, 4096, 400));
  }

  @Test
  void quotasSurviveARestart() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(3, 3000, 300, 1), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1000, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(4, 4000, 400, 1), TEST_PRINCIPAL);
    aurora.restartScheduler();
    assertThat(aurora.scheduler().quota("www-data")).contains(ResourceQuota.of(4, 4000, 400, 1));
    assertThat(aurora.scheduler().quota("ads")).contains(ResourceQuota.of(1, 1000, 100, 0));
    aurora.advance(Duration.ofSeconds(1));
  }

  @Test
  void removingAQuotaLiftsTheLimitAsIfNoneHadEverBeenSet() {
    List<SchedulerEvent> events = new ArrayList<>();
    aurora.scheduler().events().subscribe(events::add);
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 1000, 0), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().createJob(job("www-data/prod/web", 2, 1, 1024, Tier.PREFERRED), TEST_PRINCIPAL);
    JobConfig big = job("www-data/prod/big", 40, 2, 1024, Tier.PREFERRED);
    assertThatThrownBy(() -> aurora.scheduler().createJob(big, TEST_PRINCIPAL))
        .isInstanceOf(QuotaExceededException.class);

    aurora.scheduler().removeQuota("www-data", TEST_PRINCIPAL);

    assertThat(aurora.scheduler().quota("www-data")).isEmpty();
    assertThat(aurora.scheduler().quotas()).isEqualTo(Map.of("ads", ResourceQuota.of(1, 1024, 100, 0)));
    aurora.scheduler().createJob(big, TEST_PRINCIPAL); // no limit: the refused job now fits
    assertThat(aurora.scheduler().quotaConsumption("www-data")).isEqualTo(Resources.of(82, 43_008, 4_200));
    assertThatThrownBy(() -> aurora.scheduler().createJob(job("ads/prod/big", 2, 1, 512, Tier.PREFERRED),
        TEST_PRINCIPAL)).as("other roles keep their quotas").isInstanceOf(QuotaExceededException.class);
    assertThat(aurora.registry().get("aurora.quota.refusals").counter().count()).isEqualTo(2.0);

    aurora.runUntilIdle();
    assertThat(events).filteredOn(e -> e instanceof SchedulerEvent.QuotaRemoved).singleElement()
        .isEqualTo(new SchedulerEvent.QuotaRemoved(aurora.clock().instant(), "www-data", TEST_PRINCIPAL));
    assertThat(aurora.scheduler().audit()).filteredOn(a -> a.action().equals("removeQuota")).singleElement()
        .satisfies(a -> {
          assertThat(a.principal()).isEqualTo(TEST_PRINCIPAL);
          assertThat(a.target()).isEqualTo("www-data");
          assertThat(a.result()).isEqualTo(AuditEntry.Result.DONE);
        });
  }

  @Test
  void removingAQuotaThatIsNotSetIsRefusedAndChangesNothing() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 1000, 0), TEST_PRINCIPAL);

    assertThatThrownBy(() -> aurora.scheduler().removeQuota("www-dat", TEST_PRINCIPAL))
        .isExactlyInstanceOf(NoSuchQuotaException.class).hasMessage("role www-dat has no quota to remove");

    assertThat(aurora.scheduler().quotas()).isEqualTo(Map.of("www-data", ResourceQuota.of(2, 2048, 1000, 0)));
    assertThat(aurora.scheduler().audit()).last().satisfies(a -> {
      assertThat(a.action()).isEqualTo("removeQuota");
      assertThat(a.target()).isEqualTo("www-dat");
      assertThat(a.result()).isEqualTo(AuditEntry.Result.REFUSED);
      assertThat(a.message()).isEqualTo("role www-dat has no quota to remove");
    });
    aurora.scheduler().removeQuota("www-data", TEST_PRINCIPAL);
    assertThatThrownBy(() -> aurora.scheduler().removeQuota("www-data", TEST_PRINCIPAL))
        .as("removed already").hasMessage("role www-data has no quota to remove");
    assertThatThrownBy(() -> aurora.scheduler().removeQuota(null, TEST_PRINCIPAL))
        .isInstanceOf(NullPointerException.class).hasMessage("role");
  }

  @Test
  void aRemovedQuotaStaysRemovedAfterAFailover() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1000, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().removeQuota("www-data", TEST_PRINCIPAL);

    aurora.restartScheduler();

    assertThat(aurora.scheduler().quota("www-data")).isEmpty();
    assertThat(aurora.scheduler().quotas()).isEqualTo(Map.of("ads", ResourceQuota.of(1, 1000, 100, 0)));
    JobConfig big = job("www-data/prod/big", 10, 2, 1024, Tier.PREFERRED);
    aurora.scheduler().createJob(big, TEST_PRINCIPAL); // over the removed quota: no limit now
    assertThat(aurora.scheduler().job(big.key())).isPresent();
  }

  @Test
  void aQuotaForARoleNoJobCouldHaveIsRefusedAndChangesNothing() {
    int audited = aurora.scheduler().audit().size();
    assertThatThrownBy(() -> aurora.scheduler().setQuota("www data", ResourceQuota.of(4, 8192, 10_000, 0),
        TEST_PRINCIPAL)).isInstanceOf(dev.aurora.api.InvalidConfigException.class)
        .hasMessageContaining("role: \"www data\" may hold only letters, digits");
    assertThatThrownBy(() -> aurora.scheduler().removeQuota("", TEST_PRINCIPAL))
        .isInstanceOf(dev.aurora.api.InvalidConfigException.class).hasMessageContaining("role: must not be empty");
    assertThat(aurora.scheduler().quotas()).isEmpty();
    assertThat(aurora.scheduler().audit()).hasSize(audited);
  }
}