package dev.aurora.core;

import static dev.aurora.core.RollingUpdateTest.web;
import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rolling updates never undo what users did, and leave each instance on the config it runs. */
class UpdatesKeepUserChangesTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(30).attributes(AuroraExtension.racks(5));

  static final UpdateSettings ONE_AT_A_TIME = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
      .build();

  private static String version(ScheduledTask t) {
    return t.config().processes().get(0).command().replaceAll(".*--version (\\S+).*", "$1");
  }

  /** instance -> version of its active task. */
  private Map<Integer, String> versionsByInstance(JobKey key) {
    Map<Integer, String> out = new TreeMap<>();
    for (ScheduledTask t : aurora.active(key)) {
      out.put(t.instance(), version(t));
    }
    return out;
  }

  private UpdateStatus runUntilEnded(UpdateId id, Duration max) {
    for (Duration d = Duration.ZERO; d.compareTo(max) < 0; d = d.plusSeconds(5)) {
      if (aurora.scheduler().update(id).orElseThrow().status().isTerminal()) {
        break;
      }
      aurora.advance(Duration.ofSeconds(5));
    }
    return aurora.scheduler().update(id).orElseThrow().status();
  }

  private JobConfig created(String version, int instances, UpdateSettings settings) {
    JobConfig v = web(version, instances, settings);
    aurora.scheduler().createJob(v, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(v.key())).hasSize(instances);
    return v;
  }

  /** Advances in steps of one second until {@code instance} runs {@code version}, healthy (at most a minute). */
  private ScheduledTask awaitHealthy(JobKey key, int instance, String version) {
    for (int s = 0; s < 60; s++) {
      Optional<ScheduledTask> t = aurora.running(key).stream()
          .filter(r -> r.instance() == instance && version(r).equals(version) && r.isRunningAndHealthy()).findFirst();
      if (t.isPresent()) {
        return t.get();
      }
      aurora.advance(Duration.ofSeconds(1));
    }
    throw new AssertionError("instance " + instance + " never ran version " + version + " healthy");
  }

  // ------------------------------------------------------------------ add and kill during an update

  @Test
  void addInstancesDuringAnUpdateIsRefusedAndChangesNothing() {
    JobConfig v1 = created("1", 3, ONE_AT_A_TIME);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3, ONE_AT_A_TIME), TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofSeconds(3));
    List<ScheduledTask> before = aurora.active(v1.key());

    assertThatThrownBy(() -> aurora.scheduler().addInstances(v1.key(), 2, TEST_PRINCIPAL))
        .isInstanceOf(UpdateInProgressException.class).hasMessageContaining(id.value())
        .satisfies(e -> assertThat(((UpdateInProgressException) e).activeUpdate()).isEqualTo(id));
    aurora.runUntilIdle();
    assertThat(aurora.active(v1.key())).isEqualTo(before);
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(3);

    // refused while paused too: a paused update is still active
    aurora.scheduler().pauseUpdate(v1.key(), TEST_PRINCIPAL);
    assertThatThrownBy(() -> aurora.scheduler().addInstances(v1.key(), 2, TEST_PRINCIPAL))
        .isInstanceOf(UpdateInProgressException.class);
    aurora.scheduler().resumeUpdate(v1.key(), TEST_PRINCIPAL);

    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2", 1, "2", 2, "2"));
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(3);

    // once the update has ended, instances are added with the job's (new) config
    aurora.scheduler().addInstances(v1.key(), 2, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2", 1, "2", 2, "2", 3, "2", 4, "2"));
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(5);
  }

  @Test
  void killInstancesDuringAnUpdateIsRefusedAndChangesNothing() {
    JobConfig v1 = created("1", 3, ONE_AT_A_TIME);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3, ONE_AT_A_TIME), TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofSeconds(3));
    List<ScheduledTask> before = aurora.active(v1.key());

    assertThatThrownBy(() -> aurora.scheduler().killInstances(v1.key(), Set.of(2), TEST_PRINCIPAL))
        .isInstanceOf(UpdateInProgressException.class).hasMessageContaining(id.value());
    aurora.runUntilIdle();
    assertThat(aurora.active(v1.key())).isEqualTo(before);
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(3);

    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    aurora.scheduler().killInstances(v1.key(), Set.of(2), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2", 1, "2"));
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(2);
  }

  @Test
  void afterAnySequenceOfOperationsLiveInstancesEqualTheConfigsCount() {
    UpdateSettings slow = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(30)).build();
    JobConfig v1 = created("0", 3, slow);
    JobKey key = v1.key();
    Random random = new Random(7);
    int refused = 0;
    for (int step = 0; step < 120; step++) {
      List<ScheduledTask> live = aurora.active(key).stream()
          .filter(t -> t.status() != ScheduleStatus.KILLING).toList();
      try {
        switch (random.nextInt(6)) {
          case 0 -> aurora.scheduler().addInstances(key, 1 + random.nextInt(2), TEST_PRINCIPAL);
          case 1 -> {
            if (live.size() > 1) {
              aurora.scheduler().killInstances(key, Set.of(live.get(random.nextInt(live.size())).instance()),
                  TEST_PRINCIPAL);
            }
          }
          case 2 -> aurora.scheduler().startUpdate(key, web(Integer.toString(step), 1 + random.nextInt(5), slow),
              TEST_PRINCIPAL, "step " + step);
          case 3 -> aurora.scheduler().abortUpdate(key, TEST_PRINCIPAL);
          default -> aurora.advance(Duration.ofSeconds(random.nextInt(15)));
        }
      } catch (UpdateInProgressException e) {
        refused++; // an add, kill or second update while one is active
      } catch (JobConflictException e) {
        // no active update to abort
      }
      boolean updating = aurora.scheduler().updates(key).stream().anyMatch(d -> !d.status().isTerminal());
      if (!updating) {
        assertThat(liveInstances(key)).as("live instances after step " + step)
            .isEqualTo(aurora.scheduler().job(key).orElseThrow().instances());
      }
    }
    for (UpdateDetails d : aurora.scheduler().updates(key)) {
      runUntilEnded(d.id(), Duration.ofMinutes(10));
    }
    aurora.advance(Duration.ofMinutes(2));

    assertThat(refused).as("operations refused during updates").isPositive();
    int configured = aurora.scheduler().job(key).orElseThrow().instances();
    assertThat(aurora.running(key)).as("running tasks of " + key).hasSize(configured);
    assertThat(aurora.active(key)).hasSize(configured);
  }

  /** Instances with an active task not being killed for good. */
  private int liveInstances(JobKey key) {
    return (int) aurora.active(key).stream().filter(t -> t.status() != ScheduleStatus.KILLING)
        .map(ScheduledTask::instance).distinct().count();
  }

  // ------------------------------------------------------------------ health inside the watch window

  @Test
  void aTaskTurningUnhealthyInsideItsWatchFailsTheInstanceAndRollsTheUpdateBack() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
        .maxPerInstanceFailures(0).maxFailedInstances(0).rollbackOnFailure(true).build();
    JobConfig v1 = created("1", 3, settings);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 3, settings), TEST_PRINCIPAL, "");
    ScheduledTask fresh = awaitHealthy(v1.key(), 0, "2");
    aurora.advance(Duration.ofSeconds(2)); // healthy for 2 s of a 10 s watch

    aurora.cluster().setHealthy(fresh.id(), false);
    aurora.runUntilIdle();

    UpdateDetails d = aurora.scheduler().update(id).orElseThrow();
    assertThat(d.instanceEvents()).anySatisfy(e -> {
      assertThat(e.instance()).isZero();
      assertThat(e.action()).isEqualTo(UpdateDetails.InstanceAction.UPDATE_FAILED);
      assertThat(e.message()).contains("health check");
    });
    assertThat(d.status()).isIn(UpdateStatus.ROLLING_BACK, UpdateStatus.ROLLED_BACK);
    // the unhealthy task is not left running: it is killed (and its instance rolled back)
    assertThat(aurora.scheduler().task(fresh.id()).orElseThrow().status())
        .isIn(ScheduleStatus.RESTARTING, ScheduleStatus.KILLED);

    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.ROLLED_BACK);
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.scheduler().task(fresh.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "1", 1, "1", 2, "1"));
    assertThat(aurora.running(v1.key())).hasSize(3).allSatisfy(t -> assertThat(t.isRunningAndHealthy()).isTrue());
  }

  @Test
  void aTaskTurningUnhealthyInsideItsWatchIsRestartedAndCountsAsAFailure() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
        .maxPerInstanceFailures(1).maxFailedInstances(0).rollbackOnFailure(true).build();
    JobConfig v1 = created("1", 2, settings);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 2, settings), TEST_PRINCIPAL, "");
    ScheduledTask fresh = awaitHealthy(v1.key(), 0, "2");
    aurora.advance(Duration.ofSeconds(2));

    aurora.cluster().setHealthy(fresh.id(), false);
    aurora.runUntilIdle();
    assertThat(aurora.scheduler().update(id).orElseThrow().instances().get(0).failures()).isEqualTo(1);
    assertThat(aurora.scheduler().task(fresh.id()).orElseThrow().status())
        .isIn(ScheduleStatus.RESTARTING, ScheduleStatus.KILLED);

    // one failure is allowed: the instance is retried on the new config and the update goes on
    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2", 1, "2"));
  }

  // ------------------------------------------------------------------ events

  @Test
  void everyUpdateStateChangeIsAnEventTheFirstIncluded() {
    JobConfig v1 = created("1", 2, ONE_AT_A_TIME);
    List<UpdateStatus> seen = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.UpdateStateChanged u) {
        seen.add(u.update().status());
      }
    });
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 2, ONE_AT_A_TIME), TEST_PRINCIPAL, "");
    aurora.runUntilIdle();
    assertThat(seen).containsExactly(UpdateStatus.ROLLING_FORWARD);
    runUntilEnded(id, Duration.ofMinutes(5));
    assertThat(seen).containsExactly(UpdateStatus.ROLLING_FORWARD, UpdateStatus.ROLLED_FORWARD);
    assertThat(seen).isEqualTo(aurora.scheduler().update(id).orElseThrow().events().stream()
        .map(UpdateDetails.Event::status).toList());

    // an update with nothing to change starts and ends at once: two events
    seen.clear();
    aurora.scheduler().startUpdate(v1.key(), web("2", 2, ONE_AT_A_TIME), TEST_PRINCIPAL, "");
    aurora.runUntilIdle();
    assertThat(seen).containsExactly(UpdateStatus.ROLLING_FORWARD, UpdateStatus.ROLLED_FORWARD);

    // one that awaits a pulse starts in that state
    seen.clear();
    UpdateSettings pulsed = UpdateSettings.builder().batchSizes(1).pulseInterval(Duration.ofMinutes(1)).build();
    aurora.scheduler().startUpdate(v1.key(), web("3", 2, pulsed), TEST_PRINCIPAL, "");
    aurora.runUntilIdle();
    assertThat(seen).containsExactly(UpdateStatus.ROLL_FORWARD_AWAITING_PULSE);
  }

  // ------------------------------------------------------------------ which config after an update ends

  @Test
  void afterAnAbortEachInstanceIsReplacedWithTheConfigItRuns() {
    JobConfig v1 = created("1", 4, ONE_AT_A_TIME);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 4, ONE_AT_A_TIME), TEST_PRINCIPAL, "");
    awaitHealthy(v1.key(), 1, "2");
    aurora.scheduler().abortUpdate(v1.key(), TEST_PRINCIPAL);
    assertThat(aurora.scheduler().update(id).orElseThrow().status()).isEqualTo(UpdateStatus.ABORTED);
    aurora.advance(Duration.ofMinutes(1));
    Map<Integer, String> afterAbort = versionsByInstance(v1.key());
    assertThat(afterAbort).containsEntry(0, "2").containsEntry(1, "2").containsEntry(3, "1");
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow()).isEqualTo(v1); // the old config, 4 instances

    replacementsKeepTheirConfig(v1.key(), afterAbort);
    aurora.restartScheduler();
    replacementsKeepTheirConfig(v1.key(), afterAbort);

    // a new instance runs the job's config: the old one
    aurora.scheduler().addInstances(v1.key(), 1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(versionsByInstance(v1.key())).containsEntry(4, "1");
  }

  @Test
  void afterAFailedUpdateEachInstanceIsReplacedWithTheConfigItRuns() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
        .maxPerInstanceFailures(0).maxFailedInstances(0).rollbackOnFailure(false).build();
    JobConfig v1 = created("1", 3, settings);
    JobConfig v2 = web("2", 3, settings);
    // the new config works on instance 0 and fails its health check on instance 1
    aurora.cluster().behave(t -> t.config().equals(v2.task()) && t.instance().instance() == 1,
        TaskBehavior.unhealthy());
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), v2, TEST_PRINCIPAL, "");
    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.FAILED);
    aurora.advance(Duration.ofMinutes(1));
    Map<Integer, String> afterFailure = versionsByInstance(v1.key());
    assertThat(afterFailure).isEqualTo(Map.of(0, "2", 1, "2", 2, "1"));
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow()).isEqualTo(v1); // "the job stays as it is"

    replacementsKeepTheirConfig(v1.key(), afterFailure);
    aurora.restartScheduler();
    replacementsKeepTheirConfig(v1.key(), afterFailure);
  }

  /**
   * Simulation seeds 112, 344: a job whose instance 0 was killed runs instance 1; an update to 1
   * instance adds instance 0 before removing instance 1 and fails on it. The job ends with no more
   * instances than it had or asked for (the instance the update was to remove is killed), so the role
   * stays within the quota the update was checked against.
   */
  @Test
  void aFailedUpdateNeverLeavesMoreInstancesThanBeforeOrAfter() {
    UpdateSettings settings = UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10))
        .maxPerInstanceFailures(0).maxFailedInstances(0).rollbackOnFailure(false).build();
    JobConfig v1 = created("1", 2, settings);
    aurora.scheduler().killInstances(v1.key(), Set.of(0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(1, "1"));
    JobConfig v2 = web("2", 1, settings);
    aurora.cluster().behave(t -> t.config().equals(v2.task()), TaskBehavior.unhealthy());
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), v2, TEST_PRINCIPAL, "");
    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.FAILED);
    aurora.advance(Duration.ofMinutes(1));

    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(1);
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2"));
    aurora.restartScheduler();
    aurora.advance(Duration.ofMinutes(1));
    assertThat(aurora.scheduler().job(v1.key()).orElseThrow().instances()).isEqualTo(1);
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2"));
  }

  /**
   * Simulation seeds 350, 942: an update started while an instance it adds was still being killed
   * (its end not yet heard) waited for that instance forever: the killed task was not replaced, and
   * the update never started the new one.
   */
  @Test
  void anUpdateAddingAnInstanceStillBeingKilledStartsItOnceTheKillEnds() {
    JobConfig v1 = created("1", 2, ONE_AT_A_TIME);
    aurora.cluster().dropStatusUpdates(true); // the kill lands, its KILLED is lost in transit
    aurora.scheduler().killInstances(v1.key(), Set.of(0), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.cluster().dropStatusUpdates(false);
    JobConfig v2 = web("2", 1, ONE_AT_A_TIME);
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), v2, TEST_PRINCIPAL, "");
    aurora.advance(Duration.ofMinutes(61)); // reconciliation finds the killed task gone

    assertThat(runUntilEnded(id, Duration.ofMinutes(5))).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versionsByInstance(v1.key())).isEqualTo(Map.of(0, "2"));
  }

  /** Kills instance 0 and the highest instance from outside; each comes back on the config it ran. */
  private void replacementsKeepTheirConfig(JobKey key, Map<Integer, String> expected) {
    aurora.advance(Duration.ofMinutes(6)); // past the flapping threshold, so replacements are not held back
    int last = ((TreeMap<Integer, String>) new TreeMap<>(expected)).lastKey();
    for (int instance : List.of(0, last)) {
      ScheduledTask victim = aurora.running(key).stream().filter(t -> t.instance() == instance).findFirst()
          .orElseThrow();
      aurora.cluster().killTask(victim.id());
      aurora.advance(Duration.ofMinutes(1));
      assertThat(aurora.scheduler().task(victim.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.KILLED);
    }
    assertThat(versionsByInstance(key)).isEqualTo(expected);
  }
}
