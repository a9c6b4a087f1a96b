package dev.aurora.core.internal.preemption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.api.Tier;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VictimSelectorTest {
  private static int seq;

  static ScheduledTask task(String role, double cpus, Tier tier, int priority) {
    JobConfig job = Job.service(role + "/prod/j" + (++seq))
        .task(t -> t.process("p", "./run").cpus(cpus).ramMb(100).tier(tier).priority(priority)).build();
    return ScheduledTask.restore(TaskId.of("t-" + seq), job.key(), 0, job.task(), ScheduleStatus.RUNNING,
        "agent-1", "host-1", Map.of(), List.of(), 0, 0, null);
  }

  /** The preemptor needs {@code cpus} more than the agent has free. */
  static VictimSelector.Fit needs(double cpus) {
    return (c, ram, disk, gpus, ports, tasks) -> c + 1e-9 >= cpus;
  }

  static List<ScheduledTask> sorted(ScheduledTask... tasks) {
    List<ScheduledTask> l = new ArrayList<>(List.of(tasks));
    l.sort(VictimSelector.PREFERENCE);
    return l;
  }

  @Test
  void nothingIsChosenWhenThePreemptorFitsAlready() {
    assertThat(VictimSelector.choose(sorted(task("a", 1, Tier.PREEMPTIBLE, 0)), needs(0), 100)).isEmpty();
  }

  @Test
  void nullWhenEvenAllVictimsWouldNotDo() {
    assertThat(VictimSelector.choose(sorted(task("a", 1, Tier.PREEMPTIBLE, 0)), needs(2), 100)).isNull();
  }

  @Test
  void theSmallestSetWins() {
    ScheduledTask big = task("a", 3, Tier.PREEMPTIBLE, 5);
    List<ScheduledTask> victims = sorted(task("a", 1, Tier.PREEMPTIBLE, 0), task("a", 1, Tier.PREEMPTIBLE, 0),
        task("a", 1, Tier.PREEMPTIBLE, 0), big);
    assertThat(VictimSelector.choose(victims, needs(3), 100)).containsExactly(big);
  }

  @Test
  void amongSetsOfOneSizeNonProductionAndLowerPriorityWin() {
    ScheduledTask preferred = task("a", 2, Tier.PREFERRED, 0);
    ScheduledTask high = task("a", 2, Tier.PREEMPTIBLE, 7);
    ScheduledTask low = task("a", 2, Tier.PREEMPTIBLE, 2);
    assertThat(VictimSelector.choose(sorted(preferred, high, low), needs(2), 100)).containsExactly(low);
    assertThat(VictimSelector.choose(sorted(preferred, high), needs(2), 100)).containsExactly(high);
  }

  @Test
  void aGreedyPickWhenTheSearchIsTooBig() {
    List<ScheduledTask> victims = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      victims.add(task("a", 1, Tier.PREEMPTIBLE, i));
    }
    victims.sort(VictimSelector.PREFERENCE);
    List<ScheduledTask> chosen = VictimSelector.choose(victims, needs(12), 50);
    assertThat(chosen).hasSize(12);
    assertThat(chosen).extracting(t -> t.config().priority()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  }

  @Test
  void preemptionRules() {
    ScheduledTask prodA = task("a", 1, Tier.PREFERRED, 0);
    assertThat(Preemptor.reason(prodA, task("b", 1, Tier.PREEMPTIBLE, 9))).isEqualTo("preferred over preemptible");
    assertThat(Preemptor.reason(prodA, task("b", 1, Tier.PREFERRED, -1))).isNull();
    assertThat(Preemptor.reason(prodA, task("a", 1, Tier.PREFERRED, -1))).isEqualTo("priority 0 over -1 in role a");
    assertThat(Preemptor.reason(prodA, task("a", 1, Tier.PREFERRED, 0))).isNull();
    assertThat(Preemptor.reason(task("a", 1, Tier.PREEMPTIBLE, 0), task("b", 1, Tier.PREEMPTIBLE, -5))).isNull();
    // revocable resources are a pool of their own
    assertThat(Preemptor.reason(prodA, task("b", 1, Tier.REVOCABLE, 0))).isNull();
    assertThat(Preemptor.reason(task("a", 1, Tier.REVOCABLE, 3), task("a", 1, Tier.REVOCABLE, 0)))
        .isEqualTo("priority 3 over 0 in role a");
  }
}
