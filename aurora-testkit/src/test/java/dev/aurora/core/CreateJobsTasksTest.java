package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.testkit.AuroraExtension;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The tasks a {@link Scheduler#createJobs} of many jobs makes: each job's instances PENDING, told to
 * event subscribers and counted, the same whether a job comes alone or in a batch; a batch with bad jobs
 * among many creates nothing and names every problem; and what a created task costs in heap on that path
 * (each byte allocated is a page touched for the first time in a fresh JVM). Bytes are counted with
 * HotSpot's per-thread allocation counter, which does not depend on time or load.
 */
class CreateJobsTasksTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  final RecordingStorage storage = new RecordingStorage();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(0).scheduler(b -> b.storage(storage).snapshotEvery(100_000_000));

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n)
        .task(t -> t.process("p", "./serve --port {{port.http}}").cpus(0.01).ramMb(1).diskMb(1).port("http"))
        .build();
  }

  static List<JobConfig> batch(String prefix, int jobs, int instances) {
    List<JobConfig> batch = new ArrayList<>();
    for (int j = 0; j < jobs; j++) {
      batch.add(service("www-data/prod/" + prefix + j, instances));
    }
    return batch;
  }

  private double pendingGauge() {
    return aurora.registry().get("aurora.tasks").tag("state", "PENDING").gauge().value();
  }

  @Test
  void everyJobOfABatchHasItsInstancesPendingToldToSubscribersAndCounted() {
    aurora.runUntilIdle();
    List<SchedulerEvent.TaskStateChanged> changes = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskStateChanged c) {
        changes.add(c);
      }
    });
    List<JobConfig> jobs = batch("web", 40, 25);

    aurora.scheduler().createJobs(jobs, TEST_PRINCIPAL);
    aurora.runUntilIdle();

    Set<String> ids = new HashSet<>();
    for (JobConfig job : jobs) {
      List<ScheduledTask> tasks = aurora.scheduler().tasks(TaskQuery.job(job.key()));
      assertThat(tasks).extracting(ScheduledTask::instance)
          .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 25).boxed().toList());
      for (ScheduledTask t : tasks) {
        assertThat(t.status()).isEqualTo(ScheduleStatus.PENDING);
        assertThat(t.job()).isEqualTo(job.key());
        assertThat(t.config()).isEqualTo(job.task());
        assertThat(t.failureCount()).isZero();
        assertThat(t.events()).extracting(TaskEvent::status).containsExactly(ScheduleStatus.INIT, ScheduleStatus.PENDING);
        assertThat(t.events()).extracting(TaskEvent::message).containsOnly("");
        assertThat(t.events().get(0).time()).isEqualTo(t.events().get(1).time());
        assertThat(t.id().value()).matches("www-data-prod-" + job.key().name() + "-" + t.instance() + "-[0-9a-f]{1,16}");
        String hex = t.id().value().substring(t.id().value().lastIndexOf('-') + 1);
        assertThat(Long.toHexString(Long.parseLong(hex, 16))).as("the id's hex part, as Long.toHexString writes it").isEqualTo(hex);
        ids.add(t.id().value());
      }
      assertThat(aurora.scheduler().whyPending(job.key())).isNotNull();
    }
    assertThat(ids).hasSize(1_000);
    // each task told once, from INIT, in the order of its job's instances
    assertThat(changes).hasSize(1_000);
    assertThat(changes).allSatisfy(c -> {
      assertThat(c.from()).isEqualTo(ScheduleStatus.INIT);
      assertThat(c.task().status()).isEqualTo(ScheduleStatus.PENDING);
    });
    assertThat(changes.subList(0, 25)).extracting(c -> c.task().instance())
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 25).boxed().toList());
    assertThat(changes).extracting(c -> c.task().id().value()).doesNotHaveDuplicates();
    assertThat(pendingGauge()).isEqualTo(1_000.0);
    assertThat(aurora.registry().get("aurora.tasks").tag("state", "INIT").gauge().value()).isZero();
    // stored: each job and one createTasks op per job naming its 25 tasks
    assertThat(storage.stored()).filteredOn(o -> o instanceof Op.CreateTasks).hasSize(40)
        .allSatisfy(o -> assertThat(((Op.CreateTasks) o).size()).isEqualTo(25));
  }

  @Test
  void aJobCreatedInABatchGetsTheSameTasksAsOneCreatedAlone() {
    aurora.runUntilIdle();
    aurora.scheduler().createJob(service("www-data/prod/alone", 5), TEST_PRINCIPAL);
    aurora.scheduler().createJobs(List.of(service("www-data/prod/batched", 5)), TEST_PRINCIPAL);
    aurora.runUntilIdle();

    List<ScheduledTask> alone = aurora.scheduler().tasks(TaskQuery.job(JobKey.parse("www-data/prod/alone")));
    List<ScheduledTask> batched = aurora.scheduler().tasks(TaskQuery.job(JobKey.parse("www-data/prod/batched")));
    assertThat(batched).hasSameSizeAs(alone);
    for (int i = 0; i < alone.size(); i++) {
      ScheduledTask a = alone.get(i);
      ScheduledTask b = batched.get(i);
      assertThat(b.instance()).isEqualTo(a.instance());
      assertThat(b.status()).isEqualTo(a.status());
      assertThat(b.config()).isEqualTo(a.config());
      assertThat(b.events()).isEqualTo(a.events());
      assertThat(b.failureCount()).isEqualTo(a.failureCount());
      assertThat(b.flapCount()).isEqualTo(a.flapCount());
    }
    assertThat(pendingGauge()).isEqualTo(10.0);
  }

  @Test
  void aBatchOfManyJobsWithBadOnesAmongThemRefusesNamingEveryProblemAndCreatesNothing() {
    aurora.runUntilIdle();
    List<JobConfig> jobs = new ArrayList<>(batch("ok", 60, 10));
    jobs.add(17, Job.adhoc("www-data/prod/empty").instances(0).task(t -> t.process("p", "./run").cpus(1).ramMb(1)).build());
    jobs.add(service("www-data/prod/ok3", 2)); // the key of jobs[3] again
    int storedBefore = storage.stored().size();

    JobsRefusedException refused = catchThrowableOfType(
        () -> aurora.scheduler().createJobs(jobs, TEST_PRINCIPAL), JobsRefusedException.class);
    aurora.runUntilIdle();

    assertThat(refused.problems()).hasSize(2);
    assertThat(refused.getMessage()).contains("www-data/prod/empty").contains("www-data/prod/ok3");
    assertThat(aurora.scheduler().jobs()).isEmpty();
    assertThat(aurora.scheduler().tasks(TaskQuery.all())).isEmpty();
    assertThat(pendingGauge()).isZero();
    assertThat(storage.stored().subList(storedBefore, storage.stored().size()))
        .noneMatch(o -> o instanceof Op.SaveJob || o instanceof Op.CreateTasks || o instanceof Op.SaveTask);
  }

  private long batchBytesPerTask(String prefix, int jobs, int instances) {
    List<JobConfig> batch = batch(prefix, jobs, instances);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    aurora.scheduler().createJobs(batch, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    return (THREADS.getCurrentThreadAllocatedBytes() - before) / ((long) jobs * instances);
  }

  @Test
  void creatingABatchOfJobsAllocatesLessThan500BytesATask() {
    aurora.runUntilIdle();
    for (int i = 0; i < 5; i++) {
      batchBytesPerTask("warm" + i + "-", 20, 100); // the JIT's first compilations are not the create path's bytes
    }

    long perTask = batchBytesPerTask("measured-", 200, 100);

    // id, task record, indexes, pending group, storage op, the recording storage's share: 556 bytes before a
    // job's tasks were made by one loop sharing their events array and writing their ids with no hex string
    // in between, 437 after
    assertThat(perTask).as("bytes allocated per created task, createJobs of 200 jobs of 100").isLessThan(500);
  }
}
