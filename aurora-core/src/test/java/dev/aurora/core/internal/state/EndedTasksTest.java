package dev.aurora.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job's ended tasks with their end times: what pruning drops is decided from the list alone (so a
 * prune looks up only the tasks it removes, not every ended task of every job).
 */
class EndedTasksTest {
  private static TaskId id(int i) {
    return TaskId.of("t" + i);
  }

  private static List<TaskId> ids(EndedTasks ended) {
    List<TaskId> out = new ArrayList<>();
    ended.forEach(out::add);
    return out;
  }

  @Test
  void tasksComeOutInTheOrderTheyEndedThroughGrowthAndWrapAround() {
    EndedTasks ended = new EndedTasks();
    int next = 0;
    List<TaskId> expected = new ArrayList<>();
    for (int round = 0; round < 50; round++) {
      for (int k = 0; k < 3; k++) {
        ended.add(id(next), next);
        expected.add(id(next++));
      }
      assertThat(ended.pollFirst()).isEqualTo(expected.remove(0));
      assertThat(ended.firstEndMillis()).isEqualTo(Long.parseLong(expected.get(0).value().substring(1)));
    }
    assertThat(ids(ended)).isEqualTo(expected);
    assertThat(ended.size()).isEqualTo(expected.size());
  }

  @Test
  void aTaskPutBackInFrontIsTheOldestAgain() {
    EndedTasks ended = new EndedTasks();
    for (int i = 0; i < 4; i++) {
      ended.add(id(i), 100 + i);
    }
    TaskId first = ended.pollFirst();
    TaskId second = ended.pollFirst();
    ended.addFirst(second, 101);
    ended.addFirst(first, 100);
    ended.add(id(4), 104); // grows while wrapped
    assertThat(ids(ended)).containsExactly(id(0), id(1), id(2), id(3), id(4));
    assertThat(ended.firstEndMillis()).isEqualTo(100);
  }

  @Test
  void prunableCountsTheTasksBeyondTheNewestToKeepAndThoseOlderThanTheCutoff() {
    EndedTasks ended = new EndedTasks();
    for (int i = 0; i < 10; i++) {
      ended.add(id(i), 1_000 + i * 100L); // ended at 1000, 1100, ..., 1900
    }
    assertThat(ended.prunable(100, 0)).isZero(); // under the limit, none too old
    assertThat(ended.prunable(3, 0)).isEqualTo(7); // the newest 3 kept
    assertThat(ended.prunable(100, 1_450)).isEqualTo(5); // 1000 to 1400 are older than the cutoff
    assertThat(ended.prunable(8, 1_450)).isEqualTo(5); // the age prunes more than the limit
    assertThat(ended.prunable(2, 1_450)).isEqualTo(8); // the limit prunes more than the age
    assertThat(ended.prunable(0, 0)).isEqualTo(10);
    assertThat(ended.prunable(5, 5_000)).isEqualTo(10);
    assertThat(EndedTasks.NONE.prunable(1, 5_000)).isZero();
  }
}
