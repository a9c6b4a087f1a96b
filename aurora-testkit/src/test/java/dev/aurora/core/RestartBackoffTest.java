package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.RestartPolicy;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job's own restart back-off (initial delay, growth, cap) instead of the scheduler-wide flapping
 * penalty, and a crash loop an operator clears.
 */
class RestartBackoffTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  static JobConfig crashing(String key, RestartPolicy policy) {
    return Job.service(key).task(t -> t.process("p", "./crash").cpus(1).ramMb(128).restartPolicy(policy)).build();
  }

  /** How long each throttled task of the job was held back, oldest first. */
  private List<Duration> holds(JobConfig job) {
    List<Duration> out = new ArrayList<>();
    aurora.tasks(job.key()).stream()
        .sorted(Comparator.comparing(t -> t.events().get(0).time()))
        .forEach(t -> {
          var throttled = t.events().stream().filter(e -> e.status() == ScheduleStatus.THROTTLED).findFirst();
          var pending = t.events().stream().filter(e -> e.status() == ScheduleStatus.PENDING).findFirst();
          if (throttled.isPresent() && pending.isPresent()) {
            out.add(Duration.between(throttled.get().time(), pending.get().time()));
          }
        });
    return out;
  }

  @Test
  void aJobsOwnBackoffSpacesItsRestarts() {
    JobConfig job = crashing("a/prod/crashy", RestartPolicy.backoff(Duration.ofSeconds(10), 3.0, Duration.ofMinutes(1)));
    aurora.cluster().behave(job.key(), TaskBehavior.failAfter(Duration.ofSeconds(1)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(5));
    assertThat(holds(job)).startsWith(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(1));
  }

  @Test
  void anInstanceThatKeepsCrashingStaysInACrashLoopUntilAnOperatorClearsIt() {
    JobConfig job = crashing("a/prod/looping",
        RestartPolicy.backoff(Duration.ofSeconds(5), 2.0, Duration.ofSeconds(30)).withCrashLoopAfter(3));
    aurora.cluster().behave(job.key(), TaskBehavior.failAfter(Duration.ofSeconds(1)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofHours(2));

    ScheduledTask stuck = aurora.active(job.key()).get(0);
    assertThat(stuck.status()).isEqualTo(ScheduleStatus.THROTTLED);
    assertThat(stuck.lastMessage()).contains("crash loop");
    assertThat(stuck.flapCount()).isEqualTo(3);
    assertThat(aurora.scheduler().whyPending(job.key()).message()).contains("crash loop");
    int launched = aurora.cluster().launchedCount();
    assertThat(launched).isEqualTo(3); // the first run and two restarts; the third is held

    aurora.restartScheduler();
    aurora.advance(Duration.ofHours(1));
    assertThat(aurora.scheduler().task(stuck.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.THROTTLED);

    aurora.cluster().behave(job.key(), TaskBehavior.runForever()); // the operator fixed the cause
    aurora.scheduler().clearCrashLoop(job.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.running(job.key())).hasSize(1);
    assertThat(aurora.running(job.key()).get(0).flapCount()).isZero();
  }

  @Test
  void badBackoffsAreRefusedNamingEveryProblem() {
    assertThatThrownBy(() -> RestartPolicy.backoff(Duration.ofSeconds(-1), 0.5, Duration.ofSeconds(-2)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("task.restartPolicy.initialDelay")
        .hasMessageContaining("task.restartPolicy.growth")
        .hasMessageContaining("task.restartPolicy.maxDelay");
  }
}
