package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Updates an operator steers: autopause after each batch, and updating only some instances. */
class UpdateBatchControlTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10);

  static final JobTemplate WEB = Job.service("www-data/prod/web")
      .task(t -> t.process("server", "./server --version {{version}}").cpus(0.5).ramMb(128))
      .toTemplate();

  static JobConfig web(String version, int instances) {
    return WEB.toBuilder().instances(instances).bind("version", version).build();
  }

  /** The version each instance runs now. */
  private Map<Integer, String> versions(JobKey key) {
    Map<Integer, String> out = new TreeMap<>();
    aurora.active(key).forEach(t -> out.put(t.instance(),
        t.config().processes().get(0).command().replaceAll(".*--version (\\S+).*", "$1")));
    return out;
  }

  private UpdateStatus status(UpdateId id) {
    return aurora.scheduler().update(id).orElseThrow().status();
  }

  @Test
  void anUpdateWithAutopausePausesAfterEachBatchUntilAnOperatorResumesIt() {
    JobConfig v1 = web("1", 5);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateSettings settings = UpdateSettings.builder().batchSizes(2).watch(Duration.ofSeconds(10))
        .autopauseAfterBatch(true).build();

    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 5), settings, TEST_PRINCIPAL, "ship v2");
    aurora.advance(Duration.ofMinutes(5));
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(versions(v1.key()).values()).containsExactly("2", "2", "1", "1", "1");
    assertThat(aurora.scheduler().update(id).orElseThrow().events()).last()
        .satisfies(e -> assertThat(e.message()).contains("batch 1"));

    aurora.scheduler().resumeUpdate(id, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(5));
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    assertThat(versions(v1.key()).values()).containsExactly("2", "2", "2", "2", "1");

    aurora.scheduler().resumeUpdate(id, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(5));
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLLED_FORWARD); // no pause after the last batch
    assertThat(versions(v1.key()).values()).containsOnly("2").hasSize(5);
  }

  @Test
  void anUpdateOfOnlySomeInstancesLeavesTheOthersAlone() {
    JobConfig v1 = web("1", 5);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateSettings settings = UpdateSettings.builder().watch(Duration.ofSeconds(10))
        .updateOnlyTheseInstances(1, 3).build();

    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2", 5), settings, TEST_PRINCIPAL, "canary");
    aurora.advance(Duration.ofMinutes(5));
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLLED_FORWARD);
    assertThat(versions(v1.key())).isEqualTo(Map.of(0, "1", 1, "2", 2, "1", 3, "2", 4, "1"));
    assertThat(aurora.scheduler().update(id).orElseThrow().instances()).containsOnlyKeys(1, 3);

    // an instance left on the old config keeps it when it is replaced
    ScheduledTask zero = aurora.active(v1.key()).stream().filter(t -> t.instance() == 0).findFirst().orElseThrow();
    aurora.cluster().killTask(zero.id());
    aurora.advance(Duration.ofMinutes(1));
    assertThat(versions(v1.key()).get(0)).isEqualTo("1");
  }

  @Test
  void anUpdateOfSomeInstancesThatWouldAddOrRemoveOthersIsRefused() {
    JobConfig v1 = web("1", 3);
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateSettings settings = UpdateSettings.builder().updateOnlyTheseInstances(0, 7).build();
    assertThatThrownBy(() -> aurora.scheduler().startUpdate(v1.key(), web("2", 5), settings, TEST_PRINCIPAL, ""))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("update.updateOnlyTheseInstances")
        .hasMessageContaining("instance 3").hasMessageContaining("instance 4").hasMessageContaining("instance 7");
    assertThat(aurora.scheduler().updates(v1.key())).isEmpty();
  }

  @Test
  void negativeInstancesToUpdateAreRefused() {
    assertThatThrownBy(() -> UpdateSettings.builder().updateOnlyTheseInstances(-1).build())
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("update.updateOnlyTheseInstances");
  }
}
