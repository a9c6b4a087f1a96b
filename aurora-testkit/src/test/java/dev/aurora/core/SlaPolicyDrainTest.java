package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.AuroraException;
import dev.aurora.api.Constraint;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.SlaPolicy;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-job SLA policies for host drains, as Aurora's: count (at most N down), percentage (at least P%
 * running), each counting only instances running for a minimum time, or a coordinator asked before
 * each instance goes; and a drain timeout after which a blocked drain is forced.
 */
class SlaPolicyDrainTest {
  /** What the test's coordinator was asked, with the answers it has not given yet. */
  final List<TaskId> asked = new ArrayList<>();
  final List<CompletableFuture<Boolean>> answers = new ArrayList<>();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(16)
      .scheduler(b -> b.drainTimeout(Duration.ofMinutes(30)).slaCoordinator("ops", task -> {
        asked.add(task.id());
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        answers.add(answer);
        return answer;
      }));

  static JobConfig service(String key, int instances, SlaPolicy policy) {
    return Job.service(key).instances(instances)
        .task(t -> t.process("server", "./server").cpus(1).ramMb(256).slaPolicy(policy))
        .constraint(Constraint.limit("host", 1))
        .build();
  }

  private JobConfig started(JobConfig job) {
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(job.key())).hasSize(job.instances());
    return job;
  }

  private Set<String> hostsOf(JobConfig job, int n) {
    return aurora.running(job.key()).stream().map(t -> t.host().orElseThrow()).sorted().limit(n)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** How many of the job's tasks a drain has taken down so far. */
  private long drained(JobConfig job) {
    return aurora.tasks(job.key()).stream()
        .filter(t -> t.events().stream().anyMatch(e -> e.status() == ScheduleStatus.DRAINING)).count();
  }

  private boolean wasDrained(TaskId id) {
    return aurora.scheduler().task(id).orElseThrow().events().stream()
        .anyMatch(e -> e.status() == ScheduleStatus.DRAINING);
  }

  @Test
  void aCountPolicyLetsThatManyInstancesBeDownAtOnce() {
    JobConfig job = started(service("a/prod/count", 4, SlaPolicy.count(2, Duration.ZERO)));
    aurora.scheduler().setMaintenance(hostsOf(job, 3), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(drained(job)).isEqualTo(2); // the scheduler-wide SLA would move 1

    for (int s = 0; s < 120; s++) {
      aurora.advance(Duration.ofSeconds(1));
      assertThat(aurora.running(job.key())).hasSizeGreaterThanOrEqualTo(2);
    }
    assertThat(aurora.running(job.key())).hasSize(4);
    assertThat(aurora.scheduler().maintenance().values()).containsOnly(MaintenanceMode.DRAINED).hasSize(3);
  }

  @Test
  void aPercentagePolicyKeepsThatShareRunning() {
    JobConfig job = started(service("a/prod/percent", 10, SlaPolicy.percentage(50, Duration.ZERO)));
    aurora.scheduler().setMaintenance(hostsOf(job, 6), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(drained(job)).isEqualTo(5);
    for (int s = 0; s < 120; s++) {
      aurora.advance(Duration.ofSeconds(1));
      assertThat(aurora.running(job.key())).hasSizeGreaterThanOrEqualTo(5);
    }
    assertThat(aurora.running(job.key())).hasSize(10);
    assertThat(aurora.scheduler().maintenance().values()).containsOnly(MaintenanceMode.DRAINED).hasSize(6);
  }

  @Test
  void onlyInstancesRunningForTheMinimumDurationCount() {
    JobConfig job = started(service("a/prod/young", 3, SlaPolicy.count(1, Duration.ofMinutes(5))));
    Set<String> host = hostsOf(job, 1);
    aurora.scheduler().setMaintenance(host, MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(2)); // the others have run for about 2 minutes: they do not count yet
    assertThat(drained(job)).isZero();

    aurora.advance(Duration.ofMinutes(4));
    assertThat(aurora.running(job.key())).hasSize(3);
    assertThat(aurora.scheduler().maintenance()).containsEntry(host.iterator().next(), MaintenanceMode.DRAINED);
  }

  @Test
  void aCoordinatorIsAskedBeforeEachInstanceGoes() {
    JobConfig job = started(service("a/prod/coordinated", 3, SlaPolicy.coordinator("ops")));
    Set<String> hosts = hostsOf(job, 2);
    aurora.scheduler().setMaintenance(hosts, MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(asked).hasSize(2);
    assertThat(drained(job)).isZero();

    answers.get(0).complete(true);
    answers.get(1).complete(false);
    aurora.runUntilIdle();
    assertThat(wasDrained(asked.get(0))).isTrue();
    assertThat(wasDrained(asked.get(1))).isFalse();
    assertThat(aurora.scheduler().task(asked.get(1)).orElseThrow().status()).isEqualTo(ScheduleStatus.RUNNING);

    aurora.advance(Duration.ofMinutes(1)); // refused: asked again later
    assertThat(asked).hasSizeGreaterThan(2).last().isEqualTo(asked.get(1));
    answers.get(answers.size() - 1).complete(true);
    aurora.advance(Duration.ofSeconds(30));
    assertThat(aurora.running(job.key())).hasSize(3);
    assertThat(aurora.scheduler().maintenance().values()).containsOnly(MaintenanceMode.DRAINED).hasSize(2);
  }

  @Test
  void aDrainTheSlaBlocksIsForcedAfterTheDrainTimeout() {
    JobConfig job = started(service("a/prod/strict", 2, SlaPolicy.percentage(100, Duration.ZERO)));
    Set<String> host = hostsOf(job, 1);
    aurora.scheduler().setMaintenance(host, MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(29));
    assertThat(drained(job)).isZero();
    aurora.advance(Duration.ofMinutes(2));
    assertThat(aurora.scheduler().maintenance()).containsEntry(host.iterator().next(), MaintenanceMode.DRAINED);
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void aJobNamingAnUnknownCoordinatorIsRefused() {
    assertThatThrownBy(() -> aurora.scheduler().createJob(
        service("a/prod/nobody", 1, SlaPolicy.coordinator("nobody")), TEST_PRINCIPAL))
        .isInstanceOf(AuroraException.class).hasMessageContaining("task.slaPolicy.coordinator")
        .hasMessageContaining("nobody");
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }

  @Test
  void badPoliciesAreRefusedNamingEveryProblem() {
    assertThatThrownBy(() -> SlaPolicy.percentage(150, Duration.ofSeconds(-1)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("task.slaPolicy.percentage").hasMessageContaining("task.slaPolicy.minRunning");
    assertThatThrownBy(() -> SlaPolicy.count(-1, Duration.ZERO))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("task.slaPolicy.count");
  }
}
