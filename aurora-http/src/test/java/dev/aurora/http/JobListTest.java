package dev.aurora.http;

import static dev.aurora.http.Harness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.Scheduler;
import dev.aurora.api.CronSchedule;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.EventStream;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.http.internal.JobList;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import dev.aurora.testkit.AuroraExtension;

/**
 * {@code GET /api/v1/jobs} kept from the scheduler's events, over real HTTP: what it shows and when,
 * ETags and gzip, and that reading it under task churn does not read the scheduler.
 */
class JobListTest {
  static final JobKey WEB = JobKey.of("www-data", "prod", "web");
  static final JobKey ADS = JobKey.of("ads", "prod", "banner");

  @RegisterExtension AuroraExtension aurora = AuroraExtension.withAgents(4);
  @TempDir Path dir;
  Harness h;

  @AfterEach
  void stop() {
    if (h != null) {
      h.close();
    }
  }

  void start(Duration staleness) {
    h = new Harness(aurora, dir, b -> b.jobListStaleness(staleness));
  }

  static JobConfig job(JobKey key, int instances) {
    return Job.service(key.toString()).instances(instances)
        .task(t -> t.process("server", "./run").cpus(0.5).ramMb(64)).build();
  }

  void create(JobKey key, int instances) {
    HttpResponse<String> r = h.post("ops", "/api/v1/jobs", AuroraJson.toJson(job(key, instances)));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    h.settle();
  }

  static int running(JsonNode list, JobKey key) {
    for (JsonNode j : list) {
      if (j.get("key").asText().equals(key.toString())) {
        return j.get("active").path("RUNNING").asInt(0);
      }
    }
    throw new AssertionError(key + " is not in " + list);
  }

  static List<String> keys(JsonNode list) {
    return java.util.stream.StreamSupport.stream(list.spliterator(), false).map(j -> j.get("key").asText()).toList();
  }

  JsonNode jobs() {
    HttpResponse<String> r = h.get("ops", "/api/v1/jobs");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  @Test
  void aTaskChangeMadeOutsideTheApiShowsInTheJobListOnceTheStalenessHasPassed() {
    start(Duration.ofSeconds(60));
    create(WEB, 3);
    assertThat(running(jobs(), WEB)).isEqualTo(3);

    h.drive(() -> {
      aurora.scheduler().killInstances(WEB, Set.of(0), Harness.principal("ops"));
      aurora.runUntilIdle();
    });
    assertThat(running(jobs(), WEB)).as("within the staleness, the last answer").isEqualTo(3);

    h.drive(() -> aurora.advance(Duration.ofSeconds(60)));
    assertThat(running(jobs(), WEB)).isEqualTo(2);
  }

  @Test
  void withoutStalenessEveryTaskChangeShowsInTheNextRead() {
    start(Duration.ZERO);
    create(WEB, 2);
    assertThat(running(jobs(), WEB)).isEqualTo(2);
    TaskId id = aurora.running(WEB).get(0).id();

    h.drive(() -> {
      aurora.cluster().failTask(id, "exit 1");
      aurora.runUntilIdle();
    });
    JsonNode after = jobs();
    assertThat(running(after, WEB)).isEqualTo(1);
    assertThat(after.get(0).get("active").size()).as("the replacement is counted in its own state")
        .isEqualTo(2);
  }

  @Test
  void aJobKilledOverHttpIsGoneFromTheNextReadWhateverTheStaleness() {
    start(Duration.ofHours(1));
    create(WEB, 1);
    create(ADS, 1);
    assertThat(keys(jobs())).containsExactly(ADS.toString(), WEB.toString());

    assertThat(h.delete("ops", "/api/v1/jobs/" + WEB).statusCode()).isEqualTo(204);

    assertThat(keys(jobs())).containsExactly(ADS.toString());
  }

  @Test
  void aJobKilledThroughTheJavaApiIsGoneFromTheList() {
    start(Duration.ZERO);
    create(WEB, 1);
    create(ADS, 2);
    assertThat(keys(jobs())).containsExactly(ADS.toString(), WEB.toString());

    h.drive(() -> {
      aurora.scheduler().killJob(ADS, Harness.principal("ops"));
      aurora.runUntilIdle();
    });

    assertThat(keys(jobs())).containsExactly(WEB.toString());
    assertThat(keys(json(h.get("ops", "/api/v1/jobs?role=ads")))).isEmpty();
  }

  @Test
  void theEtagChangesWithTheContentAndAnUnchangedListIsNotModified() {
    start(Duration.ZERO);
    create(WEB, 2);
    HttpResponse<String> first = h.get("ops", "/api/v1/jobs");
    String etag = first.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> again = h.send(h.request("ops", "/api/v1/jobs").header("If-None-Match", etag).build());
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.headers().firstValue("ETag")).contains(etag);

    h.drive(() -> {
      aurora.scheduler().killInstances(WEB, Set.of(1), Harness.principal("ops"));
      aurora.runUntilIdle();
    });
    HttpResponse<String> changed = h.send(h.request("ops", "/api/v1/jobs").header("If-None-Match", etag).build());
    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(changed.headers().firstValue("ETag")).isPresent().get().isNotEqualTo(etag);
    assertThat(running(json(changed), WEB)).isEqualTo(1);
  }

  @Test
  void aClientThatAcceptsGzipGetsTheSameListGzipped() throws IOException {
    start(Duration.ZERO);
    create(WEB, 2);
    create(ADS, 1);
    HttpResponse<String> plain = h.get("ops", "/api/v1/jobs");

    HttpResponse<byte[]> gz = h.sendBytes(h.request("ops", "/api/v1/jobs").header("Accept-Encoding", "gzip, deflate").build());

    assertThat(gz.statusCode()).isEqualTo(200);
    assertThat(gz.headers().firstValue("Content-Encoding")).contains("gzip");
    assertThat(gz.headers().firstValue("Vary")).contains("Accept-Encoding");
    assertThat(gz.headers().firstValue("ETag")).isPresent().get()
        .isNotEqualTo(plain.headers().firstValue("ETag").orElseThrow());
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(plain.body());
    }
    HttpResponse<String> refused = h.send(h.request("ops", "/api/v1/jobs").header("Accept-Encoding", "gzip;q=0").build());
    assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(refused.body()).isEqualTo(plain.body());
  }

  @Test
  void readingTheJobListWhileTasksChangeDoesNotWaitForTheScheduler() {
    start(Duration.ZERO);
    create(WEB, 3);
    create(ADS, 3);
    AtomicInteger reads = new AtomicInteger();
    Scheduler counted = (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          if (List.of("jobs", "tasks", "job", "task").contains(method.getName())) {
            reads.incrementAndGet();
          }
          try {
            return method.invoke(h.scheduler, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (OperatorServer server = OperatorServer.builder().scheduler(counted).port(0).clock(aurora.clock())
        .jobListStaleness(Duration.ZERO).start()) {
      assertThat(running(json(Harness.sendTo(server, "api/v1/jobs")), WEB)).isEqualTo(3);
      reads.set(0);
      for (int i = 0; i < 5; i++) {
        List<dev.aurora.core.ScheduledTask> up = new java.util.ArrayList<>(aurora.running(WEB));
        up.addAll(aurora.running(ADS));
        TaskId id = up.get(i % up.size()).id();
        h.drive(() -> {
          aurora.cluster().failTask(id, "churn");
          aurora.runUntilIdle();
        });
        JsonNode list = json(Harness.sendTo(server, "api/v1/jobs"));
        assertThat(running(list, WEB)).isEqualTo(aurora.running(WEB).size());
        assertThat(running(list, ADS)).isEqualTo(aurora.running(ADS).size());
        h.settle();   // the replacement runs; 10 s pass (the list is re-read whole once a minute)
      }
      JsonNode list = json(Harness.sendTo(server, "api/v1/jobs"));
      assertThat(running(list, WEB)).isEqualTo(aurora.running(WEB).size());
      assertThat(running(list, ADS)).isEqualTo(aurora.running(ADS).size());
      assertThat(reads.get()).as("scheduler reads while only tasks changed").isZero();
    }
  }

  /**
   * {@code h.scheduler} with its calls that read jobs or tasks counted in {@code offLoop} unless made
   * by a listener while it is given an event (on the scheduler's loop, where such a call runs inline
   * and nothing waits for a hand-off).
   */
  Scheduler countingCallsOffTheLoop(AtomicInteger offLoop) {
    ThreadLocal<Boolean> inListener = ThreadLocal.withInitial(() -> false);
    EventStream real = h.scheduler.events();
    EventStream events = new EventStream() {
      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener) {
        return real.subscribe(e -> {
          inListener.set(true);
          try {
            listener.accept(e);
          } finally {
            inListener.set(false);
          }
        });
      }

      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor) {
        return real.subscribe(listener, executor);
      }
    };
    return (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          if (method.getName().equals("events")) {
            return events;
          }
          if (List.of("jobs", "tasks", "job", "task").contains(method.getName()) && !inListener.get()) {
            offLoop.incrementAndGet();
          }
          try {
            return method.invoke(h.scheduler, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void rebuildingTheJobListAfterJobsAreCreatedChangedAndKilledMakesNoCallOnTheStateLoop() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    AtomicInteger calls = new AtomicInteger();
    try (JobList list = new JobList(countingCallsOffTheLoop(calls), Duration.ZERO, System::nanoTime)) {
      list.read(Optional.empty());   // the first read seeds the list from the scheduler
      calls.set(0);

      // many jobs created at once (more than the rebuild would once read one by one), then a few changes
      List<JobConfig> batch = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        batch.add(job(JobKey.of("batch", "prod", "job" + i), 1 + i % 3));
      }
      h.drive(() -> {
        aurora.scheduler().createJobs(batch, Harness.principal("ops"));
        aurora.runUntilIdle();
      });
      assertThat(normalized(list.read(Optional.empty()).json())).as("after 12 jobs are created")
          .isEqualTo(freshList());

      h.drive(() -> {
        aurora.scheduler().addInstances(WEB, 2, Harness.principal("ops"));
        aurora.scheduler().killInstances(JobKey.of("batch", "prod", "job2"), Set.of(0, 1), Harness.principal("ops"));
        aurora.scheduler().killJob(JobKey.of("batch", "prod", "job0"), Harness.principal("ops"));
        aurora.scheduler().createJob(Job.cron("ads/prod/report", "0 * * * *")
            .task(t -> t.process("report", "./report").cpus(0.5).ramMb(64)).build(), Harness.principal("ops"));
        aurora.runUntilIdle();
      });
      JsonNode after = Harness.JSON.readTree(list.read(Optional.empty()).json());
      assertThat(Harness.JSON.writeValueAsBytes(after)).as("after a config change, instances killed, a job killed and a cron job created")
          .isEqualTo(freshList());
      assertThat(keys(after)).contains("ads/prod/report").doesNotContain("batch/prod/job0");

      assertThat(calls.get()).as("calls reading jobs or tasks that waited for the state loop while rebuilding").isZero();
    }
  }

  @Test
  void aJobChangedWhileTheSchedulerDoesNotLeadIsNotLookedUpOnTheLoopAndIsReadOnceItLeads() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    AtomicReference<Consumer<? super SchedulerEvent>> loop = new AtomicReference<>();
    AtomicBoolean leading = new AtomicBoolean(true);
    AtomicInteger lookups = new AtomicInteger();
    Scheduler seen = manualEvents(h.scheduler, loop, k -> {
      lookups.incrementAndGet();
      return Optional.empty();
    });
    Scheduler electedOrNot = (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          if (method.getName().equals("isLeader")) {
            return leading.get();
          }
          try {
            return method.invoke(seen, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (JobList list = new JobList(electedOrNot, Duration.ZERO, System::nanoTime)) {
      list.read(Optional.empty());
      lookups.set(0);

      leading.set(false);
      loop.get().accept(new SchedulerEvent.JobChanged(java.time.Instant.now(), WEB, Harness.principal("ops"), "test"));
      assertThat(lookups.get()).as("config lookups on the loop while the scheduler does not lead").isZero();

      leading.set(true);
      assertThat(running(Harness.JSON.readTree(list.read(Optional.empty()).json()), WEB))
          .as("the job, its config read by the next build").isEqualTo(2);
      assertThat(lookups.get()).as("the build read the config").isEqualTo(1);
    }
  }

  /** The job list as a list seeded from the scheduler now shows it. */
  byte[] freshList() throws IOException {
    try (JobList fresh = new JobList(h.scheduler, Duration.ZERO, System::nanoTime)) {
      return normalized(fresh.read(Optional.empty()).json());
    }
  }

  static byte[] normalized(byte[] json) throws IOException {
    return Harness.JSON.writeValueAsBytes(Harness.JSON.readTree(json));
  }

  /** A config that reads like {@code real} but stalls the first reader of its instance count. */
  static JobConfig stalling(JobConfig real, CountDownLatch stalled, CountDownLatch resume) {
    AtomicBoolean once = new AtomicBoolean(true);
    return new JobConfig() {
      @Override
      public JobKey key() {
        return real.key();
      }

      @Override
      public TaskConfig task() {
        return real.task();
      }

      @Override
      public Optional<CronSchedule> cron() {
        return real.cron();
      }

      @Override
      public int instances() {
        if (once.getAndSet(false)) {
          stalled.countDown();
          try {
            resume.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return real.instances();
      }
    };
  }

  @Test
  void theLoopHandsOnATaskEventWhileAReaderIsStalledBuildingTheList() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    ScheduledTask late = aurora.running(WEB).get(0);
    AtomicReference<Consumer<? super SchedulerEvent>> loopListener = new AtomicReference<>();
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    // the scheduler as the list reads it: its events delivered by this test (as its loop would), and
    // a reader stalled (as a descheduled thread would be) while it takes in the jobs it read, which
    // it read before `late` started
    EventStream events = new EventStream() {
      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener) {
        loopListener.set(listener);
        return () -> {};
      }

      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor) {
        throw new UnsupportedOperationException();
      }
    };
    Scheduler seen = (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          try {
            return switch (method.getName()) {
              case "events" -> events;
              case "jobs" -> h.scheduler.jobs().stream()
                  .map(j -> j.key().equals(WEB) ? stalling(j, stalled, resume) : j).toList();
              case "tasks" -> h.scheduler.tasks((TaskQuery) args[0]).stream()
                  .filter(t -> !t.id().equals(late.id())).toList();
              default -> method.invoke(h.scheduler, args);
            };
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (JobList list = new JobList(seen, Duration.ZERO, System::nanoTime)) {
      CompletableFuture<JobList.Body> read = CompletableFuture.supplyAsync(() -> list.read(Optional.empty()));
      try {
        assertThat(stalled.await(30, TimeUnit.SECONDS)).as("the reader is building").isTrue();

        CompletableFuture<Void> onTheLoop = CompletableFuture.runAsync(() -> loopListener.get()
            .accept(new SchedulerEvent.TaskStateChanged(aurora.clock().instant(), late, ScheduleStatus.STARTING)));

        assertThat(onTheLoop).as("the loop's listener returns while the reader is stalled")
            .succeedsWithin(Duration.ofSeconds(20));
      } finally {
        resume.countDown();
      }
      JsonNode answer = Harness.JSON.readTree(read.get(30, TimeUnit.SECONDS).json());
      assertThat(running(answer, WEB)).as("the event, newer than what the reader read, is in the answer")
          .isEqualTo(2);
    }
  }

  /**
   * {@code scheduler} with its events delivered by the test into {@code loop} (as its loop would),
   * and {@code job(key)} answered by {@code job} when it gives a config.
   */
  static Scheduler manualEvents(Scheduler scheduler, AtomicReference<Consumer<? super SchedulerEvent>> loop,
      java.util.function.Function<JobKey, Optional<JobConfig>> job) {
    EventStream events = new EventStream() {
      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener) {
        loop.set(listener);
        return () -> {};
      }

      @Override
      public Subscription subscribe(Consumer<? super SchedulerEvent> listener, Executor executor) {
        throw new UnsupportedOperationException();
      }
    };
    return (Scheduler) Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          try {
            if (method.getName().equals("events")) {
              return events;
            }
            if (method.getName().equals("job")) {
              Optional<JobConfig> given = job.apply((JobKey) args[0]);
              if (given.isPresent()) {
                return given;
              }
            }
            return method.invoke(scheduler, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** A fresh snapshot of {@code t} in {@code status} (nothing else holds it). */
  static ScheduledTask snapshot(ScheduledTask t, ScheduleStatus status) {
    return ScheduledTask.restore(t.id(), t.job(), t.instance(), t.config(), status, null, null, null, t.events(),
        t.failureCount(), t.flapCount(), null);
  }

  /** Hands the loop's listener a task's change to {@code status}; returns the event's task snapshot, weakly. */
  static java.lang.ref.WeakReference<ScheduledTask> handOver(Consumer<? super SchedulerEvent> loop, ScheduledTask t,
      ScheduleStatus status) {
    ScheduledTask changed = snapshot(t, status);
    loop.accept(new SchedulerEvent.TaskStateChanged(java.time.Instant.now(), changed, t.status()));
    return new java.lang.ref.WeakReference<>(changed);
  }

  static boolean collected(java.lang.ref.WeakReference<?> ref) {
    for (int i = 0; i < 50 && ref.get() != null; i++) {
      System.gc();
    }
    return ref.get() == null;
  }

  @Test
  void aTaskChangeWaitingForTheNextReadDoesNotKeepTheTaskSnapshotItCameWith() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    ScheduledTask task = aurora.running(WEB).get(0);
    AtomicReference<Consumer<? super SchedulerEvent>> loop = new AtomicReference<>();
    try (JobList list = new JobList(manualEvents(h.scheduler, loop, k -> Optional.empty()), Duration.ZERO,
        System::nanoTime)) {
      assertThat(running(Harness.JSON.readTree(list.read(Optional.empty()).json()), WEB)).isEqualTo(2);

      java.lang.ref.WeakReference<ScheduledTask> snapshot = handOver(loop.get(), task, ScheduleStatus.KILLED);

      assertThat(collected(snapshot))
          .as("the event's task snapshot, held by nothing but the list's inbox until the next read, is collected")
          .isTrue();
      assertThat(running(Harness.JSON.readTree(list.read(Optional.empty()).json()), WEB))
          .as("and the change is in the next read all the same").isEqualTo(1);
    }
  }

  @Test
  void aReadPastHalfTheStalenessBuildsTheNextAnswerWhileOtherReadersGetTheLastAtOnce() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    ScheduledTask task = aurora.running(WEB).get(0);
    JobConfig real = h.scheduler.job(WEB).orElseThrow();
    AtomicReference<Consumer<? super SchedulerEvent>> loop = new AtomicReference<>();
    AtomicBoolean stall = new AtomicBoolean();
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    Scheduler seen = manualEvents(h.scheduler, loop,
        k -> k.equals(WEB) && stall.get() ? Optional.of(stalling(real, stalled, resume)) : Optional.empty());
    try (JobList list = new JobList(seen, Duration.ofSeconds(1), now::get)) {
      JobList.Body first = list.read(Optional.empty());
      assertThat(running(Harness.JSON.readTree(first.json()), WEB)).isEqualTo(2);

      // an instance ends and the job's config changes (the listener takes the config, whose instance
      // count the next build reads: the build stalls there)
      handOver(loop.get(), task, ScheduleStatus.KILLED);
      stall.set(true);
      loop.get().accept(new SchedulerEvent.JobChanged(java.time.Instant.now(), WEB, Harness.principal("ops"), "test"));
      now.set(Duration.ofMillis(600).toNanos());
      CompletableFuture<JobList.Body> building = CompletableFuture.supplyAsync(() -> list.read(Optional.empty()));
      try {
        assertThat(stalled.await(10, TimeUnit.SECONDS))
            .as("a read past half the staleness, with changes waiting, builds the next answer").isTrue();

        now.set(Duration.ofMillis(700).toNanos());
        CompletableFuture<JobList.Body> other = CompletableFuture.supplyAsync(() -> list.read(Optional.empty()));
        assertThat(other).as("another reader meanwhile gets the last answer (within the staleness) at once")
            .succeedsWithin(Duration.ofSeconds(20)).isSameAs(first);
      } finally {
        resume.countDown();
      }
      assertThat(running(Harness.JSON.readTree(building.get(30, TimeUnit.SECONDS).json()), WEB))
          .as("the answer built ahead has the change").isEqualTo(1);
    }
  }

  @Test
  void aReadThatFailsToBuildAheadGetsTheLastAnswerWhileItIsWithinTheStaleness() throws Exception {
    start(Duration.ZERO);
    create(WEB, 2);
    AtomicReference<Consumer<? super SchedulerEvent>> loop = new AtomicReference<>();
    AtomicBoolean failing = new AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    Scheduler seen = manualEvents(h.scheduler, loop, k -> {
      if (failing.get()) {
        throw new IllegalStateException("the scheduler is unavailable");
      }
      return Optional.empty();
    });
    try (JobList list = new JobList(seen, Duration.ofSeconds(1), now::get)) {
      JobList.Body first = list.read(Optional.empty());
      // the job changes while the scheduler cannot be read: neither the listener nor the build ahead gets its config
      failing.set(true);
      loop.get().accept(new SchedulerEvent.JobChanged(java.time.Instant.now(), WEB, Harness.principal("ops"), "test"));
      now.set(Duration.ofMillis(600).toNanos());

      assertThat(list.read(Optional.empty())).as("the last answer, still within the staleness").isSameAs(first);
    }
  }
}
