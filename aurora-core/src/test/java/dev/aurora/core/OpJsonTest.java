package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every op survives JSON, so file and ZooKeeper storage can keep them as text. */
class OpJsonTest {
  @Test
  void everyOpRoundTrips() throws Exception {
    ObjectMapper mapper = AuroraJson.newMapper();
    JobConfig job = Job.service("r/e/j").instances(2)
        .task(t -> t.process("p", "./run {{port.http}}").cpus(0.5).ramMb(64).port("http")).build();
    ScheduledTask task = ScheduledTask.restore(TaskId.of("t-1"), job.key(), 1, job.task(), ScheduleStatus.RUNNING,
        "agent-1", "host-1", Map.of("http", 31001),
        List.of(new TaskEvent(Instant.parse("2026-01-01T00:00:00Z"), ScheduleStatus.PENDING, ""),
            new TaskEvent(Instant.parse("2026-01-01T00:00:02Z"), ScheduleStatus.RUNNING, "up")),
        0, 1, false);
    List<Op> ops = List.of(new Op.SaveJob(job), new Op.RemoveJob(job.key()), new Op.SaveTask(task),
        new Op.RemoveTasks(List.of(TaskId.of("a"), TaskId.of("b"))),
        new Op.SaveHostMaintenance("h", MaintenanceMode.DRAINED), new Op.SaveQuota("r", ResourceQuota.of(1, 2, 3, 4)),
        new Op.RemoveQuota("r"),
        new Op.SaveAgent("agent-1", "host-1", Map.of("rack", "r1")),
        new Op.AssignTask(TaskId.of("t-1"), "agent-1", "host-1", List.of(31001, 31002), 1_767_225_600_000L),
        new Op.SaveTaskStatus(TaskId.of("t-1"), ScheduleStatus.RUNNING, 1_767_225_601_000L, ""),
        new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 1_767_225_600_000L, new int[] {0, 1},
            List.of(TaskId.of("t-0"), TaskId.of("t-1"))),
        new Op.SaveTaskStatus(TaskId.of("t-1"), ScheduleStatus.FAILED, 1_767_225_602_000L, "exit 1"),
        new Op.SaveAuditEntry(new AuditEntry(Instant.parse("2026-01-01T00:00:03Z"), Principal.of("alice"),
            "createJob", "r/e/j x2", AuditEntry.Result.REFUSED, "quota of role r exceeded")));
    for (Op op : ops) {
      String json = mapper.writeValueAsString(op);
      assertThat(mapper.readValue(json, Op.class)).as(json).isEqualTo(op);
    }
    ScheduledTask back = ((Op.SaveTask) mapper.readValue(mapper.writeValueAsString(new Op.SaveTask(task)), Op.class)).task();
    assertThat(back.ports()).containsEntry("http", 31001);
    assertThat(back.healthy()).contains(false);
    assertThat(back.events()).hasSize(2);
  }

  @Test
  void createdTasksNameTheirConfigOnceAndReadBackAsTheTasksCreated() throws Exception {
    ObjectMapper mapper = AuroraJson.newMapper().copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    JobConfig job = Job.service("r/e/j").instances(3)
        .task(t -> t.process("p", "./run {{port.http}}").cpus(0.5).ramMb(64).port("http")).build();
    Op.CreateTasks op = new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 1_767_225_600_000L,
        new int[] {0, 1, 2}, List.of(TaskId.of("t-0"), TaskId.of("t-1"), TaskId.of("t-2")));

    String json = mapper.writeValueAsString(op);

    assertThat(json).containsOnlyOnce("\"processes\"").contains("\"instances\":[0,1,2]")
        .contains("\"ids\":[\"t-0\",\"t-1\",\"t-2\"]");
    Op.CreateTasks back = (Op.CreateTasks) mapper.readValue(json, Op.class);
    assertThat(back).isEqualTo(op);
    assertThat(back.tasks()).extracting(ScheduledTask::instance).containsExactly(0, 1, 2);
    assertThat(back.tasks()).allSatisfy(t -> {
      assertThat(t.status()).isEqualTo(ScheduleStatus.PENDING);
      assertThat(t.config()).isSameAs(back.config());
      assertThat(t.events()).extracting(TaskEvent::status).containsExactly(ScheduleStatus.INIT, ScheduleStatus.PENDING);
    });
  }

  @Test
  void createdTasksWithUnalignedInstancesAndIdsAreRefused() {
    JobConfig job = Job.service("r/e/j").instances(1).task(t -> t.process("p", "./run").cpus(0.5).ramMb(64)).build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Op.CreateTasks(job.key(), job.task(),
        ScheduleStatus.PENDING, 0, new int[] {0, 1}, List.of(TaskId.of("t-0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 instances but 1 task ids");
  }
}
