package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.UpdateSettings;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Pause, resume, roll back and abort name the update by its id, as pulse and lookup do. */
class UpdateOperationsByIdTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10);

  static JobConfig web(String version) {
    return Job.service("www-data/prod/web").instances(4)
        .task(t -> t.process("server", "./server --version " + version).cpus(0.5).ramMb(128))
        .update(UpdateSettings.builder().batchSizes(1).watch(Duration.ofSeconds(10)).build())
        .build();
  }

  private UpdateStatus status(UpdateId id) {
    return aurora.scheduler().update(id).orElseThrow().status();
  }

  @Test
  void pauseResumeRollbackAndAbortTakeTheUpdateId() {
    JobConfig v1 = web("1");
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId id = aurora.scheduler().startUpdate(v1.key(), web("2"), TEST_PRINCIPAL, "ship v2");
    aurora.advance(Duration.ofSeconds(5));

    aurora.scheduler().pauseUpdate(id, TEST_PRINCIPAL);
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLL_FORWARD_PAUSED);
    aurora.scheduler().resumeUpdate(id, TEST_PRINCIPAL);
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
    aurora.scheduler().rollbackUpdate(id, TEST_PRINCIPAL);
    assertThat(status(id)).isEqualTo(UpdateStatus.ROLLING_BACK);
    assertThatThrownBy(() -> aurora.scheduler().rollbackUpdate(id, TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("rolling back already");
    aurora.scheduler().abortUpdate(id, TEST_PRINCIPAL);
    assertThat(status(id)).isEqualTo(UpdateStatus.ABORTED);
    assertThat(aurora.scheduler().audit()).extracting(AuditEntry::action).contains("pauseUpdate", "resumeUpdate",
        "rollbackUpdate", "abortUpdate");
  }

  @Test
  void anEndedUpdateIsNotMistakenForTheJobsNewerOne() {
    JobConfig v1 = web("1");
    aurora.scheduler().createJob(v1, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    UpdateId first = aurora.scheduler().startUpdate(v1.key(), web("2"), TEST_PRINCIPAL, "ship v2");
    aurora.scheduler().abortUpdate(first, TEST_PRINCIPAL);
    UpdateId second = aurora.scheduler().startUpdate(v1.key(), web("3"), TEST_PRINCIPAL, "ship v3");

    assertThatThrownBy(() -> aurora.scheduler().pauseUpdate(first, TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("update " + first + " has ended (ABORTED)");
    assertThatThrownBy(() -> aurora.scheduler().abortUpdate(first, TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class);
    assertThat(status(second)).isEqualTo(UpdateStatus.ROLLING_FORWARD);
  }

  @Test
  void anUnknownUpdateIdIsRefused() {
    UpdateId nope = new UpdateId("nope");
    assertThatThrownBy(() -> aurora.scheduler().pauseUpdate(nope, TEST_PRINCIPAL))
        .isInstanceOf(NoSuchUpdateException.class).hasMessage("no update nope is known");
  }
}
