package dev.aurora.samples;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.mesos.MasterDetector;
import dev.aurora.mesos.MesosBackend;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The scheduler on Mesos, without a Mesos cluster: the testkit's {@link FakeMesosMaster} (a real HTTP
 * server on loopback speaking the v1 scheduler API, with 3 simulated agents) stands in for the master.
 * A service of 5 instances is placed and runs; the master drops the connection and the scheduler
 * subscribes again as the same framework; an agent is lost and its instances are replaced elsewhere.
 * Point {@code masters(...)} at a real cluster to run it there (docs/mesos.md).
 *
 * <pre>mvn -B -q -pl samples -am compile exec:java -Dsample=dev.aurora.samples.MesosOnFakeMaster</pre>
 */
public final class MesosOnFakeMaster {
  private MesosOnFakeMaster() {}

  /** Runs the sample. */
  public static void main(String[] args) throws Exception {
    Path state = Files.createTempDirectory("aurora-mesos-sample-");
    try (FakeMesosMaster master = FakeMesosMaster.builder().agents(3).build()) {
      MesosBackend backend = MesosBackend.builder()
          .masters(MasterDetector.of(master.leader()))
          .frameworkName("aurora-sample").roles("web") // the framework id is kept in the scheduler's storage
          .build();
      JobConfig hello = Job.service("www-data/prod/hello").instances(5)
          .task(t -> t.process("server", "./hello --port {{port.http}}").cpus(0.5).ramMb(128).diskMb(16).port("http"))
          .build();
      try (Scheduler scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC()))
          .backend(backend).storage(Storage.fileLog(state.resolve("log"))).build()) {
        scheduler.start();
        scheduler.createJob(hello, Principal.of("sample"));
        awaitRunning(scheduler, hello, 5);
        print("5 instances running", scheduler, hello);

        master.dropConnection();
        await(() -> master.subscriptions().size() == 2 && backend.subscribed());
        awaitRunning(scheduler, hello, 5);
        System.out.println("connection dropped; subscribed again as framework " + backend.frameworkId().orElseThrow()
            + " (" + master.subscriptions().size() + " subscriptions)");

        String agent = master.agentOf(master.activeTasks().iterator().next()).orElseThrow();
        String lostHost = master.agents().stream().filter(a -> a.id().equals(agent)).findFirst().orElseThrow().hostname();
        master.loseAgent(agent);
        await(() -> running(scheduler, hello).size() == 5
            && running(scheduler, hello).stream().noneMatch(t -> t.host().orElse("").equals(lostHost)));
        print(agent + " lost; its instances replaced", scheduler, hello);
      }
    }
  }

  private static void print(String what, Scheduler scheduler, JobConfig job) {
    System.out.println(what + ":");
    for (ScheduledTask t : scheduler.tasks(TaskQuery.job(job.key()))) {
      if (t.status() == ScheduleStatus.RUNNING) {
        System.out.println("  instance " + t.instance() + " on " + t.host().orElse("?") + " " + t.id());
      }
    }
  }

  private static void awaitRunning(Scheduler scheduler, JobConfig job, int n) throws InterruptedException {
    await(() -> running(scheduler, job).size() == n);
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the sample's condition did not hold within 30 s");
      }
      Thread.sleep(50);
    }
  }

  private static List<ScheduledTask> running(Scheduler scheduler, JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key())).stream().filter(t -> t.status() == ScheduleStatus.RUNNING)
        .toList();
  }
}
