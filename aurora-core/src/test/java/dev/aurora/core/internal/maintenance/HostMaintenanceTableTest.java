package dev.aurora.core.internal.maintenance;

import static dev.aurora.core.MaintenanceMode.DRAINED;
import static dev.aurora.core.MaintenanceMode.DRAINING;
import static dev.aurora.core.MaintenanceMode.NONE;
import static dev.aurora.core.MaintenanceMode.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.MaintenanceMode;
import org.junit.jupiter.api.Test;

/** The host maintenance table, row by row. */
class HostMaintenanceTableTest {
  private static void row(MaintenanceMode from, MaintenanceMode onNone, MaintenanceMode onScheduled,
      MaintenanceMode onDraining, MaintenanceMode onDrained) {
    assertThat(HostMaintenanceTable.next(from, NONE)).as(from + " asked NONE").isEqualTo(onNone);
    assertThat(HostMaintenanceTable.next(from, SCHEDULED)).as(from + " asked SCHEDULED").isEqualTo(onScheduled);
    assertThat(HostMaintenanceTable.next(from, DRAINING)).as(from + " asked DRAINING").isEqualTo(onDraining);
    assertThat(HostMaintenanceTable.next(from, DRAINED)).as(from + " asked DRAINED").isEqualTo(onDrained);
  }

  @Test
  void inService() {
    row(NONE, NONE, SCHEDULED, DRAINING, DRAINING);
  }

  @Test
  void scheduled() {
    row(SCHEDULED, NONE, SCHEDULED, DRAINING, DRAINING);
  }

  @Test
  void draining() {
    row(DRAINING, NONE, DRAINING, DRAINING, DRAINING);
  }

  @Test
  void drained() {
    row(DRAINED, NONE, DRAINED, DRAINED, DRAINED);
  }

  @Test
  void onlyADrainingHostMayBecomeDrainedOnItsOwn() {
    assertThat(HostMaintenanceTable.drainMayFinish(DRAINING)).isTrue();
    assertThat(HostMaintenanceTable.drainMayFinish(NONE)).isFalse();
    assertThat(HostMaintenanceTable.drainMayFinish(SCHEDULED)).isFalse();
    assertThat(HostMaintenanceTable.drainMayFinish(DRAINED)).isFalse();
  }

  @Test
  void drainSlaKeepsTheLargerOfCountAndFractionButLetsEveryJobMove() {
    MaintenanceController byFraction = new MaintenanceController(null, 0, 0.8,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThat(byFraction.required(5)).isEqualTo(4);
    assertThat(byFraction.required(10)).isEqualTo(8);
    assertThat(byFraction.required(3)).isEqualTo(2);
    assertThat(byFraction.required(1)).isZero();
    MaintenanceController byCount = new MaintenanceController(null, 6, 0.5,
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThat(byCount.required(10)).isEqualTo(6);
    assertThat(byCount.required(20)).isEqualTo(10);
    assertThat(byCount.required(4)).isEqualTo(3);
  }
}
