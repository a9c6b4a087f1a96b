package dev.aurora.core.internal.maintenance;

import static dev.aurora.core.MaintenanceMode.DRAINED;
import static dev.aurora.core.MaintenanceMode.DRAINING;
import static dev.aurora.core.MaintenanceMode.NONE;
import static dev.aurora.core.MaintenanceMode.SCHEDULED;

import dev.aurora.core.MaintenanceMode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one table of host maintenance moves: for a host in one mode, which mode an operator's request
 * leads to. Hosts move forward NONE → SCHEDULED → DRAINING → DRAINED and back to NONE only when
 * maintenance ends:
 *
 * <ul>
 *   <li>a request for NONE always ends maintenance;
 *   <li>a request for DRAINED means "drain": the host goes DRAINING, and only the drain itself moves
 *       it to DRAINED, once no task is left on it;
 *   <li>a request for a mode the host is already past (SCHEDULED for a draining host) leaves it
 *       where it is.
 * </ul>
 */
public final class HostMaintenanceTable {
  private static final Map<MaintenanceMode, Map<MaintenanceMode, MaintenanceMode>> TABLE =
      new EnumMap<>(MaintenanceMode.class);

  static {
    //  from       request:  NONE  SCHEDULED  DRAINING  DRAINED
    row(NONE,                NONE, SCHEDULED, DRAINING, DRAINING);
    row(SCHEDULED,           NONE, SCHEDULED, DRAINING, DRAINING);
    row(DRAINING,            NONE, DRAINING,  DRAINING, DRAINING);
    row(DRAINED,             NONE, DRAINED,   DRAINED,  DRAINED);
  }

  private HostMaintenanceTable() {}

  private static void row(MaintenanceMode from, MaintenanceMode onNone, MaintenanceMode onScheduled,
      MaintenanceMode onDraining, MaintenanceMode onDrained) {
    Map<MaintenanceMode, MaintenanceMode> r = new EnumMap<>(MaintenanceMode.class);
    r.put(NONE, onNone);
    r.put(SCHEDULED, onScheduled);
    r.put(DRAINING, onDraining);
    r.put(DRAINED, onDrained);
    TABLE.put(from, r);
  }

  /** The mode a host in {@code current} goes to when an operator asks for {@code requested}. */
  public static MaintenanceMode next(MaintenanceMode current, MaintenanceMode requested) {
    return TABLE.get(current).get(requested);
  }

  /** Whether the drain may move a host from {@code current} on its own: only DRAINING → DRAINED. */
  public static boolean drainMayFinish(MaintenanceMode current) {
    return current == DRAINING;
  }
}
