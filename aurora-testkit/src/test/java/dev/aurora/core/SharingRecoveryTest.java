package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.ResourceQuota;
import dev.aurora.testkit.AuroraExtension;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quotas, the audit trail and maintenance come back from snapshots as well as from the log. */
class SharingRecoveryTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(3).scheduler(b -> b.snapshotEvery(2).auditRetention(3));

  @Test
  void quotasAuditAndMaintenanceSurviveSnapshots() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().setMaintenance(Set.of("host-1"), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL);
    aurora.scheduler().setMaintenance(Set.of("host-2"), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    List<AuditEntry> trail = aurora.scheduler().audit();
    assertThat(trail).hasSize(3);
    assertThat(aurora.storage().recover().snapshot()).hasAtLeastOneElementOfType(Op.SaveAuditEntry.class)
        .hasAtLeastOneElementOfType(Op.SaveQuota.class);

    aurora.restartScheduler();
    assertThat(aurora.scheduler().quotas()).containsOnlyKeys("www-data", "ads");
    assertThat(aurora.scheduler().audit()).isEqualTo(trail);
    assertThat(aurora.scheduler().maintenance())
        .containsEntry("host-1", MaintenanceMode.SCHEDULED).containsEntry("host-2", MaintenanceMode.DRAINED);
  }

  @Test
  void aRemovedQuotaIsLeftOutOfSnapshots() {
    aurora.scheduler().setQuota("www-data", ResourceQuota.of(2, 2048, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().setQuota("ads", ResourceQuota.of(1, 1024, 100, 0), TEST_PRINCIPAL);
    aurora.scheduler().removeQuota("www-data", TEST_PRINCIPAL);
    Storage.Stored stored = aurora.storage().recover();
    assertThat(stored.log()).as("a snapshot was taken after the removal").isEmpty();
    assertThat(stored.snapshot()).filteredOn(op -> op instanceof Op.SaveQuota)
        .extracting(op -> ((Op.SaveQuota) op).role()).containsExactly("ads");

    aurora.restartScheduler();
    assertThat(aurora.scheduler().quotas()).containsOnlyKeys("ads");
  }
}
