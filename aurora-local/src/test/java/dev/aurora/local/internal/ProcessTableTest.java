package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the machine's processes, and sharing one read among the kills under way. */
class ProcessTableTest {
  @Test
  void killsAskingAtOnceShareOneReadOfTheProcessTable() {
    long asked = System.nanoTime();
    ProcessTable first = ProcessTable.snapshotSince(asked);

    assertThat(ProcessTable.snapshotSince(asked)).isSameAs(first);
    assertThat(ProcessTable.snapshotSince(asked - 1_000_000)).isSameAs(first);
  }

  @Test
  void aReadThatBeganBeforeTheAskIsNotReused() throws IOException, InterruptedException {
    ProcessTable before = ProcessTable.snapshotSince(System.nanoTime());
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      ProcessTable after = ProcessTable.snapshotSince(System.nanoTime());

      assertThat(after).isNotSameAs(before);
      assertThat(after.members(List.of(ProcessGroup.of(sleep.toHandle(), false)))).containsExactly(sleep.pid());
    } finally {
      sleep.destroyForcibly().waitFor();
    }
  }

  @Test
  void aTableReadTellsAPidThatNamesAnotherProcessFromTheOneStarted() throws IOException, InterruptedException {
    Process sleep = new ProcessBuilder("sleep", "60").start();
    try {
      ProcessGroup started = ProcessGroup.of(sleep.toHandle(), false);
      ProcessGroup earlier = new ProcessGroup(sleep.pid(), started.leaderStartMillis() - 60_000, false);

      ProcessTable table = ProcessTable.snapshot();

      assertThat(ProcStart.known()).isTrue();
      assertThat(table.members(List.of(started))).containsExactly(sleep.pid());
      assertThat(table.members(List.of(earlier))).isEmpty();
    } finally {
      sleep.destroyForcibly().waitFor();
    }
  }

  @Test
  void startTimesReadFromProcAgreeWithTheJdks() throws IOException {
    long pid = ProcessHandle.current().pid();
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));

    long millis = ProcStart.millis(stat.substring(stat.lastIndexOf(')') + 2).split(" ", 21)[19]);

    assertThat(millis).isEqualTo(ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli());
  }
}
