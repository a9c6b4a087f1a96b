package dev.aurora.core;

/** Where a host is in maintenance. Hosts in any mode but NONE take no new tasks. */
public enum MaintenanceMode {
  /** In service. */
  NONE,
  /** Maintenance is coming: no new tasks land here, running ones stay. */
  SCHEDULED,
  /** Tasks are being moved off. */
  DRAINING,
  /** Every task has moved off; the host may be taken down. */
  DRAINED
}
