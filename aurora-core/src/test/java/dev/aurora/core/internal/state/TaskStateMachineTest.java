package dev.aurora.core.internal.state;

import static dev.aurora.core.ScheduleStatus.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.ScheduleStatus;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The transition table, row by row: every state's legal next states, and nothing else. */
class TaskStateMachineTest {
  private static final Set<ScheduleStatus> ENDS = EnumSet.of(FINISHED, FAILED, KILLED, LOST);
  private static final Set<ScheduleStatus> KILLS = EnumSet.of(KILLING, RESTARTING, DRAINING, PREEMPTING);

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(INIT, EnumSet.of(PENDING, THROTTLED, KILLED)),
        Arguments.of(THROTTLED, EnumSet.of(PENDING, KILLED)),
        Arguments.of(PENDING, EnumSet.of(ASSIGNED, KILLED)),
        Arguments.of(ASSIGNED, with(EnumSet.of(STARTING, RUNNING, PARTITIONED), ENDS, KILLS)),
        Arguments.of(STARTING, with(EnumSet.of(RUNNING, PARTITIONED), ENDS, KILLS)),
        Arguments.of(RUNNING, with(EnumSet.of(PARTITIONED), ENDS, KILLS)),
        Arguments.of(PARTITIONED, with(EnumSet.of(STARTING, RUNNING), ENDS, KILLS)),
        Arguments.of(KILLING, EnumSet.copyOf(ENDS)),
        Arguments.of(RESTARTING, with(EnumSet.of(KILLING), ENDS)),
        Arguments.of(DRAINING, with(EnumSet.of(KILLING), ENDS)),
        Arguments.of(PREEMPTING, with(EnumSet.of(KILLING), ENDS)),
        Arguments.of(FINISHED, EnumSet.noneOf(ScheduleStatus.class)),
        Arguments.of(FAILED, EnumSet.noneOf(ScheduleStatus.class)),
        Arguments.of(KILLED, EnumSet.noneOf(ScheduleStatus.class)),
        Arguments.of(LOST, EnumSet.noneOf(ScheduleStatus.class)));
  }

  @SafeVarargs
  private static EnumSet<ScheduleStatus> with(EnumSet<ScheduleStatus> base, Set<ScheduleStatus>... more) {
    EnumSet<ScheduleStatus> s = EnumSet.copyOf(base);
    for (Set<ScheduleStatus> m : more) {
      s.addAll(m);
    }
    return s;
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void row(ScheduleStatus from, Set<ScheduleStatus> legal) {
    assertThat(TaskStateMachine.next(from)).isEqualTo(legal);
    for (ScheduleStatus to : ScheduleStatus.values()) {
      assertThat(TaskStateMachine.isLegal(from, to)).as("%s -> %s", from, to).isEqualTo(legal.contains(to));
    }
  }

  @Test
  void everyStateHasARow() {
    assertThat(rows().map(a -> a.get()[0])).containsExactlyInAnyOrder((Object[]) ScheduleStatus.values());
  }

  @Test
  void staleReportsAreRecognised() {
    assertThat(TaskStateMachine.isStale(RUNNING, STARTING)).isTrue();
    assertThat(TaskStateMachine.isStale(RUNNING, RUNNING)).isTrue();
    assertThat(TaskStateMachine.isStale(KILLING, RUNNING)).isTrue();
    assertThat(TaskStateMachine.isStale(KILLED, LOST)).isTrue();
    assertThat(TaskStateMachine.isStale(STARTING, RUNNING)).isFalse();
    assertThat(TaskStateMachine.isStale(RUNNING, FAILED)).isFalse();
    assertThat(TaskStateMachine.isStale(KILLING, KILLED)).isFalse();
  }

  @Test
  void anUnreachableReportIsStaleOnlyForATaskBeingKilledOrAlreadyPartitioned() {
    assertThat(TaskStateMachine.isStale(RUNNING, PARTITIONED)).isFalse();
    assertThat(TaskStateMachine.isStale(STARTING, PARTITIONED)).isFalse();
    assertThat(TaskStateMachine.isStale(PARTITIONED, RUNNING)).isFalse();
    assertThat(TaskStateMachine.isStale(PARTITIONED, PARTITIONED)).isTrue();
    assertThat(TaskStateMachine.isStale(KILLING, PARTITIONED)).isTrue();
    assertThat(TaskStateMachine.isStale(LOST, PARTITIONED)).isTrue();
  }

  @Test
  void aPartitionStartsAndEndsThePolicysWait() {
    assertThat(TaskStateMachine.sideEffects(RUNNING, PARTITIONED))
        .containsExactly(TaskStateMachine.SideEffect.START_PARTITION_WAIT);
    assertThat(TaskStateMachine.sideEffects(PARTITIONED, RUNNING))
        .containsExactly(TaskStateMachine.SideEffect.END_PARTITION_WAIT);
    assertThat(TaskStateMachine.sideEffects(PARTITIONED, LOST)).containsExactlyInAnyOrder(
        TaskStateMachine.SideEffect.END_PARTITION_WAIT, TaskStateMachine.SideEffect.CANCEL_THROTTLE,
        TaskStateMachine.SideEffect.RELEASE, TaskStateMachine.SideEffect.END);
    assertThat(TaskStateMachine.sideEffects(PARTITIONED, KILLING))
        .containsExactlyInAnyOrder(TaskStateMachine.SideEffect.KILL, TaskStateMachine.SideEffect.END_PARTITION_WAIT);
  }

  @Test
  void aTaskPlacedLeavesItsGroupAndNothingElse() {
    assertThat(TaskStateMachine.sideEffects(PENDING, ASSIGNED)).containsExactly(TaskStateMachine.SideEffect.LEAVE_GROUP);
  }

  @Test
  void aTaskPendingAgainJoinsItsGroup() {
    assertThat(TaskStateMachine.sideEffects(THROTTLED, PENDING)).containsExactly(TaskStateMachine.SideEffect.JOIN_GROUP);
    assertThat(TaskStateMachine.sideEffects(INIT, PENDING)).containsExactly(TaskStateMachine.SideEffect.JOIN_GROUP);
  }

  @Test
  void aKillOfATaskOnAnAgentIsSentOnceWhenItStarts() {
    for (ScheduleStatus kill : KILLS) {
      assertThat(TaskStateMachine.sideEffects(RUNNING, kill)).containsExactly(TaskStateMachine.SideEffect.KILL);
    }
    assertThat(TaskStateMachine.sideEffects(RESTARTING, KILLING)).isEmpty();
  }

  @Test
  void aTaskEndingOnAnAgentReleasesItsResourcesAndEnds() {
    assertThat(TaskStateMachine.sideEffects(RUNNING, FAILED)).containsExactly(TaskStateMachine.SideEffect.CANCEL_THROTTLE,
        TaskStateMachine.SideEffect.RELEASE, TaskStateMachine.SideEffect.END);
    assertThat(TaskStateMachine.sideEffects(PENDING, KILLED)).containsExactly(TaskStateMachine.SideEffect.LEAVE_GROUP,
        TaskStateMachine.SideEffect.CANCEL_THROTTLE, TaskStateMachine.SideEffect.END);
  }

  @Test
  void anIllegalMoveHasNoSideEffects() {
    assertThat(TaskStateMachine.sideEffects(FINISHED, RUNNING)).isEmpty();
    assertThat(TaskStateMachine.sideEffects(PENDING, RUNNING)).isEmpty();
  }
}
