package dev.aurora.core.internal.state;

import static dev.aurora.core.ScheduleStatus.ASSIGNED;
import static dev.aurora.core.ScheduleStatus.DRAINING;
import static dev.aurora.core.ScheduleStatus.FAILED;
import static dev.aurora.core.ScheduleStatus.FINISHED;
import static dev.aurora.core.ScheduleStatus.INIT;
import static dev.aurora.core.ScheduleStatus.KILLED;
import static dev.aurora.core.ScheduleStatus.KILLING;
import static dev.aurora.core.ScheduleStatus.LOST;
import static dev.aurora.core.ScheduleStatus.PARTITIONED;
import static dev.aurora.core.ScheduleStatus.PENDING;
import static dev.aurora.core.ScheduleStatus.PREEMPTING;
import static dev.aurora.core.ScheduleStatus.RESTARTING;
import static dev.aurora.core.ScheduleStatus.RUNNING;
import static dev.aurora.core.ScheduleStatus.STARTING;
import static dev.aurora.core.ScheduleStatus.THROTTLED;

import dev.aurora.core.ScheduleStatus;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one table of legal task state transitions. Anything not in it is illegal: rejected, counted,
 * never applied.
 *
 * <p>Moves out of a kill-in-flight state (KILLING, RESTARTING, DRAINING, PREEMPTING) differ only in
 * what follows the end: KILLING ends the instance, the others replace it. A user kill may upgrade a
 * RESTARTING, DRAINING or PREEMPTING task to KILLING.
 *
 * <p>A task on an agent that is not being killed goes PARTITIONED when its agent cannot be reached; it
 * comes back (STARTING or RUNNING), ends, or is killed. A task being killed stays in its kill state
 * while partitioned (the kill is sent again when it reports).
 */
public final class TaskStateMachine {
  private static final Map<ScheduleStatus, Set<ScheduleStatus>> TABLE = new EnumMap<>(ScheduleStatus.class);

  static {
    Set<ScheduleStatus> ends = EnumSet.of(FINISHED, FAILED, KILLED, LOST);
    Set<ScheduleStatus> killsInFlight = EnumSet.of(KILLING, RESTARTING, DRAINING, PREEMPTING);

    row(INIT, EnumSet.of(PENDING, THROTTLED, KILLED));
    row(THROTTLED, EnumSet.of(PENDING, KILLED));
    row(PENDING, EnumSet.of(ASSIGNED, KILLED));
    row(ASSIGNED, union(EnumSet.of(STARTING, RUNNING, PARTITIONED), ends, killsInFlight));
    row(STARTING, union(EnumSet.of(RUNNING, PARTITIONED), ends, killsInFlight));
    row(RUNNING, union(EnumSet.of(PARTITIONED), ends, killsInFlight));
    row(PARTITIONED, union(EnumSet.of(STARTING, RUNNING), ends, killsInFlight));
    row(KILLING, ends);
    row(RESTARTING, union(EnumSet.of(KILLING), ends));
    row(DRAINING, union(EnumSet.of(KILLING), ends));
    row(PREEMPTING, union(EnumSet.of(KILLING), ends));
    row(FINISHED, EnumSet.noneOf(ScheduleStatus.class));
    row(FAILED, EnumSet.noneOf(ScheduleStatus.class));
    row(KILLED, EnumSet.noneOf(ScheduleStatus.class));
    row(LOST, EnumSet.noneOf(ScheduleStatus.class));
  }

  /**
   * What a legal transition requires besides the new state, as Aurora's state machine returns its
   * side effects: the task lifecycle carries them out in this order, and nothing passes through a field.
   */
  public enum SideEffect {
    /** The task leaves its pending group (it was PENDING). */
    LEAVE_GROUP,
    /** The task joins its pending group, and a placement pass is asked for (it is PENDING). */
    JOIN_GROUP,
    /** The backend is asked to kill the task (a kill starts for a task on an agent). */
    KILL,
    /** The task's flapping penalty timer, if any, is cancelled (it ended). */
    CANCEL_THROTTLE,
    /** The task's resources on its agent are released (it ended on an agent). */
    RELEASE,
    /** What follows the end is decided: a replacement, or the end of the instance or job. */
    END,
    /** The wait of the task's partition policy starts (it became PARTITIONED). */
    START_PARTITION_WAIT,
    /** The wait of the task's partition policy, if any, is cancelled (it left PARTITIONED). */
    END_PARTITION_WAIT
  }

  private static final int STATES = ScheduleStatus.values().length;
  /** Side effects by from and to ordinal: unmodifiable sets built once, so a transition allocates none. */
  @SuppressWarnings("unchecked")
  private static final Set<SideEffect>[] EFFECTS = new Set[STATES * STATES];

  static {
    for (ScheduleStatus from : ScheduleStatus.values()) {
      for (ScheduleStatus to : ScheduleStatus.values()) {
        EFFECTS[from.ordinal() * STATES + to.ordinal()] = Collections.unmodifiableSet(effectsOf(from, to));
      }
    }
  }

  private static EnumSet<SideEffect> effectsOf(ScheduleStatus from, ScheduleStatus to) {
    EnumSet<SideEffect> effects = EnumSet.noneOf(SideEffect.class);
    if (!isLegal(from, to)) {
      return effects;
    }
    if (from == PENDING) {
      effects.add(SideEffect.LEAVE_GROUP);
    }
    if (to == PENDING) {
      effects.add(SideEffect.JOIN_GROUP);
    }
    if (to == PARTITIONED) {
      effects.add(SideEffect.START_PARTITION_WAIT);
    }
    if (from == PARTITIONED) {
      effects.add(SideEffect.END_PARTITION_WAIT);
    }
    if (isKillInFlight(to) && from.isOnAgent() && !isKillInFlight(from)) {
      effects.add(SideEffect.KILL);
    }
    if (to.isTerminal()) {
      effects.add(SideEffect.CANCEL_THROTTLE);
      if (from.isOnAgent()) {
        effects.add(SideEffect.RELEASE);
      }
      effects.add(SideEffect.END);
    }
    return effects;
  }

  private TaskStateMachine() {}

  /** The side effects a move from {@code from} to {@code to} requires; none for an illegal move. */
  public static Set<SideEffect> sideEffects(ScheduleStatus from, ScheduleStatus to) {
    return EFFECTS[from.ordinal() * STATES + to.ordinal()];
  }

  /** Whether a task in {@code s} is being killed on its agent (a kill in flight). */
  public static boolean isKillInFlight(ScheduleStatus s) {
    return s == KILLING || s == RESTARTING || s == DRAINING || s == PREEMPTING;
  }

  private static void row(ScheduleStatus from, Set<ScheduleStatus> to) {
    EnumSet<ScheduleStatus> row = EnumSet.noneOf(ScheduleStatus.class);
    row.addAll(to);
    TABLE.put(from, row);
  }

  @SafeVarargs
  private static Set<ScheduleStatus> union(Set<ScheduleStatus>... sets) {
    EnumSet<ScheduleStatus> all = EnumSet.noneOf(ScheduleStatus.class);
    for (Set<ScheduleStatus> s : sets) {
      all.addAll(s);
    }
    return all;
  }

  /** Whether a task in {@code from} may move to {@code to}. */
  public static boolean isLegal(ScheduleStatus from, ScheduleStatus to) {
    return TABLE.get(from).contains(to);
  }

  /** The states a task in {@code from} may move to. */
  public static Set<ScheduleStatus> next(ScheduleStatus from) {
    return EnumSet.copyOf((EnumSet<ScheduleStatus>) TABLE.get(from));
  }

  /**
   * For a backend report of {@code reported} on a task in {@code current}: whether it is stale (a
   * step the task is already past, such as STARTING for a RUNNING task), to be ignored quietly.
   */
  public static boolean isStale(ScheduleStatus current, ScheduleStatus reported) {
    if (current == reported) {
      return true;
    }
    if (current.isTerminal()) {
      return true;
    }
    boolean killInFlight = isKillInFlight(current);
    if (reported == PARTITIONED) {
      return killInFlight;
    }
    return (reported == STARTING || reported == RUNNING) && (current == RUNNING || killInFlight);
  }
}
