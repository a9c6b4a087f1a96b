package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.testkit.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link Scheduler#createJobs} called from several threads at once on the production loop ({@link
 * StateLoop#singleThread}): each batch is created all or none, whatever the interleaving.
 */
class ConcurrentCreateJobsTest {
  private static final int THREADS = 4;
  private static final int JOBS = 10;
  private static final int INSTANCES = 5;

  private static JobConfig job(String key) {
    return Job.service(key).instances(INSTANCES).task(t -> t.process("p", "./run").cpus(0.5).ramMb(128)).build();
  }

  @Test
  void batchesCreatedFromSeveralThreadsAtOnceAreEachCreatedWholeOrNotAtAll() throws Exception {
    Clock clock = Clock.systemUTC();
    StateLoop loop = StateLoop.singleThread(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(20).resources(16, 65_536, 100_000, 0)
        .delays(Duration.ofDays(1), Duration.ofDays(1)).build();
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try (Scheduler scheduler = Scheduler.builder().backend(cluster).storage(Storage.inMemory()).loop(loop)
        .clock(clock).offerHold(Duration.ofDays(1)).build()) {
      scheduler.start();
      // every batch has its own jobs; batches 0 and 1 also both hold web/prod/shared: one of them must lose whole
      List<List<JobConfig>> batches = new ArrayList<>();
      for (int b = 0; b < THREADS; b++) {
        List<JobConfig> batch = new ArrayList<>();
        for (int j = 0; j < JOBS; j++) {
          batch.add(job("web/prod/b" + b + "j" + j));
        }
        if (b < 2) {
          batch.add(JOBS / 2, job("web/prod/shared"));
        }
        batches.add(batch);
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> created = new ArrayList<>();
      for (List<JobConfig> batch : batches) {
        created.add(threads.submit(() -> {
          go.await();
          try {
            scheduler.createJobs(batch, TEST_PRINCIPAL);
            return true;
          } catch (JobsRefusedException e) {
            assertThat(e.problems()).singleElement().asString().contains("web/prod/shared");
            return false;
          }
        }));
      }
      go.countDown();
      List<Boolean> outcomes = new ArrayList<>();
      for (Future<Boolean> f : created) {
        outcomes.add(f.get(1, TimeUnit.MINUTES));
      }

      assertThat(outcomes.subList(0, 2)).as("of the two batches holding the same job, exactly one is created")
          .containsExactlyInAnyOrder(true, false);
      assertThat(outcomes.subList(2, THREADS)).containsOnly(true);
      Set<JobKey> expected = new HashSet<>();
      for (int b = 0; b < THREADS; b++) {
        if (outcomes.get(b)) {
          batches.get(b).forEach(j -> expected.add(j.key()));
        }
      }
      assertThat(scheduler.jobs()).extracting(JobConfig::key).containsExactlyInAnyOrderElementsOf(expected);

      List<ScheduledTask> tasks = scheduler.tasks(TaskQuery.all());
      assertThat(tasks).hasSize(expected.size() * INSTANCES);
      assertThat(tasks.stream().map(ScheduledTask::id).distinct().count()).as("task ids unique")
          .isEqualTo(tasks.size());
      Map<JobKey, Set<Integer>> instances = new HashMap<>();
      Map<String, Double> cpusByHost = new HashMap<>();
      for (ScheduledTask t : tasks) {
        instances.computeIfAbsent(t.job(), k -> new TreeSet<>()).add(t.instance());
        t.host().ifPresent(h -> cpusByHost.merge(h, t.config().resources().cpus(), Double::sum));
      }
      for (JobKey k : expected) {
        assertThat(instances.get(k)).as(k + "'s instances")
            .containsExactlyElementsOf(IntStream.range(0, INSTANCES).boxed().toList());
      }
      assertThat(cpusByHost.values()).as("no agent over-committed").allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(16.0));
    } finally {
      threads.shutdownNow();
      loop.stop();
    }
  }
}
