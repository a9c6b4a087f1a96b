package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's state change is stored as the change alone (a few dozen bytes, not the whole task), and a
 * restarted scheduler rebuilds every task exactly as it was: from the new ops, and from a log an earlier
 * release wrote with the whole task per change.
 */
class StatusOpRecoveryTest {
  @TempDir
  Path dir;

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).scheduler(b -> b.snapshotEvery(1_000_000));

  private List<ScheduledTask> runSomeTasksThroughTheirLives() {
    JobConfig web = Job.service("www-data/prod/web").instances(3)
        .task(t -> t.process("p", "./serve {{port.http}}").cpus(1).ramMb(256).port("http")).build();
    aurora.scheduler().createJob(web, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    aurora.cluster().killTask(aurora.running(web.key()).get(0).id()); // ends with the backend's message, replaced
    aurora.advance(Duration.ofSeconds(10));
    aurora.scheduler().killInstances(web.key(), java.util.Set.of(2), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));
    aurora.runUntilIdle();
    return aurora.scheduler().tasks(TaskQuery.all());
  }

  @Test
  void aStateChangeIsStoredAsTheChangeAloneAndRecoveredToTheSameTask() throws Exception {
    List<ScheduledTask> before = runSomeTasksThroughTheirLives();

    List<Op> log = aurora.storage().recover().log();
    assertThat(log).hasAtLeastOneElementOfType(Op.SaveTaskStatus.class).hasAtLeastOneElementOfType(Op.AssignTask.class);
    ObjectMapper json = AuroraJson.newMapper().copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    for (Op op : log) {
      if (op instanceof Op.SaveTask s) {
        assertThat(s.task().events()).as("only a new task is stored whole: %s", s.task()).hasSize(2);
      } else if (op instanceof Op.CreateTasks c) {
        assertThat(c.tasks()).allSatisfy(t -> assertThat(t.events()).hasSize(2));
      } else if (op instanceof Op.SaveTaskStatus || op instanceof Op.AssignTask) {
        assertThat(json.writeValueAsBytes(op).length).as("%s", op).isLessThan(160);
      }
    }

    aurora.restartScheduler(); // a new scheduler recovers the log on the same storage

    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aFileLogOfWholeTaskOpsAsAnEarlierReleaseWroteThemIsStillRecovered() {
    List<ScheduledTask> before = runSomeTasksThroughTheirLives();
    // what an earlier release stored for the same run: the whole task at every change
    List<Op> wholeTasks = new ArrayList<>();
    Map<TaskId, ScheduledTask> tasks = new HashMap<>();
    for (Op op : aurora.storage().recover().log()) {
      if (op instanceof Op.SaveTask s) {
        tasks.put(s.task().id(), s.task());
        wholeTasks.add(op);
      } else if (op instanceof Op.CreateTasks c) {
        for (ScheduledTask t : c.tasks()) {
          tasks.put(t.id(), t);
          wholeTasks.add(new Op.SaveTask(t));
        }
      } else if (op instanceof Op.SaveTaskStatus s) {
        ScheduledTask t = tasks.get(s.id()).withStatus(s.status(), s.timeMillis(), s.message());
        tasks.put(t.id(), t);
        wholeTasks.add(new Op.SaveTask(t));
      } else if (op instanceof Op.AssignTask a) {
        ScheduledTask t = tasks.get(a.id()).assigned(a.agentId(), a.host(),
            a.ports().stream().mapToInt(Integer::intValue).toArray(), a.timeMillis());
        tasks.put(t.id(), t);
        wholeTasks.add(new Op.SaveTask(t));
      } else {
        wholeTasks.add(op);
      }
    }
    assertThat(wholeTasks).noneMatch(op -> op instanceof Op.SaveTaskStatus || op instanceof Op.AssignTask
        || op instanceof Op.CreateTasks);
    try (Storage old = Storage.fileLog(dir)) {
      old.recover();
      old.append(wholeTasks);
    }

    aurora.restartScheduler(Storage.fileLog(dir));

    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aFileLogWithStateChangesIsRecoveredToTheStateBeforeTheStop() {
    aurora.restartScheduler(Storage.fileLog(dir));
    List<ScheduledTask> before = runSomeTasksThroughTheirLives();

    aurora.restartScheduler(Storage.fileLog(dir)); // a new process over the same directory

    assertThat(aurora.scheduler().tasks(TaskQuery.all())).containsExactlyInAnyOrderElementsOf(before);
  }
}
