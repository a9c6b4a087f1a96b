package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job killed and created again under the same key, with the same config, is a new job: its limits
 * count its own tasks from zero, whatever the tasks of the job killed still do (wait for their kill, end
 * later), and nothing of the old job's pending group or counts carries over.
 */
class JobRecreatedTest {
  /** 4 agents of 8 cpus: room for several tasks of the job on each, so only the host limit spreads them. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4);

  private static JobConfig web(int instances) {
    return Job.service("web/prod/web").instances(instances)
        .task(t -> t.process("p", "./run").cpus(2).ramMb(512))
        .constraint(Constraint.limit("host", 1)).build();
  }

  private Map<String, Integer> perHost() {
    Map<String, Integer> perHost = new HashMap<>();
    for (ScheduledTask t : aurora.active(web(1).key())) {
      if (t.status().isOnAgent()) {
        perHost.merge(t.host().orElseThrow(), 1, Integer::sum);
      }
    }
    return perHost;
  }

  @Test
  void aHostLimitedJobKilledAndCreatedAgainAtOnceStillGetsOneTaskPerHost() {
    aurora.scheduler().createJob(web(3), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.running(web(3).key())).hasSize(3);

    // killed and created again before the loop runs anything in between
    aurora.scheduler().killJob(web(3).key(), TEST_PRINCIPAL);
    aurora.scheduler().createJob(web(6), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(aurora.running(web(6).key())).as("one task on each of the 4 hosts").hasSize(4);
    assertThat(perHost().values()).as("tasks per host").allMatch(n -> n == 1);
    assertThat(aurora.pending(web(6).key())).hasSize(2);
    assertThat(aurora.scheduler().whyPending(web(6).key()).vetoes()).containsKey("limit host:1");
  }

  /** An offer of {@code cpus} on agent {@code agent}. */
  private static Offer offer(String id, String agent, double cpus) {
    return Offer.builder().id(id).agentId(agent).hostname(agent + ".example.com").cpus(cpus).ramMb(8192)
        .diskMb(8192).build();
  }

  @Test
  void theKilledJobsTasksEndingAfterItWasCreatedAgainDoNotLoosenTheNewJobsLimits() {
    ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).build()) {
      scheduler.start();
      loop.runUntilIdle();
      backend.listener.offers(List.of(offer("o1", "agent-1", 8), offer("o2", "agent-2", 8)));
      loop.runUntilIdle();
      scheduler.createJob(web(2), TEST_PRINCIPAL);
      loop.runUntilIdle();
      List<TaskId> old = backend.launches.stream().flatMap(l -> l.tasks().stream()).toList();
      assertThat(old).hasSize(2);
      old.forEach(id -> backend.listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.RUNNING, "")));
      loop.runUntilIdle();

      // killed: the kills are on their way (the old tasks hold their agents, KILLING); created again
      scheduler.killJob(web(2).key(), TEST_PRINCIPAL);
      loop.runUntilIdle();
      backend.listener.offers(List.of(offer("o3", "agent-1", 6), offer("o4", "agent-2", 6)));
      scheduler.createJob(web(2), TEST_PRINCIPAL);
      loop.runUntilIdle();
      assertThat(scheduler.tasks(TaskQuery.job(web(2).key()).active()).stream()
          .filter(t -> t.status() == ScheduleStatus.ASSIGNED).map(t -> t.host().orElseThrow()))
          .as("the new job, its counts started fresh, on both hosts beside the old tasks")
          .containsExactlyInAnyOrder("agent-1.example.com", "agent-2.example.com");

      // now the old tasks' kills are done; the new job grows: its tasks already hold both hosts
      old.forEach(id -> backend.listener.statusUpdate(TaskStatus.of(id, ScheduleStatus.KILLED, "killed")));
      backend.listener.offers(List.of(offer("o5", "agent-1", 6), offer("o6", "agent-2", 6)));
      loop.runUntilIdle();
      int launchesBefore = backend.launches.size();
      scheduler.addInstances(web(2).key(), 2, TEST_PRINCIPAL);
      loop.runUntilIdle();

      assertThat(backend.launches.subList(launchesBefore, backend.launches.size()))
          .as("no second task of the job on a host").isEmpty();
      assertThat(scheduler.tasks(TaskQuery.job(web(2).key()).active()).stream()
          .filter(t -> t.status() == ScheduleStatus.PENDING)).hasSize(2);
    }
  }
}
