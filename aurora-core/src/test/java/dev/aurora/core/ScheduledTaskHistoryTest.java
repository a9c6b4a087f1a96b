package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A task's history, kept compactly, reads back exactly as it was written: times, states and messages. */
class ScheduledTaskHistoryTest {
  private static final JobConfig JOB = Job.service("r/e/j").instances(2)
      .task(t -> t.process("p", "./run {{port.http}}").cpus(0.5).ramMb(64).port("http")).build();
  private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  @Test
  void aTaskReadsBackEveryEventItWentThroughWithItsTimeStateAndMessage() {
    ScheduledTask t = ScheduledTask.create(TaskId.of("t-1"), JOB.key(), 0, JOB.task(), T0, 0, 0)
        .withStatus(ScheduleStatus.PENDING, T0 + 1, "")
        .assigned("agent-1", "host-1", new int[] {31001}, T0 + 2)
        .withStatus(ScheduleStatus.STARTING, T0 + 3, "")
        .withStatus(ScheduleStatus.RUNNING, T0 + 4, "up and running")
        .withStatus(ScheduleStatus.KILLING, T0 + 5, "")
        .withStatus(ScheduleStatus.KILLED, T0 + 6, "killed by alice");

    assertThat(t.events()).containsExactly(
        new TaskEvent(T0, ScheduleStatus.INIT, ""),
        new TaskEvent(T0 + 1, ScheduleStatus.PENDING, ""),
        new TaskEvent(T0 + 2, ScheduleStatus.ASSIGNED, "placed on host-1"),
        new TaskEvent(T0 + 3, ScheduleStatus.STARTING, ""),
        new TaskEvent(T0 + 4, ScheduleStatus.RUNNING, "up and running"),
        new TaskEvent(T0 + 5, ScheduleStatus.KILLING, ""),
        new TaskEvent(T0 + 6, ScheduleStatus.KILLED, "killed by alice"));
    assertThat(t.status()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(t.lastMessage()).isEqualTo("killed by alice");
    assertThat(t.statusTime()).isEqualTo(Instant.ofEpochMilli(T0 + 6));
    assertThat(t.timeOf(ScheduleStatus.RUNNING)).contains(Instant.ofEpochMilli(T0 + 4));
    assertThat(t.timeOf(ScheduleStatus.LOST)).isEmpty();
  }

  @Test
  void aTaskRestoredFromItsEventsOrItsJsonEqualsTheTaskItWas() throws Exception {
    ScheduledTask running = ScheduledTask.create(TaskId.of("t-2"), JOB.key(), 1, JOB.task(), T0, 1, 2)
        .withStatus(ScheduleStatus.PENDING, T0 + 10, "")
        .assigned("agent-2", "host-2", new int[] {31002}, T0 + 20)
        .withStatus(ScheduleStatus.RUNNING, T0 + 30, "");
    ScheduledTask withMessages = running.withStatus(ScheduleStatus.FAILED, T0 + 40, "exit 1");

    ObjectMapper json = AuroraJson.newMapper();
    for (ScheduledTask t : List.of(running, withMessages)) {
      ScheduledTask restored = ScheduledTask.restore(t.id(), t.job(), t.instance(), t.config(), t.status(),
          t.agent().orElse(null), t.host().orElse(null), t.ports(), t.events(), t.failureCount(), t.flapCount(), null);
      assertThat(restored).isEqualTo(t);
      assertThat(restored.events()).isEqualTo(t.events());
      ScheduledTask back = json.readValue(json.writeValueAsString(t), ScheduledTask.class);
      assertThat(back).isEqualTo(t);
      assertThat(back.events()).isEqualTo(t.events());
      assertThat(back.lastMessage()).isEqualTo(t.lastMessage());
    }
    assertThat(withMessages).isNotEqualTo(running.withStatus(ScheduleStatus.FAILED, T0 + 40, "exit 2"));
  }

  @Test
  void anAssignedEventWithAnotherMessageKeepsItsOwnWords() {
    ScheduledTask t = ScheduledTask.restore(TaskId.of("t-3"), JOB.key(), 0, JOB.task(), ScheduleStatus.ASSIGNED,
        "agent-1", "host-1", Map.of("http", 31001),
        List.of(new TaskEvent(Instant.ofEpochMilli(T0), ScheduleStatus.PENDING, ""),
            new TaskEvent(Instant.ofEpochMilli(T0 + 1), ScheduleStatus.ASSIGNED, "placed on host-9 by hand")),
        0, 0, null);

    assertThat(t.events().get(1).message()).isEqualTo("placed on host-9 by hand");
    assertThat(t.lastMessage()).isEqualTo("placed on host-9 by hand");
  }

  @Test
  void anEventTimeTooFarFromNowIsRefusedSayingSo() {
    assertThatThrownBy(() -> ScheduledTask.restore(TaskId.of("t-4"), JOB.key(), 0, JOB.task(), ScheduleStatus.PENDING,
        null, null, null, List.of(new TaskEvent(Instant.ofEpochMilli(Long.MAX_VALUE / 2), ScheduleStatus.PENDING, "")),
        0, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a task event's time must lie within about 4.5 million years of 1970");
  }
}
