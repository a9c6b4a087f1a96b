package dev.aurora.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MesosLoopbackTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  private static final JobConfig JOB = Job.service("bench/prod/svc0").instances(3)
      .task(t -> t.process("server", "./server").cpus(0.1).ramMb(64).diskMb(1)).build();

  private static ScheduledTask task(int instance, TaskEvent... events) {
    return ScheduledTask.restore(TaskId.of("svc0-" + instance), JOB.key(), instance, JOB.task(),
        events[events.length - 1].status(), "agent-1", "host-1", Map.of(), List.of(events), 0, 0, null);
  }

  /**
   * "SUBSCRIBED -> all RUNNING in the scheduler" is when the scheduler recorded the last task's RUNNING,
   * whenever the harness looks: a later event of another state, or a look seconds later, does not move it.
   */
  @Test
  void allRunningInTheSchedulerIsTheTimeOfTheLastRunningEvent() {
    List<ScheduledTask> tasks = List.of(
        task(0, new TaskEvent(T0, ScheduleStatus.PENDING, ""), new TaskEvent(T0.plusMillis(1_200),
            ScheduleStatus.RUNNING, "")),
        task(1, new TaskEvent(T0, ScheduleStatus.PENDING, ""), new TaskEvent(T0.plusMillis(9_830),
            ScheduleStatus.RUNNING, "")),
        task(2, new TaskEvent(T0, ScheduleStatus.PENDING, ""), new TaskEvent(T0.plusMillis(3_000),
            ScheduleStatus.RUNNING, ""), new TaskEvent(T0.plusMillis(20_000), ScheduleStatus.KILLING, "")));

    assertThat(MesosLoopback.lastRunning(tasks)).isEqualTo(T0.plusMillis(9_830).toEpochMilli());
  }
}
