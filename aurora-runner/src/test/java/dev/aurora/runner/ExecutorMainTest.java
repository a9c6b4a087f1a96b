package dev.aurora.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutorMainTest {
  @TempDir Path sandbox;

  @Test
  void theExecutorRunsATaskGraphFromItsJsonDescription() throws Exception {
    TaskConfig task = Job.adhoc("www-data/prod/graph").task(t -> t.cpus(1).ramMb(16).port("http")
        .process("fetch", "echo fetched {{port.http}} $AURORA_INSTANCE >> log")
        .process("serve", "echo served {{task_id}} >> log")
        .finalizer("flush", "echo flushed >> log")
        .order("fetch", "serve")).build().task();
    String json = "{\"taskId\":\"t-1\",\"instance\":2,\"sandbox\":" + AuroraJson.toJson(sandbox.toString())
        + ",\"task\":" + AuroraJson.toJson(task) + ",\"ports\":{\"http\":31000}}";
    Path file = Files.writeString(sandbox.resolve("task.json"), json);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = ExecutorMain.run(new String[] {file.toString()}, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).as("stderr: %s", err).isZero();
    assertThat(Files.readString(sandbox.resolve("log"))).isEqualTo("fetched 31000 2\nserved t-1\nflushed\n");
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines[lines.length - 1]).contains("\"event\":\"ended\"").contains("\"state\":\"SUCCEEDED\"");
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"event\":\"process\"").contains("\"process\":\"fetch\"")
        .contains("\"state\":\"SUCCESS\"").contains("\"exitCode\":0"));
  }

  @Test
  void aBadDescriptionIsRefusedWithExitCode2() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ExecutorMain.run(new String[] {"-"},
        new ByteArrayInputStream("{\"taskId\":\"t\",\"nosuch\":1}".getBytes(StandardCharsets.UTF_8)),
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("cannot read the task description");
  }
}
