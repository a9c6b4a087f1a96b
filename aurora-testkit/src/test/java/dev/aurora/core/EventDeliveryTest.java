package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subscribing to {@link Scheduler#events()}: on the state loop, or through an executor of the user's. */
class EventDeliveryTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(5);

  static final JobConfig JOB = Job.service("www-data/prod/hello").instances(3)
      .task(t -> t.process("server", "./hello").cpus(1).ramMb(128))
      .build();

  private final List<ExecutorService> pools = new ArrayList<>();

  @AfterEach
  void stopPools() {
    pools.forEach(ExecutorService::shutdownNow);
  }

  private ExecutorService pool(int threads) {
    ExecutorService p = Executors.newFixedThreadPool(threads);
    pools.add(p);
    return p;
  }

  @Test
  void aSlowListenerOnAnExecutorDoesNotStallScheduling() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    Recorder slow = new Recorder();
    List<SchedulerEvent> onLoop = new ArrayList<>();
    aurora.scheduler().events().subscribe(e -> {
      blocked.countDown();
      try {
        release.await(); // stuck until the test lets it go
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      slow.accept(e);
    }, pool(1));
    aurora.scheduler().events().subscribe(onLoop::add);

    aurora.scheduler().createJob(JOB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    // the scheduler placed and ran every instance, and answers calls, while the listener is stuck
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(aurora.running(JOB.key())).hasSize(3);
    assertThat(aurora.scheduler().jobs()).extracting(JobConfig::key).containsExactly(JOB.key());
    assertThat(slow.events).isEmpty();

    release.countDown();
    assertThat(slow.await(onLoop.size())).containsExactlyElementsOf(onLoop);
  }

  @Test
  void eventsOnAnExecutorArriveInOrderEvenOnAPoolOfThreads() throws InterruptedException {
    Recorder onPool = new Recorder();
    List<SchedulerEvent> onLoop = new ArrayList<>();
    aurora.scheduler().events().subscribe(onPool, pool(4));
    aurora.scheduler().events().subscribe(onLoop::add);

    aurora.scheduler().createJob(JOB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.scheduler().addInstances(JOB.key(), 2, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    aurora.scheduler().killJob(JOB.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(onLoop).hasSizeGreaterThan(20);
    assertThat(onPool.await(onLoop.size())).containsExactlyElementsOf(onLoop);
  }

  @Test
  void noEventIsDeliveredAfterItsSubscriptionIsClosed() {
    List<Runnable> queued = new ArrayList<>();
    List<SchedulerEvent> seen = new ArrayList<>();
    EventStream.Subscription s = aurora.scheduler().events().subscribe(seen::add, queued::add);

    aurora.scheduler().createJob(JOB, TEST_PRINCIPAL);
    aurora.runUntilIdle();
    assertThat(queued).isNotEmpty(); // events handed to the executor, not yet run
    s.close();
    new ArrayList<>(queued).forEach(Runnable::run);

    assertThat(seen).isEmpty();
  }

  @Test
  void anExecutorThatRefusesWorkCostsNoOtherSubscriberItsEvents() {
    aurora.scheduler().events().subscribe(e -> { }, work -> {
      throw new RejectedExecutionException("shut down");
    });
    List<SchedulerEvent> seen = new ArrayList<>();
    aurora.scheduler().events().subscribe(seen::add);

    aurora.scheduler().createJob(JOB, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    assertThat(seen).hasOnlyElementsOfTypes(SchedulerEvent.JobCreated.class, SchedulerEvent.TaskStateChanged.class)
        .hasSize(1 + 3 * 4); // created; each task INIT -> PENDING -> ASSIGNED -> STARTING -> RUNNING
    assertThat(aurora.running(JOB.key())).hasSize(3);
  }

  @Test
  void subscribingWithoutAListenerOrExecutorIsRefusedAtOnce() {
    EventStream events = aurora.scheduler().events();
    assertThatThrownBy(() -> events.subscribe(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("listener");
    assertThatThrownBy(() -> events.subscribe(null, Runnable::run)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("listener");
    assertThatThrownBy(() -> events.subscribe(e -> { }, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("executor");
  }

  @Test
  void aListenerSubscribedBeforeStartSeesWhatRecoveryAndReconciliationDo() {
    JobConfig hourly = Job.cron("ops/prod/hourly", "0 * * * *").task(t -> t.process("p", "./report").cpus(0.5).ramMb(64))
        .build();
    aurora.cluster().behave(hourly.key(), dev.aurora.testkit.SimulatedCluster.TaskBehavior.finishAfter(Duration.ofMinutes(1)));
    aurora.scheduler().createJob(JOB, TEST_PRINCIPAL);
    aurora.scheduler().createJob(hourly, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(70)); // the service runs; the cron job fired at 01:00
    dev.aurora.api.TaskId gone = aurora.running(JOB.key()).get(0).id();

    aurora.scheduler().close();
    aurora.cluster().killTask(gone);             // while no scheduler listens
    aurora.clock().advance(Duration.ofHours(2)); // the 02:00 and 03:00 firings are missed
    List<SchedulerEvent> seen = new ArrayList<>();
    aurora.restartScheduler(s -> s.events().subscribe(seen::add));
    aurora.advance(Duration.ofSeconds(5));

    // no event replays the past: the recovered jobs and running tasks are read, not announced
    assertThat(seen).noneMatch(e -> e instanceof SchedulerEvent.JobCreated);
    // recovery itself: the missed firing is caught up once
    assertThat(seen).filteredOn(e -> e instanceof SchedulerEvent.CronFired).singleElement()
        .satisfies(e -> assertThat(((SchedulerEvent.CronFired) e).message()).startsWith("catch-up"));
    // reconciliation: the task the cluster no longer runs is LOST, and its replacement runs
    assertThat(seen).filteredOn(e -> e instanceof SchedulerEvent.TaskStateChanged c && c.task().id().equals(gone))
        .singleElement().satisfies(e -> {
          SchedulerEvent.TaskStateChanged c = (SchedulerEvent.TaskStateChanged) e;
          assertThat(c.from()).isEqualTo(ScheduleStatus.RUNNING);
          assertThat(c.task().status()).isEqualTo(ScheduleStatus.LOST);
        });
    assertThat(aurora.running(JOB.key())).hasSize(3);
  }

  /** A listener for another thread: records events and lets the test wait, with a bound, for them. */
  private static final class Recorder implements java.util.function.Consumer<SchedulerEvent> {
    final List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    private final Semaphore received = new Semaphore(0);

    @Override
    public void accept(SchedulerEvent e) {
      events.add(e);
      received.release();
    }

    /** Waits at most 10 seconds for {@code count} events in all. */
    List<SchedulerEvent> await(int count) throws InterruptedException {
      assertThat(received.tryAcquire(count, 10, TimeUnit.SECONDS)).as("%s events within 10 s", count).isTrue();
      return events;
    }
  }
}
