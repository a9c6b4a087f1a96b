package dev.aurora.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Resources;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryLimitTest {
  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void taskOverItsMemoryIsKilledAndFails() {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(1).ramMbPerAgent(512)
        .memoryCheckInterval(Duration.ofMillis(50)).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    // a child shell holds 100 MB in a variable: the limit counts the whole tree
    TaskLaunch hog = Tasks.launch(offer, Resources.of(0.1, 32, 0),
        "echo $$ > pids; sh -c 'echo $$ >> pids; x=$(head -c 100000000 /dev/zero | tr \"\\0\" a); sleep 60'").build();
    backend.launch(List.of(offer.id()), List.of(hog));
    List<Long> pids = Tasks.awaitPids(Tasks.awaitSandbox(backend, hog.taskId()).resolve("pids"), 2);

    TaskStatus end = listener.awaitEnd(hog.taskId());

    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).matches("memory limit exceeded: used \\d+ MiB of 32 MiB");
    assertThat(Integer.parseInt(end.message().replaceAll("\\D+(\\d+) MiB of.*", "$1"))).isGreaterThan(32);
    assertThat(pids).noneMatch(Tasks::isRunning);
  }

  @Test
  void taskWithinItsMemoryRunsOn() {
    backend = LocalBackend.builder().sandboxRoot(root).agents(1).cpusPerAgent(1).ramMbPerAgent(512)
        .memoryCheckInterval(Duration.ofMillis(20)).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch modest = Tasks.launch(offer, Resources.of(0.1, 64, 0), "x=$(head -c 1000000 /dev/zero | tr '\\0' a)")
        .build();

    backend.launch(List.of(offer.id()), List.of(modest));

    assertThat(listener.awaitEnd(modest.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
  }
}
