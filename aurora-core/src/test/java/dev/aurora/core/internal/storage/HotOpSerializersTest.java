package dev.aurora.core.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The file log writes its most frequent ops, task ids and job keys with its own serializers: the bytes
 * must be exactly those the model's mapper writes (older and newer releases read the same log), for
 * every status, with and without ports and message, and with text that JSON must escape.
 */
class HotOpSerializersTest {
  /** What the log wrote before it had its own serializers: the model's mapper, compact, instants as text. */
  private static final ObjectWriter MODEL = AuroraJson.newMapper()
      .registerModule(new SimpleModule("instants").addSerializer(Instant.class, new IsoInstantSerializer()))
      .writerFor(new TypeReference<List<Op>>() {}).without(SerializationFeature.INDENT_OUTPUT);

  private static final List<String> AWKWARD = List.of("agent-7", "host \"quoted\"", "back\\slash", "tab\tnew\nline",
      "ctl\u0001\u001f", "é ü ß", "日本語", "emoji \uD83D\uDE80", "slash/</script>", "");

  @Test
  void placementsAndMovesAreWrittenAsTheModelsMapperWritesThem() throws Exception {
    List<Op> ops = new ArrayList<>();
    long time = 1_767_225_600_000L;
    for (int i = 0; i < AWKWARD.size(); i++) {
      String text = AWKWARD.get(i);
      TaskId id = TaskId.of("www-data-prod-web-" + i + "-" + (text.isEmpty() ? "x" : text));
      List<Integer> ports = switch (i % 3) {
        case 0 -> List.of();
        case 1 -> List.of(31_002);
        default -> List.of(31_000, 0, 65_535, Integer.MAX_VALUE);
      };
      ops.add(new Op.AssignTask(id, text.isEmpty() ? "a" : text, text, ports, time + i));
      ops.add(new Op.SaveTaskStatus(id, ScheduleStatus.values()[i % ScheduleStatus.values().length], -time - i, text));
    }
    for (ScheduleStatus status : ScheduleStatus.values()) {
      ops.add(new Op.SaveTaskStatus(TaskId.of("t-" + status), status, 0, ""));
      ops.add(new Op.SaveTaskStatus(TaskId.of("t-" + status), status, Long.MAX_VALUE, "message of " + status));
    }
    ops.add(new Op.AssignTask(TaskId.of("t"), "agent", "host", null, Long.MIN_VALUE));
    assertWrittenAsTheModelWritesThem(ops);
  }

  @Test
  void idsAndKeysInsideOtherOpsAreWrittenAsTheModelsMapperWritesThem() throws Exception {
    JobConfig job = Job.service("www-data/prod/web").instances(3)
        .task(t -> t.process("p", "./serve --port {{port.http}} \"quoted\" \\ é").cpus(0.5).ramMb(64).diskMb(8)
            .port("http"))
        .build();
    List<TaskId> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(TaskId.of("www-data-prod-web-" + i + "-" + AWKWARD.get(i + 1)));
    }
    List<Op> ops = List.of(
        new Op.SaveJob(job),
        new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 1_767_225_600_000L, new int[] {0, 1, 2}, ids),
        new Op.RemoveTasks(ids),
        new Op.RemoveJob(JobKey.parse("a_b/c.d/e-f")),
        new Op.SaveCronState(JobKey.parse("role/env/cron"), Instant.parse("2026-12-02T02:23:20.123Z")));
    assertWrittenAsTheModelWritesThem(ops);
  }

  private static void assertWrittenAsTheModelWritesThem(List<Op> ops) throws Exception {
    String model = new String(MODEL.writeValueAsBytes(ops), StandardCharsets.UTF_8);
    String log = new String(LogFormat.WRITER.writeValueAsBytes(ops), StandardCharsets.UTF_8);
    assertThat(log).isEqualTo(model);
    assertThat(LogFormat.READER.<List<Op>>readValue(log.getBytes(StandardCharsets.UTF_8))).isEqualTo(ops);
    // one at a time too (the type id is written by the serializer then, not by the list's type handling)
    for (Op op : ops) {
      assertThat(new String(LogFormat.WRITER.writeValueAsBytes(List.of(op)), StandardCharsets.UTF_8))
          .isEqualTo(new String(MODEL.writeValueAsBytes(List.of(op)), StandardCharsets.UTF_8));
    }
  }
}
