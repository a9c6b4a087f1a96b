package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.Resources;
import dev.aurora.api.Tier;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Scheduler#createJobs}: a batch of jobs is created all or none, checked whole first, stored
 * with one append.
 */
class CreateJobsTest {
  static final Principal ALICE = Principal.of("alice");

  final RecordingStorage storage = new RecordingStorage();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(10)
      .scheduler(b -> b.storage(storage)
          .authorizer(Authorizer.roles(Map.of("a", Set.of("alice")), Set.of("test"))));

  static JobConfig service(String key, int n) {
    return service(key, n, 1);
  }

  static JobConfig service(String key, int n, double cpus) {
    return Job.service(key).instances(n)
        .task(t -> t.process("p", "./run").cpus(cpus).ramMb(128).diskMb(10).tier(Tier.PREFERRED)).build();
  }

  static JobConfig oneOff(String key, int n) {
    return Job.adhoc(key).instances(n).task(t -> t.process("p", "./run").cpus(1).ramMb(128)).build();
  }

  private List<JobKey> storedJobs() {
    return storage.stored().stream().filter(o -> o instanceof Op.SaveJob).map(o -> ((Op.SaveJob) o).job().key())
        .toList();
  }

  private long storedTasks() {
    return storage.stored().stream()
        .mapToLong(o -> o instanceof Op.SaveTask ? 1 : o instanceof Op.CreateTasks c ? c.size() : 0).sum();
  }

  @Test
  void everyJobOfABatchIsCreatedWithOneStorageAppend() {
    List<JobConfig> batch = List.of(service("a/prod/web", 3), service("a/prod/api", 2), oneOff("b/prod/once", 1));
    aurora.runUntilIdle();
    int before = storage.appends.size();

    aurora.scheduler().createJobs(batch, TEST_PRINCIPAL);

    assertThat(storage.appends).hasSize(before + 1);
    List<Op> append = storage.appends.get(before);
    assertThat(append).filteredOn(o -> o instanceof Op.SaveJob).extracting(o -> ((Op.SaveJob) o).job().key())
        .containsExactly(batch.get(0).key(), batch.get(1).key(), batch.get(2).key());
    assertThat(append).filteredOn(o -> o instanceof Op.CreateTasks).extracting(o -> ((Op.CreateTasks) o).size())
        .containsExactly(3, 2, 1);
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key)
        .containsExactlyInAnyOrder(batch.stream().map(JobConfig::key).toArray(JobKey[]::new));
    assertThat(aurora.scheduler().audit()).filteredOn(a -> a.action().equals("createJobs"))
        .extracting(AuditEntry::target, AuditEntry::result).containsExactly(
            tuple("a/prod/web x3", AuditEntry.Result.DONE),
            tuple("a/prod/api x2", AuditEntry.Result.DONE),
            tuple("b/prod/once x1", AuditEntry.Result.DONE));

    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(batch.get(0).key())).hasSize(3);
    assertThat(aurora.running(batch.get(1).key())).hasSize(2);
  }

  @Test
  void anActingSchedulerCreatesABatchAsItsPrincipal() {
    aurora.scheduler().as(ALICE).createJobs(List.of(service("a/prod/web", 1), service("a/prod/api", 1)));
    assertThat(aurora.scheduler().jobs()).hasSize(2);
    assertThat(aurora.scheduler().audit()).filteredOn(a -> a.action().equals("createJobs"))
        .allSatisfy(a -> assertThat(a.principal()).isEqualTo(ALICE));
  }

  @Test
  void oneBadJobRefusesTheWholeBatchNamingEveryProblemAndNothingIsStoredOrScheduled() {
    JobConfig existing = service("a/prod/existing", 1);
    aurora.scheduler().createJob(existing, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    List<SchedulerEvent> events = new ArrayList<>();
    aurora.scheduler().events().subscribe(events::add);

    JobConfig good = service("a/prod/good", 2);
    JobsRefusedException e = catchThrowableOfType(JobsRefusedException.class, () -> aurora.scheduler().createJobs(
        List.of(good, service("a/prod/existing", 3), oneOff("b/prod/empty", 1).withInstances(0)), TEST_PRINCIPAL));

    assertThat(e.problems()).containsExactly(
        "a/prod/existing: a job with this key exists already",
        "b/prod/empty: invalid configuration: instances: a one-off job needs at least 1 instance, was 0"
            + " (only a service may have 0)");
    assertThat(e.refusals().get(0).reason()).isInstanceOf(JobConflictException.class);
    assertThat(e).hasMessageStartingWith("batch of jobs refused, nothing created; 2 problems:");
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(existing.key());
    assertThat(aurora.scheduler().job(existing.key()).orElseThrow().instances()).isEqualTo(1);
    assertThat(storedJobs()).containsExactly(existing.key());
    assertThat(storedTasks()).isEqualTo(1);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.tasks(good.key())).isEmpty();
    assertThat(aurora.cluster().runningTasks()).hasSize(1);
    assertThat(events).noneMatch(ev -> ev instanceof SchedulerEvent.JobCreated);
    assertThat(aurora.scheduler().audit().stream().filter(a -> a.action().equals("createJobs"))
        .map(AuditEntry::result).toList()).hasSize(3).containsOnly(AuditEntry.Result.REFUSED);
  }

  @Test
  void aKeyTwiceInTheBatchIsRefused() {
    JobsRefusedException e = catchThrowableOfType(JobsRefusedException.class, () -> aurora.scheduler().createJobs(
        List.of(service("a/prod/web", 1), service("a/prod/api", 1), service("a/prod/web", 2)), TEST_PRINCIPAL));

    assertThat(e.problems()).containsExactly("a/prod/web: appears more than once in the batch (jobs[0], jobs[2])");
    assertThat(aurora.scheduler().jobs()).isEmpty();
    assertThat(storedJobs()).isEmpty();
  }

  @Test
  void aRoleTheCallerMayNotActOnRefusesTheWholeBatch() {
    JobsRefusedException e = catchThrowableOfType(JobsRefusedException.class,
        () -> aurora.scheduler().createJobs(List.of(service("a/prod/web", 1), service("b/prod/api", 1)), ALICE));

    assertThat(e.problems()).containsExactly("b/prod/api: alice may not createJobs on role b");
    assertThat(e.refusals().get(0).reason()).isInstanceOf(NotAuthorizedException.class);
    assertThat(aurora.scheduler().jobs()).isEmpty();
    assertThat(aurora.registry().get("aurora.authorization.denials").counter().count()).isEqualTo(1.0);
    assertThat(aurora.scheduler().audit()).filteredOn(a -> a.action().equals("createJobs"))
        .extracting(AuditEntry::target, AuditEntry::result).containsExactlyInAnyOrder(
            tuple("a/prod/web x1", AuditEntry.Result.REFUSED), tuple("b/prod/api x1", AuditEntry.Result.DENIED));
  }

  @Test
  void aQuotaExceededOnlyByTheSumOfTheBatchRefusesIt() {
    aurora.scheduler().setQuota("a", ResourceQuota.of(5, 10_000, 10_000, 0), TEST_PRINCIPAL);
    aurora.scheduler().createJob(service("a/prod/old", 1), TEST_PRINCIPAL);
    // 1 cpu used; each job alone (3 cpus) fits in the 4 left, both (6) do not
    JobConfig web = service("a/prod/web", 3);
    JobConfig api = service("a/prod/api", 3);
    JobConfig other = service("b/prod/free", 30); // role b has no quota

    JobsRefusedException e = catchThrowableOfType(JobsRefusedException.class,
        () -> aurora.scheduler().createJobs(List.of(web, other, api), TEST_PRINCIPAL));

    assertThat(e.refusals()).singleElement().satisfies(r -> {
      assertThat(r.jobs()).containsExactly(web.key(), api.key());
      assertThat(r.reason()).isInstanceOfSatisfying(QuotaExceededException.class, q -> {
        assertThat(q.used()).isEqualTo(Resources.of(1, 128, 10));
        assertThat(q.asked()).isEqualTo(Resources.of(6, 768, 60));
      });
    });
    assertThat(e.problems()).singleElement().asString()
        .startsWith("a/prod/web, a/prod/api together: quota of role a exceeded");
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(JobKey.parse("a/prod/old"));
    assertThat(aurora.scheduler().quotaConsumption("a")).isEqualTo(Resources.of(1, 128, 10));

    aurora.scheduler().createJobs(List.of(web, other), TEST_PRINCIPAL); // 4 of 5 cpus: fits
    assertThat(aurora.scheduler().quotaConsumption("a")).isEqualTo(Resources.of(4, 512, 40));
  }

  @Test
  void aStorageFailureOnTheAppendKeepsNoneOfTheBatch() {
    JobConfig kept = service("a/prod/kept", 1);
    aurora.scheduler().createJob(kept, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    storage.failing = true;
    assertThatThrownBy(() -> aurora.scheduler().createJobs(
        List.of(service("a/prod/web", 2), service("b/prod/api", 2)), TEST_PRINCIPAL))
        .isInstanceOf(StorageException.class);

    storage.failing = false;
    aurora.restartScheduler();
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(kept.key());
    assertThat(aurora.cluster().runningTasks()).hasSize(1);
  }

  @Test
  void aRestartRecoversEveryJobOfTheBatch() {
    List<JobConfig> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(service((i % 2 == 0 ? "a" : "b") + "/prod/job" + i, 2, 0.1));
    }
    aurora.scheduler().createJobs(batch, TEST_PRINCIPAL);

    aurora.restartScheduler();
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.scheduler().jobs()).hasSize(20);
    for (JobConfig job : batch) {
      assertThat(aurora.running(job.key())).as(job.key().toString()).hasSize(2);
    }
  }

  @Test
  void anEmptyBatchChangesNothing() {
    aurora.runUntilIdle();
    int before = storage.appends.size();
    aurora.scheduler().createJobs(List.of(), TEST_PRINCIPAL);
    assertThat(storage.appends).hasSize(before);
    assertThat(aurora.scheduler().jobs()).isEmpty();
  }
}
