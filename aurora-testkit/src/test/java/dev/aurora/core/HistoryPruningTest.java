package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How often ended tasks beyond the history limits are pruned ({@code SchedulerBuilder.historyPruning}). */
class HistoryPruningTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(5)
      .scheduler(b -> b.history(1, Duration.ofHours(1)).historyPruning(Duration.ofSeconds(5)));

  static final JobConfig SERVICE = Job.service("www-data/prod/web").instances(1)
      .task(t -> t.process("p", "./run").cpus(1).ramMb(64)).build();

  private long ended() {
    return aurora.scheduler().tasks(TaskQuery.job(SERVICE.key())).stream()
        .filter(t -> t.status().isTerminal()).count();
  }

  @Test
  void endedTasksBeyondTheLimitArePrunedAtTheIntervalSetNotAfterAMinute() {
    aurora.scheduler().createJob(SERVICE, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) { // three restarts: three ended tasks, one more than the history keeps
      aurora.scheduler().restartInstances(SERVICE.key(), Set.of(0), TEST_PRINCIPAL);
      aurora.advance(Duration.ofMillis(300));
    }
    assertThat(ended()).isEqualTo(3);

    aurora.advance(Duration.ofSeconds(5));

    assertThat(ended()).isEqualTo(1);
    assertThat(aurora.running(SERVICE.key())).hasSize(1);
  }

  @Test
  void aPruningIntervalThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> Scheduler.builder().historyPruning(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("history pruning interval");
  }
}
