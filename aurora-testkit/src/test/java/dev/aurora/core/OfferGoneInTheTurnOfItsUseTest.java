package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * A placement pass and the end of an offer (its hold running out, or the backend rescinding it) can
 * fall in the same turn of the state loop, the pass first: the launches of that turn must still name
 * the offers they use. Seen once in a loaded 10,000-agent Mesos run as 40 tasks launched with no offer
 * at all, reported LOST and placed again.
 */
class OfferGoneInTheTurnOfItsUseTest {

  /**
   * A loop run by the test that orders queued work and timers by when they are due, as the
   * production loop's scheduled executor does: a timer that came due while the loop was busy runs
   * before work queued after that ({@link ManualStateLoop} runs all queued work first).
   */
  static final class DueOrderLoop implements StateLoop {
    private record Entry(long due, long seq, Runnable work) {}

    private final FakeClock clock;
    private final PriorityQueue<Entry> due = new PriorityQueue<>(
        (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long seq;

    DueOrderLoop(FakeClock clock) {
      this.clock = clock;
    }

    @Override
    public Clock clock() {
      return clock;
    }

    @Override
    public void execute(Runnable work) {
      due.add(new Entry(clock.millis(), seq++, work));
    }

    @Override
    public Timer schedule(Duration delay, Runnable work) {
      Entry e = new Entry(clock.millis() + delay.toMillis(), seq++, work);
      due.add(e);
      return () -> due.remove(e);
    }

    @Override
    public boolean inLoop() {
      return true;
    }

    @Override
    public void start() {}

    @Override
    public void stop() {
      due.clear();
    }

    @Override
    public int queueDepth() {
      return due.size();
    }

    /** Runs everything due by now, in due order. */
    void runDue() {
      while (!due.isEmpty() && due.peek().due <= clock.millis()) {
        due.poll().work.run();
      }
    }
  }

  private static Offer offer(String id, String agent, double cpus) {
    return Offer.builder().id(id).agentId(agent).hostname(agent + ".example.com").cpus(cpus).ramMb(4096)
        .diskMb(4096).build();
  }

  /** A started scheduler on {@code loop} whose backend offered o1 and o2, 2 cpus each, of agent-1. */
  private static Scheduler startedWithTwoOffersOnOneAgent(ManualStateLoop loop, RecordingBackend backend) {
    Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(loop.clock()).build();
    scheduler.start();
    loop.runUntilIdle();
    backend.listener.offers(List.of(offer("o1", "agent-1", 2), offer("o2", "agent-1", 2)));
    loop.runUntilIdle();
    return scheduler;
  }

  private static List<TaskId> taskIds(Scheduler scheduler, JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key())).stream().map(ScheduledTask::id).toList();
  }

  private static JobConfig job(int instances, double cpus) {
    return Job.service("a/prod/web").instances(instances).task(t -> t.process("p", "./run").cpus(cpus).ramMb(64))
        .build();
  }

  @Test
  void anOfferWhoseHoldEndsInTheTurnThatUsesItIsLaunchedNotDeclined() {
    FakeClock clock = FakeClock.startingAtEpoch2026();
    DueOrderLoop loop = new DueOrderLoop(clock);
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = Scheduler.builder().backend(backend).storage(Storage.inMemory()).loop(loop)
        .clock(clock).offerHold(Duration.ofSeconds(30)).build()) {
      scheduler.start();
      loop.runDue();
      backend.listener.offers(List.of(offer("o1", "agent-1", 4)));
      loop.runDue();

      // the loop was busy past the offer's hold; the job's pass is queued after the hold came due
      clock.advance(Duration.ofSeconds(31));
      scheduler.createJob(job(2, 1), TEST_PRINCIPAL);
      loop.runDue();

      List<TaskId> tasks = taskIds(scheduler, job(2, 1));
      assertThat(backend.launches).containsExactly(new RecordingBackend.Launch(List.of("o1"), tasks));
      assertThat(backend.declined).as("an offer a launch uses is not declined").isEmpty();
    }
  }

  @Test
  void tasksPlacedOnAnAgentWhoseOtherOfferIsRescindedInTheSameTurnLaunchOnTheOfferLeft() {
    ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = startedWithTwoOffersOnOneAgent(loop, backend)) {

      scheduler.createJob(job(1, 1), TEST_PRINCIPAL); // queues a pass
      backend.listener.offerRescinded("o2"); // comes in while the pass runs: same turn, after it
      loop.runUntilIdle();

      List<TaskId> tasks = taskIds(scheduler, job(1, 1));
      assertThat(backend.launches).containsExactly(new RecordingBackend.Launch(List.of("o1"), tasks));
    }
  }

  @Test
  void resourcesAPassTookAreNotPlacedAgainWhenAnotherOfferOfTheAgentIsRescindedInThatTurn() {
    ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = startedWithTwoOffersOnOneAgent(loop, backend)) {

      // one turn: a pass puts 4 of 5 one-cpu instances on o1 + o2; o2 is rescinded; an offer too small
      // for anything comes from agent-2 and asks for a second pass. o1 (2 cpus) has nothing left
      // for the fifth instance.
      JobConfig web = job(5, 1);
      scheduler.createJob(web, TEST_PRINCIPAL);
      backend.listener.offerRescinded("o2");
      backend.listener.offers(List.of(offer("o3", "agent-2", 0.5)));
      loop.runUntilIdle();

      assertThat(backend.launches).hasSize(1);
      assertThat(backend.launches.get(0).offerIds()).containsExactly("o1");
      assertThat(backend.launches.get(0).tasks()).hasSize(4);
      assertThat(scheduler.tasks(TaskQuery.job(web.key())).stream().filter(t -> t.status() == ScheduleStatus.PENDING))
          .hasSize(1);
    }
  }

  @Test
  void tasksPlacedOnAnAgentLostInTheSameTurnAreNotLaunchedThereAndArePlacedElsewhere() {
    ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
    RecordingBackend backend = new RecordingBackend();
    try (Scheduler scheduler = startedWithTwoOffersOnOneAgent(loop, backend)) {

      // one turn: a pass puts both instances on agent-1, then the backend says agent-1 is gone
      JobConfig web = job(2, 1);
      scheduler.createJob(web, TEST_PRINCIPAL);
      backend.listener.agentLost("agent-1");
      loop.runUntilIdle();

      assertThat(backend.launches).as("nothing is launched on an agent the backend said is gone").isEmpty();
      List<ScheduledTask> tasks = scheduler.tasks(TaskQuery.job(web.key()));
      assertThat(tasks.stream().filter(t -> t.status() == ScheduleStatus.LOST)).hasSize(2);
      List<TaskId> replacements = tasks.stream().filter(t -> t.status() == ScheduleStatus.PENDING)
          .map(ScheduledTask::id).toList();
      assertThat(replacements).hasSize(2);

      backend.listener.offers(List.of(offer("o3", "agent-2", 4)));
      loop.runUntilIdle();

      assertThat(backend.launches).hasSize(1);
      assertThat(backend.launches.get(0).offerIds()).containsExactly("o3");
      assertThat(backend.launches.get(0).tasks()).containsExactlyInAnyOrderElementsOf(replacements);
    }
  }
}
