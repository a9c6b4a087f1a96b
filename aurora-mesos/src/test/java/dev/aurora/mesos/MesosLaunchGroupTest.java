package dev.aurora.mesos;

import static dev.aurora.mesos.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskQuery;
import dev.aurora.testkit.Await;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The LAUNCH_GROUP launch mode: each task in a task group of its own, on Mesos's default executor. */
class MesosLaunchGroupTest {
  Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  private static double scalar(List<Protos.Resource> resources, String name) {
    return resources.stream().filter(r -> r.getName().equals(name)).mapToDouble(r -> r.getScalar().getValue()).sum();
  }

  @Test
  void eachTaskGoesOutAsAGroupOfItsOwnOnTheDefaultExecutorAllOfOneAgentInOneAccept() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.roles("web").launchGroups(true));
    Offer o = h.freshOffer();
    TaskLaunch first = Harness.launchOf(o, Harness.task("sleep 600"), 31000);
    TaskLaunch second = Harness.launchOf(o, Harness.task("sleep 600"), 31001);
    h.backend.launch(List.of(o.id()), List.of(first, second));
    await("both running", () -> h.recorder.saw(first.taskId(), ScheduleStatus.RUNNING)
        && h.recorder.saw(second.taskId(), ScheduleStatus.RUNNING));

    List<Call> accepts = h.master.calls(Call.Type.ACCEPT);
    assertThat(accepts).hasSize(1);
    List<Protos.Offer.Operation> ops = accepts.get(0).getAccept().getOperationsList();
    assertThat(ops).hasSize(2).allSatisfy(op -> {
      assertThat(op.getType()).isEqualTo(Protos.Offer.Operation.Type.LAUNCH_GROUP);
      Protos.ExecutorInfo e = op.getLaunchGroup().getExecutor();
      Protos.TaskInfo t = op.getLaunchGroup().getTaskGroup().getTasks(0);
      assertThat(op.getLaunchGroup().getTaskGroup().getTasksCount()).isEqualTo(1);
      assertThat(e.getType()).isEqualTo(Protos.ExecutorInfo.Type.DEFAULT);
      assertThat(e.getFrameworkId().getValue()).isEqualTo(h.master.frameworkId().orElseThrow());
      assertThat(e.getExecutorId().getValue()).isEqualTo("aurora-" + t.getTaskId().getValue());
      // the executor's share comes out of the task's own: together they are what was placed
      assertThat(scalar(e.getResourcesList(), "cpus")).isEqualTo(0.1);
      assertThat(scalar(e.getResourcesList(), "mem")).isEqualTo(32.0);
      assertThat(scalar(e.getResourcesList(), "cpus") + scalar(t.getResourcesList(), "cpus")).isEqualTo(0.5);
      assertThat(scalar(e.getResourcesList(), "mem") + scalar(t.getResourcesList(), "mem")).isEqualTo(64.0);
      assertThat(e.getResourcesList()).allSatisfy(r -> assertThat(r.getAllocationInfo().getRole()).isEqualTo("web"));
      assertThat(t.hasExecutor()).isFalse();
      assertThat(t.getCommand().getValue()).isEqualTo("sleep 600");
    });
    assertThat(h.master.violations()).isEmpty();
  }

  @Test
  void aTaskTooSmallToShareWithTheExecutorCannotRunAndSaysWhy() {
    h = new Harness(FakeMesosMaster.builder().agents(1),
        b -> b.launchGroups(true).defaultExecutorResources(0.25, 64));
    TaskConfig tiny = TaskConfig.builder().addProcesses(ProcessConfig.of("main", "sleep 600"))
        .resources(Resources.builder().cpus(0.2).ramMb(64).build()).build();

    assertThat(h.backend.cannotRun(tiny)).hasValueSatisfying(why -> assertThat(why)
        .contains("default executor").contains("0.2 cpus").contains("64.0 MiB"));
    assertThat(h.backend.cannotRun(TaskConfig.builder().from(tiny)
        .resources(Resources.builder().cpus(1).ramMb(128).build()).build())).isEmpty();
  }

  @Test
  void aSchedulerOnLaunchGroupsKeepsItsServiceWholeAndReplacesAFailedTask() {
    FakeMesosMaster master = FakeMesosMaster.builder().agents(2).updateRetry(Duration.ofMillis(200)).build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).leftoverRefusal(Duration.ofMillis(50))
        .launchGroups(true).build();
    Storage storage = Storage.inMemory();
    JobConfig service = Job.service("www/prod/hello").instances(4)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(64).diskMb(10).port("http"))
        .build();
    try (Scheduler scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(storage).offerHold(Duration.ofSeconds(1)).declineBackoff(Duration.ofMillis(100))
        .flapping(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ofMillis(50)).build()) {
      scheduler.start();
      scheduler.createJob(service, Principal.of("test"));
      Await.until("4 running", () -> scheduler.tasks(TaskQuery.job(service.key())).stream()
          .filter(t -> t.status() == ScheduleStatus.RUNNING).count() == 4);

      master.failTask(master.activeTasks().iterator().next(), "crashed");

      Await.until("a replacement launched as a group and running", () -> master.launchedCount() == 5
          && scheduler.tasks(TaskQuery.job(service.key())).stream()
              .filter(t -> t.status() == ScheduleStatus.RUNNING).count() == 4);
      assertThat(master.calls(Call.Type.ACCEPT)).allSatisfy(c -> assertThat(c.getAccept().getOperationsList())
          .allSatisfy(op -> assertThat(op.getType()).isEqualTo(Protos.Offer.Operation.Type.LAUNCH_GROUP)));
      assertThat(master.violations()).isEmpty();
    } finally {
      storage.close();
      master.close();
    }
  }
}
