package dev.aurora.core.internal;

import dev.aurora.core.PlacementFilter;
import dev.aurora.core.internal.audit.AuditLog;
import dev.aurora.core.internal.auth.Admission;
import dev.aurora.core.internal.maintenance.MaintenanceController;
import dev.aurora.core.internal.preemption.Preemptor;
import dev.aurora.core.internal.quota.QuotaController;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * What makes one scheduler safe to share between teams, wired together: quotas, preemption,
 * authorization with an audit trail, and host maintenance. Each part is a {@link CoreListener} over
 * the {@link Core}; the scheduler registers them and routes its operations through {@link
 * #admission()}.
 */
public final class Tenancy {
  private final AuditLog audit;
  private final Admission admission;
  private final QuotaController quota;
  private final Preemptor preemptor;
  private final MaintenanceController maintenance;

  /** Wires the parts; {@code placementFilters} is the placement pipeline the preemptor judges agents with. */
  public Tenancy(Core core, Settings settings, MeterRegistry registry, List<PlacementFilter> placementFilters) {
    this.audit = new AuditLog(core, settings.auditRetention(), registry);
    this.admission = new Admission(core, settings.authorizer(), audit, registry);
    this.quota = new QuotaController(core, registry);
    this.preemptor = new Preemptor(core, settings, placementFilters, registry);
    this.maintenance = new MaintenanceController(core, settings.drainMinHealthyInstances(),
        settings.drainMinHealthyFraction(), settings.slaCoordinators(), settings.drainTimeout(),
        settings.slaRecheckInterval(), registry);
  }

  /** The listeners to register with the scheduler. */
  public List<CoreListener> listeners() {
    return List.of(audit, quota, preemptor, maintenance);
  }

  /** The placement filter holding preempted room for its preemptor; the last filter of the pipeline. */
  public PlacementFilter reservations() {
    return preemptor.reservations();
  }

  /** Authorization and audit around every mutating operation. */
  public Admission admission() {
    return admission;
  }

  /** The audit trail. */
  public AuditLog audit() {
    return audit;
  }

  /** Quotas and consumption; {@link QuotaController#checkUpdate} is what rolling updates call. */
  public QuotaController quota() {
    return quota;
  }

  /** Host maintenance and drains. */
  public MaintenanceController maintenance() {
    return maintenance;
  }
}
