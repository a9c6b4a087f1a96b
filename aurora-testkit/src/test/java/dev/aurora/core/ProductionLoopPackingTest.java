package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The production loop ({@link StateLoop#singleThread}, jobs created from another thread while the loop
 * places) packs as the manual loop does for the same calls: a pass that follows a launch sees what the
 * launch left of its agent, because a call returns only once its launches are with the backend, and the
 * backend's offer of the rest comes before the caller's next call.
 */
class ProductionLoopPackingTest {

  /** 30 jobs of 3 instances, 1 to 3 cpus a task: 180 cpus on agents of 16. */
  private static List<JobConfig> jobs() {
    List<JobConfig> jobs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      double cpus = 1 + i % 3;
      jobs.add(Job.service("web/prod/job" + i).instances(3).task(t -> t.process("p", "./run").cpus(cpus).ramMb(512))
          .build());
    }
    return jobs;
  }

  private static SimulatedCluster cluster(StateLoop loop) {
    return SimulatedCluster.builder(loop).agents(20).resources(16, 65_536, 100_000, 0)
        .delays(Duration.ofDays(1), Duration.ofDays(1)).build();
  }

  private static Scheduler scheduler(StateLoop loop, Clock clock, SimulatedCluster cluster) {
    return Scheduler.builder().backend(cluster).storage(Storage.inMemory()).loop(loop).clock(clock)
        .offerHold(Duration.ofDays(1)).build();
  }

  /** Each task's host, by job and instance. */
  private static Map<String, String> hosts(Scheduler scheduler, List<JobConfig> jobs) {
    Map<String, String> hosts = new TreeMap<>();
    for (JobConfig j : jobs) {
      for (ScheduledTask t : scheduler.tasks(TaskQuery.job(j.key()))) {
        hosts.put(j.key() + "/" + t.instance(), t.host().orElse("(pending)"));
      }
    }
    return hosts;
  }

  /** Waits (at most a minute) until the loop has run what was queued, and what that queued. */
  private static void idle(StateLoop loop) throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      CountDownLatch done = new CountDownLatch(1);
      loop.execute(done::countDown);
      assertThat(done.await(1, TimeUnit.MINUTES)).as("the loop got to the end of its queue").isTrue();
    }
  }

  @Test
  void jobsCreatedOneAfterAnotherPackOnTheProductionLoopAsOnTheManualLoop() throws Exception {
    List<JobConfig> jobs = jobs();

    // the manual loop, run to idle after each call: every pass sees what the launches before it left
    FakeClock fake = FakeClock.startingAtEpoch2026();
    ManualStateLoop manual = new ManualStateLoop(fake);
    Map<String, String> expected;
    try (Scheduler scheduler = scheduler(manual, fake, cluster(manual))) {
      scheduler.start();
      manual.runUntilIdle();
      for (JobConfig j : jobs) {
        scheduler.createJob(j, TEST_PRINCIPAL);
        manual.runUntilIdle();
      }
      expected = hosts(scheduler, jobs);
    }

    // the production loop: this thread calls createJob while the loop thread places
    StateLoop loop = StateLoop.singleThread(Clock.systemUTC());
    try (Scheduler scheduler = scheduler(loop, Clock.systemUTC(), cluster(loop))) {
      scheduler.start();
      idle(loop);
      for (JobConfig j : jobs) {
        scheduler.createJob(j, TEST_PRINCIPAL);
      }
      idle(loop);

      assertThat(hosts(scheduler, jobs)).isEqualTo(expected);
    }
    assertThat(expected.values()).doesNotContain("(pending)");
  }
}
