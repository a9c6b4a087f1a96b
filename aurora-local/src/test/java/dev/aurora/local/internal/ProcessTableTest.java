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
}
