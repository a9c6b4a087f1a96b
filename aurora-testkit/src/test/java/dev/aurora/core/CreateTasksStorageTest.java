package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks created together (createJob, createJobs, addInstances) are stored naming their config once,
 * not each task whole: a few dozen bytes a task instead of about a kilobyte. A restarted scheduler
 * rebuilds them exactly as they were, sharing one config, and a torn last record of them is dropped as
 * any other.
 */
class CreateTasksStorageTest {
  @TempDir
  Path dir;

  final RecordingStorage storage = new RecordingStorage();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).scheduler(b -> b.storage(storage).snapshotEvery(1_000_000));

  private static final ObjectMapper JSON = AuroraJson.newMapper().copy().disable(SerializationFeature.INDENT_OUTPUT);

  static JobConfig service(String key, int n) {
    return Job.service(key).instances(n)
        .task(t -> t.process("p", "./serve --port {{port.http}} --flag-that-makes-the-config-longer").cpus(0.01)
            .ramMb(1).diskMb(1).port("http"))
        .build();
  }

  private static int bytes(List<Op> ops) throws IOException {
    return JSON.writeValueAsBytes(ops).length;
  }

  private List<Op> lastAppend() {
    return storage.appends.get(storage.appends.size() - 1);
  }

  @Test
  void aJobOf500TasksIsStoredInAFewDozenBytesATask() throws IOException {
    aurora.runUntilIdle();

    aurora.scheduler().createJob(service("www-data/prod/web", 500), TEST_PRINCIPAL);

    int perTask = bytes(lastAppend()) / 500;
    assertThat(perTask).as("bytes stored per created task").isLessThan(80);
  }

  @Test
  void everyJobOfABatchStoresItsTasksAsOneOpNamingItsConfigOnce() throws IOException {
    aurora.runUntilIdle();
    List<JobConfig> batch = List.of(service("www-data/prod/web", 300), service("www-data/prod/api", 200));

    aurora.scheduler().createJobs(batch, TEST_PRINCIPAL);

    List<Op> append = lastAppend();
    assertThat(append).filteredOn(op -> op instanceof Op.CreateTasks).extracting(op -> ((Op.CreateTasks) op).size())
        .containsExactly(300, 200);
    assertThat(append).noneMatch(op -> op instanceof Op.SaveTask);
    assertThat(bytes(append) / 500).as("bytes stored per created task").isLessThan(80);
  }

  @Test
  void addedInstancesAreStoredNamingTheirConfigOnce() throws IOException {
    JobConfig web = service("www-data/prod/web", 2);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.runUntilIdle();

    aurora.scheduler().addInstances(web.key(), 300, TEST_PRINCIPAL);

    assertThat(bytes(lastAppend()) / 300).as("bytes stored per added task").isLessThan(80);
  }

  /** Creates jobs, grows one, runs some tasks and replaces one: tasks created in every way. */
  private List<ScheduledTask> createTasksInEveryWay() {
    JobConfig web = service("www-data/prod/web", 3);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.scheduler().createJobs(List.of(service("www-data/prod/api", 2), service("ads/prod/api", 2)), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    aurora.scheduler().addInstances(web.key(), 2, TEST_PRINCIPAL);
    aurora.cluster().killTask(aurora.running(web.key()).get(0).id()); // replaced
    aurora.advance(Duration.ofSeconds(10));
    aurora.scheduler().killInstances(web.key(), Set.of(1), TEST_PRINCIPAL);
    aurora.runUntilIdle();
    return aurora.scheduler().tasks(TaskQuery.all());
  }

  @Test
  void aRestartedSchedulerRecoversTasksCreatedTogetherExactlyAsTheyWere() {
    aurora.restartScheduler(Storage.fileLog(dir));
    List<ScheduledTask> before = createTasksInEveryWay();

    aurora.restartScheduler(Storage.fileLog(dir)); // a new process over the same directory

    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void recoveredTasksOfAJobShareOneConfigInMemory() {
    aurora.restartScheduler(Storage.fileLog(dir));
    JobConfig web = service("www-data/prod/web", 50);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.runUntilIdle();

    aurora.restartScheduler(Storage.fileLog(dir));

    List<ScheduledTask> tasks = aurora.scheduler().tasks(TaskQuery.job(web.key()));
    assertThat(tasks).hasSize(50).allSatisfy(t -> assertThat(t.config()).isSameAs(tasks.get(0).config()));
  }

  @Test
  void aLogOfWholeTaskCreationsAsEarlierReleasesWroteItIsStillRecovered() {
    List<ScheduledTask> before = createTasksInEveryWay();
    // what an earlier release stored for the same run: each created task whole
    List<Op> earlier = new ArrayList<>();
    for (Op op : storage.stored()) {
      if (op instanceof Op.CreateTasks c) {
        c.tasks().forEach(t -> earlier.add(new Op.SaveTask(t)));
      } else {
        earlier.add(op);
      }
    }
    assertThat(earlier).noneMatch(op -> op instanceof Op.CreateTasks).hasAtLeastOneElementOfType(Op.SaveTask.class);
    try (Storage old = Storage.fileLog(dir)) {
      old.recover();
      old.append(earlier);
    }

    aurora.restartScheduler(Storage.fileLog(dir));

    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aTornLastRecordOfCreatedTasksIsDroppedWithItsJobAndTheRestRecovered() throws IOException {
    aurora.restartScheduler(Storage.fileLog(dir));
    JobConfig web = service("www-data/prod/web", 2);
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    JobConfig api = service("www-data/prod/api", 100);
    aurora.scheduler().createJob(api, TEST_PRINCIPAL); // the last record: api and its tasks
    aurora.scheduler().close();
    byte[] log = Files.readAllBytes(dir.resolve("log"));
    long last = -1;
    for (int at = 28; at < log.length; at += 8 + ByteBuffer.wrap(log).getInt(at)) {
      last = at;
    }
    long lastStart = last;
    assertThat(new String(log, (int) lastStart, log.length - (int) lastStart, StandardCharsets.UTF_8))
        .contains("\"createTasks\"").contains("www-data-prod-api-0-"); // later ids share its prefix (compact form)
    try (FileChannel ch = FileChannel.open(dir.resolve("log"), StandardOpenOption.WRITE)) {
      ch.truncate(lastStart + (log.length - lastStart) / 2); // kill -9 in the middle of the last write
    }

    FileLogStorage recovered = Storage.fileLog(dir);
    aurora.restartScheduler(recovered);

    assertThat(recovered.lastTruncation()).hasValueSatisfying(cut -> assertThat(cut.offset()).isEqualTo(lastStart));
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(web.key());
    assertThat(aurora.scheduler().tasks(TaskQuery.all())).hasSize(2).allMatch(t -> t.job().equals(web.key()));
  }
}
