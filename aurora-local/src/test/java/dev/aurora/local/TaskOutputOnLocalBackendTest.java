package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskOutput;
import dev.aurora.core.TaskOutput.Stream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task's output, read through the core's TaskOutput from the sandbox of real processes. */
class TaskOutputOnLocalBackendTest {
  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;

  @AfterEach
  void close() {
    if (backend != null) {
      backend.close();
    }
  }

  private TaskId launch(Consumer<dev.aurora.api.TaskBuilder> task) {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(2).ramMbPerAgent(1024)
        .diskMbPerAgent(1024).portBase(32100).portsPerAgent(1).killGracePeriod(Duration.ofSeconds(5)).build();
    backend.start(listener);
    TaskConfig config = Job.adhoc("www-data/test/output").task(t -> {
      t.cpus(0.1).ramMb(16).diskMb(1);
      task.accept(t);
    }).build().task();
    Offer offer = listener.awaitOffer("local-0");
    var launch = Tasks.launch(offer, config, List.of()).build();
    backend.launch(List.of(offer.id()), List.of(launch));
    return launch.taskId();
  }

  private static String text(TaskOutput.Chunk c) {
    return new String(c.bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void eachProcessesStdoutAndStderrCanBeReadWholeFromAnOffsetOrAsATail() throws Exception {
    TaskId id = launch(t -> t
        .process("first", "echo one; echo oops >&2")
        .process("second", "printf 'abcdefghij'")
        .order("first", "second"));
    listener.awaitEnd(id);
    TaskOutput output = backend.taskOutput().orElseThrow();

    assertThat(output.processes(id)).containsExactly("first", "second");
    assertThat(text(output.read(id, "first", Stream.STDOUT, 0, 1000).orElseThrow())).isEqualTo("one\n");
    assertThat(text(output.read(id, "first", Stream.STDERR, 0, 1000).orElseThrow())).isEqualTo("oops\n");
    TaskOutput.Chunk middle = output.read(id, "second", Stream.STDOUT, 2, 3).orElseThrow();
    assertThat(text(middle)).isEqualTo("cde");
    assertThat(middle.offset()).isEqualTo(2);
    assertThat(middle.next()).isEqualTo(5);
    assertThat(middle.size()).isEqualTo(10);
    TaskOutput.Chunk tail = output.read(id, "second", Stream.STDOUT, -4, 1000).orElseThrow();
    assertThat(text(tail)).isEqualTo("ghij");
    assertThat(tail.offset()).isEqualTo(6);
    assertThat(text(output.read(id, "second", Stream.STDOUT, 50, 1000).orElseThrow())).isEmpty();
  }

  @Test
  void outputOfARunningTaskGrowsAsItWrites() throws Exception {
    TaskId id = launch(t -> t.process("talker", "echo hello; while [ ! -f stop ]; do sleep 0.05; done; echo bye"));
    listener.awaitStatus(id, ScheduleStatus.RUNNING);
    TaskOutput output = backend.taskOutput().orElseThrow();

    String first = Await.value("hello", () -> read(output, id).filter(s -> s.equals("hello\n")));
    assertThat(first).isEqualTo("hello\n");
    java.nio.file.Files.writeString(Tasks.awaitSandbox(backend, id).resolve("stop"), "");
    listener.awaitEnd(id);
    assertThat(text(output.read(id, "talker", Stream.STDOUT, 6, 100).orElseThrow())).isEqualTo("bye\n");
  }

  private static java.util.Optional<String> read(TaskOutput output, TaskId id) {
    try {
      return output.read(id, "talker", Stream.STDOUT, 0, 100).map(TaskOutputOnLocalBackendTest::text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void unknownTasksAndProcessesAndUnsafeNamesHaveNoOutput() throws Exception {
    TaskId id = launch(t -> t.process("only", "echo x"));
    listener.awaitEnd(id);
    TaskOutput output = backend.taskOutput().orElseThrow();

    assertThat(output.processes(TaskId.of("no-such-task"))).isEmpty();
    assertThat(output.read(TaskId.of("no-such-task"), "only", Stream.STDOUT, 0, 10)).isEmpty();
    assertThat(output.read(id, "other", Stream.STDOUT, 0, 10)).isEmpty();
    assertThat(output.read(id, "../../etc/passwd", Stream.STDOUT, 0, 10)).isEmpty();
    assertThat(output.read(id, ".aurora/processes", Stream.STDOUT, 0, 10)).isEmpty();
  }
}
