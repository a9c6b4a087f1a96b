package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RollingUpdateTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(30).attributes(AuroraExtension.racks(5));

  static final JobTemplate WEB = Job.service("www-data/prod/web")
      .task(t -> t.process("server", "./server --version {{version}} --port {{port.http}}")
          .cpus(0.5).ramMb(128).port("http").healthCheck(HealthCheck.http("http", "/health")))
      .toTemplate();

  static JobConfig web(String version, int instances, UpdateSettings settings) {
    return WEB.toBuilder().instances(instances).update(settings).bind("version", version).build();
  }

  private List<String> versions(JobKey key) {
    return aurora.active(key).stream()
        .map(t -> t.config().processes().get(0).command().replaceAll(".*--version (\\S+).*", "$1"))
        .collect(Collectors.toList());
  }

  private void runUntilEnded(UpdateId id, Duration max) {
    for (Duration d = Duration.ZERO; d.compareTo(max) < 0; d = d.plusSeconds(5)) {
      if (aurora.scheduler().update(id).orElseThrow().status().isTerminal()) {
        return;
      }
      aurora.advance(Duration.ofSeconds(5));
    }
  }

  @Test
  void twentyInstancesUpdateInGrowingBatches() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1, 5, 20).waitForBatchCompletion(true)
        .watch(Duration.ofSeconds(10)).build();
    JobConfig v1 = web("1", 20, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(v1.key())).hasSize(20);

    List<Integer> inFlightPeaks = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskStateChanged c && c.task().status() == ScheduleStatus.RESTARTING) {
        inFlightPeaks.add(c.task().instance());
      }
    });
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 20, settings), TEST_PRINCIPAL, "ship v2");
    runUntilEnded(id, Duration.ofMinutes(10));

    UpdateDetails d = aurora.scheduler().update(id).orElseThrow();
    assertThat(d.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versions(v1.key())).hasSize(20).containsOnly("2");
    assertThat(aurora.running(v1.key())).hasSize(20);
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().task()).isEqualTo(web("2", 20, settings).task());
    // batches of 1, then 5, then the remaining 14: instance 0 alone first, then 1..5, then 6..19
    List<UpdateDetails.InstanceEvent> starts = d.instanceEvents().stream()
        .filter(e -> e.action() == UpdateDetails.InstanceAction.UPDATING).toList();
    assertThat(starts).extracting(UpdateDetails.InstanceEvent::instance)
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
    assertThat(starts.get(1).time()).isAfter(starts.get(0).time());
    assertThat(starts.get(5).time()).isEqualTo(starts.get(1).time());
    assertThat(starts.get(6).time()).isAfter(starts.get(5).time());
    assertThat(starts.get(19).time()).isEqualTo(starts.get(6).time());
    assertThat(d.events()).extracting(UpdateDetails.Event::status)
        .containsExactly(UpdateStatus.ROLLING_FORWARD, UpdateStatus.ROLLED_FORWARD);
    assertThat(aurora.scheduler().updates(v1.key())).extracting(UpdateDetails::id).containsExactly(id);
  }

  @Test
  void unhealthyNewTasksRollTheUpdateBackOnItsOwn() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(2).watch(Duration.ofSeconds(10))
        .maxFailedInstances(1).rollbackOnFailure(true).build();
    JobConfig v1 = web("1", 6, settings);
    JobConfig bad = web("bad", 6, settings);
    aurora.cluster().behave(t -> t.config().equals(bad.task()), TaskBehavior.unhealthy());
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    UpdateId id = aurora.scheduler().startUpdate(v1.key(), bad, TEST_PRINCIPAL, "break it");
    runUntilEnded(id, Duration.ofMinutes(30));
    aurora.advance(Duration.ofMinutes(1));

    UpdateDetails d = aurora.scheduler().update(id).orElseThrow();
    assertThat(d.status()).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(d.events()).extracting(UpdateDetails.Event::status)
        .containsExactly(UpdateStatus.ROLLING_FORWARD, UpdateStatus.ROLLING_BACK, UpdateStatus.ROLLED_BACK);
    assertThat(d.events().get(1).message()).contains("instances failed");
    assertThat(versions(v1.key())).hasSize(6).containsOnly("1");
    assertThat(aurora.running(v1.key())).hasSize(6).allSatisfy(t -> assertThat(t.isRunningAndHealthy()).isTrue());
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow()).isEqualTo(v1);
  }

  @Test
  void pauseResumeAndAbort() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build();
    JobConfig v1 = web("1", 4, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 4, settings), TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofSeconds(20)); // instance 0 is done

    aurora.scheduler().pauseUpdate(v1.key(), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    List<String> paused = versions(v1.key());
    aurora.advance(Duration.ofMinutes(5));
    assertThat(versions(v1.key())).isEqualTo(paused); // nothing moves while paused (the in-flight one settles)
    assertThatThrownBy(() -> aurora.scheduler().pauseUpdate(v1.key(), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("cannot be paused");

    aurora.scheduler().resumeUpdate(v1.key(), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    assertThatThrownBy(() -> aurora.scheduler().resumeUpdate(v1.key(), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("not paused");
    aurora.advance(Duration.ofSeconds(5)); // instance 2 is in flight, instance 3 still waits

    aurora.scheduler().abortUpdate(v1.key(), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ABORTED);
    List<String> aborted = versions(v1.key());
    assertThat(aborted).contains("1", "2");
    aurora.advance(Duration.ofMinutes(2));
    assertThat(versions(v1.key())).containsExactlyInAnyOrderElementsOf(aborted);
    assertThatThrownBy(() -> aurora.scheduler().abortUpdate(v1.key(), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("no active update");
  }

  @Test
  void manualRollback() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build();
    JobConfig v1 = web("1", 3, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3, settings), TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofSeconds(30));
    aurora.scheduler().rollbackUpdate(v1.key(), TEST_PRINCIPAL);
    runUntilEnded(id, Duration.ofMinutes(10));
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLED_BACK);
    assertThat(versions(v1.key())).containsOnly("1");
  }

  @Test
  void pulseHoldsTheUpdateUntilPulsed() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(20))
        .pulseInterval(Duration.ofSeconds(30)).build();
    JobConfig v1 = web("1", 3, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3, settings), TEST_PRINCIPAL, "");
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    aurora.advance(Duration.ofMinutes(2));
    assertThat(versions(v1.key())).containsOnly("1");

    aurora.scheduler().pulseUpdate(id, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    aurora.advance(Duration.ofSeconds(29));
    assertThat(versions(v1.key())).contains("2");
    aurora.advance(Duration.ofSeconds(2));
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
    List<String> held = versions(v1.key());
    aurora.advance(Duration.ofMinutes(2));
    assertThat(versions(v1.key())).containsExactlyInAnyOrderElementsOf(held);

    for (int i = 0; i < 10 && !aurora.scheduler().update(id).orElseThrow().status().isTerminal(); i++) {
      aurora.scheduler().pulseUpdate(id, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(20));
    }
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versions(v1.key())).containsOnly("2");

    assertThatThrownBy(() -> aurora.scheduler().pulseUpdate(id, TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("has ended (ROLLED_FORWARD)");
    UpdateId unknown = new UpdateId("no-such-update");
    assertThatThrownBy(() -> aurora.scheduler().pulseUpdate(unknown, TEST_PRINCIPAL))
        .isInstanceOf(NoSuchUpdateException.class).hasMessage("no update no-such-update is known");
  }

  @Test
  void anUpdateResumesAfterASchedulerRestart() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build();
    JobConfig v1 = web("1", 5, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 5, settings), TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofSeconds(30));
    UpdateDetails before = aurora.scheduler().update(id).orElseThrow();
    assertThat(before.status()).isEqualTo(UpdateStatus.ROLLING_FORWARD);

    aurora.restartScheduler();
    assertThat(aurora.scheduler().update(id).orElseThrow().instances()).isEqualTo(
        aurora.scheduler().update(id).orElseThrow().instances());
    runUntilEnded(id, Duration.ofMinutes(10));
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versions(v1.key())).hasSize(5).containsOnly("2");
  }

  @Test
  void instanceCountChangesAddAndRemoveInstances() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(2).watch(Duration.ofSeconds(5)).build();
    JobConfig v1 = web("1", 3, settings);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId grow = aurora.scheduler().startUpdate(v1.key(), web("1", 5, settings), TEST_PRINCIPAL, "grow");
    runUntilEnded(grow, Duration.ofMinutes(5));
    UpdateDetails g = aurora.scheduler().update(grow).orElseThrow();
    assertThat(g.status()).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(g.instances().keySet()).containsExactlyInAnyOrder(3, 4); // unchanged instances are left alone
    assertThat(aurora.running(v1.key())).extracting(ScheduledTask::instance).containsExactly(0, 1, 2, 3, 4);

    UpdateId shrink = aurora.scheduler().startUpdate(v1.key(), web("1", 2, settings), TEST_PRINCIPAL, "shrink");
    runUntilEnded(shrink, Duration.ofMinutes(5));
    aurora.advance(Duration.ofSeconds(10));
    assertThat(aurora.scheduler().update(shrink).orElseThrow().events()).extracting(UpdateDetails.Event::message)
        .last().isEqualTo("every instance is updated");
    assertThat(aurora.running(v1.key())).extracting(ScheduledTask::instance).containsExactly(0, 1);
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(2);
  }

  @Test
  void badRequestsChangeNothing() {
    JobConfig v1 = web("1", 2, UpdateSettings.DEFAULT);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    JobKey missing = JobKey.of("www-data", "prod", "missing");

    assertThatThrownBy(() -> aurora.scheduler().startUpdate(missing, v1, TEST_PRINCIPAL, ""))
        .isInstanceOf(NoSuchJobException.class);
    JobConfig other = Job.service("www-data/prod/other").task(t -> t.process("p", "x").cpus(1).ramMb(1)).build();
    assertThatThrownBy(() -> aurora.scheduler().startUpdate(v1.key(), other, TEST_PRINCIPAL, ""))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("for job www-data/prod/other");
    assertThatThrownBy(() -> aurora.scheduler().resumeUpdate(v1.key(), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("no active update");

    UpdateId first = aurora.scheduler().startUpdate(v1.key(), web("2", 2, UpdateSettings.DEFAULT), TEST_PRINCIPAL, "");
    assertThatThrownBy(() -> aurora.scheduler().startUpdate(v1.key(), web("3", 2, UpdateSettings.DEFAULT), TEST_PRINCIPAL, ""))
        .isInstanceOf(UpdateInProgressException.class).hasMessageContaining(first.value())
        .satisfies(e -> assertThat(((UpdateInProgressException) e).activeUpdate()).isEqualTo(first));
    assertThat(aurora.scheduler().updates(v1.key())).hasSize(1);
  }
}
