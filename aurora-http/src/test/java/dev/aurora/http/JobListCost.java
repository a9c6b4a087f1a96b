package dev.aurora.http;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.TaskQuery;
import dev.aurora.http.internal.JobList;
import dev.aurora.http.internal.Json;
import dev.aurora.testkit.SimulatedCluster;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Not a test: the CPU cost of the job list, in CPU time of the threads that pay it (so it means
 * something on a busy machine, unlike requests per second). A scheduler on a simulated cluster of 500
 * agents on a real state loop with N service jobs of 3 instances; then, with the reader's and the
 * loop's thread CPU time measured:
 * <ul>
 *   <li>a read of an unchanged list (the kept bytes);
 *   <li>a task fails, then a read (the changed job re-encoded, the list joined again), and its gzip;
 *   <li>the same with the list built as before this class: every active task and every job read on
 *       the loop, the whole list encoded;
 *   <li>a whole unchanged {@code GET /api/v1/jobs} through {@link OperatorHandler} (routing,
 *       authentication, headers, the request timer; the body written to a stream that drops it),
 *       without an HTTP server: what the handler adds to the server's and the kernel's own work;
 *   <li>the loop's share: the list's event listener called as the loop calls it, alone and while a
 *       reader builds the list all the while (CPU and wall time per event).
 * </ul>
 *
 * <pre>java -cp ... dev.aurora.http.JobListCost [jobs=1000] [rounds=2000]</pre>
 */
public final class JobListCost {
  private JobListCost() {}

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    Clock clock = Clock.systemUTC();
    StateLoop loop = StateLoop.singleThread(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(500).resources(16, 65_536, 1_000_000, 0)
        .delays(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    Scheduler scheduler = Scheduler.builder().backend(cluster).loop(loop).clock(clock)
        .flapping(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1)).build();
    scheduler.start();
    Principal user = Principal.of("load");
    for (int i = 0; i < jobs; i++) {
      scheduler.createJob(Job.service("role" + (i % 50) + "/prod/job" + i).instances(3)
          .task(t -> t.process("p", "./run").cpus(0.1).ramMb(64)).build(), user);
    }
    while (scheduler.tasks(TaskQuery.all().states(dev.aurora.core.ScheduleStatus.RUNNING)).size() < jobs * 3) {
      Thread.sleep(100);
    }
    Thread loopThread = CompletableFuture.supplyAsync(Thread::currentThread, loop::execute).join();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    JobList list = new JobList(scheduler, Duration.ZERO, System::nanoTime);
    Random random = new Random(1);
    int size = list.read(Optional.empty()).json().length;
    System.out.printf("job list: %d jobs, %d bytes, %d gzipped%n", jobs, size, list.read(Optional.empty()).gzip().length);

    OperatorHandler handler = OperatorHandler.builder().scheduler(scheduler).build();
    for (int pass = 0; pass < 3; pass++) {   // the first passes warm the JIT; the last is reported
      // 1. unchanged
      long c0 = mx.getCurrentThreadCpuTime();
      long sum = 0;
      for (int i = 0; i < rounds * 50; i++) {
        sum += list.read(Optional.empty()).json().length;
      }
      double unchanged = (mx.getCurrentThreadCpuTime() - c0) / 1e3 / (rounds * 50);

      // 2. one task fails before each read: incremental
      long reader = 0;
      long loopCpu = 0;
      long gz = 0;
      for (int i = 0; i < rounds; i++) {
        failOne(cluster, loop, random);
        long l0 = mx.getThreadCpuTime(loopThread.getId());
        long r0 = mx.getCurrentThreadCpuTime();
        JobList.Body b = list.read(Optional.empty());
        long r1 = mx.getCurrentThreadCpuTime();
        b.gzip();
        gz += mx.getCurrentThreadCpuTime() - r1;
        reader += r1 - r0;
        loopCpu += mx.getThreadCpuTime(loopThread.getId()) - l0;
        sum += b.json().length;
      }
      // 3. the same, built the old way (a walk of every job and task on the loop, all encoded)
      long oldReader = 0;
      long oldLoop = 0;
      int oldRounds = Math.max(1, rounds / 10);
      for (int i = 0; i < oldRounds; i++) {
        failOne(cluster, loop, random);
        long l0 = mx.getThreadCpuTime(loopThread.getId());
        long r0 = mx.getCurrentThreadCpuTime();
        sum += rebuildAsBefore(scheduler).length;
        oldReader += mx.getCurrentThreadCpuTime() - r0;
        oldLoop += mx.getThreadCpuTime(loopThread.getId()) - l0;
      }
      // 4. a whole GET through the handler, no HTTP server (the list unchanged)
      handler.handle(new ReadExchange());
      long h0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < rounds * 10; i++) {
        handler.handle(new ReadExchange());
      }
      double handled = (mx.getCurrentThreadCpuTime() - h0) / 1e3 / (rounds * 10);
      System.out.printf("pass %d: unchanged read %.2f us; after a task change: read %.1f us (loop %.1f us), gzip %.1f us;"
          + " built as before: read %.1f us + loop %.1f us; a GET through the handler %.2f us  [%d]%n", pass, unchanged,
          reader / 1e3 / rounds, loopCpu / 1e3 / rounds, gz / 1e3 / rounds, oldReader / 1e3 / oldRounds,
          oldLoop / 1e3 / oldRounds, handled, sum % 7);
    }
    listenerCost(scheduler, mx);
    list.close();
    handler.close();
    scheduler.close();
    System.exit(0);
  }

  /**
   * 5. The loop's share: the job list's event listener, called on this thread as the loop calls it,
   * with the scheduler's running tasks as RUNNING events; CPU and wall time per event, alone and while
   * a reader builds the list all the while (staleness 0, so every read builds). Wall time above CPU
   * time is time the listener waited (for a lock a reader held, or for a core).
   */
  private static void listenerCost(Scheduler real, ThreadMXBean mx) throws Exception {
    java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<? super dev.aurora.core.SchedulerEvent>> listener =
        new java.util.concurrent.atomic.AtomicReference<>();
    dev.aurora.core.EventStream events = new dev.aurora.core.EventStream() {
      @Override
      public Subscription subscribe(java.util.function.Consumer<? super dev.aurora.core.SchedulerEvent> l) {
        listener.set(l);
        return () -> {};
      }

      @Override
      public Subscription subscribe(java.util.function.Consumer<? super dev.aurora.core.SchedulerEvent> l,
          java.util.concurrent.Executor executor) {
        throw new UnsupportedOperationException();
      }
    };
    Scheduler seen = (Scheduler) java.lang.reflect.Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          if (method.getName().equals("events")) {
            return events;
          }
          try {
            return method.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    List<ScheduledTask> running = real.tasks(TaskQuery.all().states(dev.aurora.core.ScheduleStatus.RUNNING));
    List<dev.aurora.core.SchedulerEvent> sample = new ArrayList<>();
    java.time.Instant now = java.time.Instant.now();
    for (ScheduledTask t : running) {
      sample.add(new dev.aurora.core.SchedulerEvent.TaskStateChanged(now, t, dev.aurora.core.ScheduleStatus.STARTING));
    }
    int perRound = 100_000;   // under the new inbox's limit: a read between rounds takes them
    try (JobList list = new JobList(seen, Duration.ZERO, System::nanoTime)) {
      list.read(Optional.empty());
      for (int pass = 0; pass < 3; pass++) {
        for (boolean reading : new boolean[] {false, true}) {
          java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
          java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
          Thread reader = new Thread(() -> {
            while (!stop.get()) {
              list.read(Optional.empty());
              reads.incrementAndGet();
            }
          }, "job-list-reader");
          if (reading) {
            reader.start();
          }
          long cpu = 0;
          long wall = 0;
          int rounds = 10;
          for (int r = 0; r < rounds; r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            java.util.function.Consumer<? super dev.aurora.core.SchedulerEvent> l = listener.get();
            for (int i = 0; i < perRound; i++) {
              l.accept(sample.get(i % sample.size()));
            }
            wall += System.nanoTime() - w0;
            cpu += mx.getCurrentThreadCpuTime() - c0;
            if (!reading) {
              list.read(Optional.empty());
            }
          }
          stop.set(true);
          if (reading) {
            reader.join();
          }
          System.out.printf("pass %d: the loop's listener, %s: %.0f ns CPU, %.0f ns wall per event%s%n", pass,
              reading ? "a reader building all the while" : "no reader meanwhile", cpu / (double) (rounds * perRound),
              wall / (double) (rounds * perRound), reading ? " (" + reads.get() + " reads)" : "");
        }
      }
    }
  }

  /** {@code GET /api/v1/jobs} as a server would hand it over; the answer goes nowhere. */
  private static final class ReadExchange implements dev.aurora.http.internal.Exchange {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String rawPath() {
      return "/api/v1/jobs";
    }

    @Override
    public String rawQuery() {
      return null;
    }

    @Override
    public Optional<String> header(String name) {
      return Optional.empty();
    }

    @Override
    public String remoteAddress() {
      return "127.0.0.1";
    }

    @Override
    public java.io.InputStream body() {
      return java.io.InputStream.nullInputStream();
    }

    @Override
    public void responseHeader(String name, String value) {}

    @Override
    public java.io.OutputStream send(int status, long length) {
      return java.io.OutputStream.nullOutputStream();
    }
  }

  private static void failOne(SimulatedCluster cluster, StateLoop loop, Random random) {
    CompletableFuture.runAsync(() -> {
      List<TaskId> running = new ArrayList<>(cluster.runningTasks());
      cluster.failTask(running.get(random.nextInt(running.size())), "churn");
    }, loop::execute).join();
  }

  /** What GET /api/v1/jobs did per read before JobList. */
  private static byte[] rebuildAsBefore(Scheduler scheduler) {
    Map<JobKey, Map<String, Integer>> counts = new HashMap<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().active())) {
      counts.computeIfAbsent(t.job(), k -> new TreeMap<>()).merge(t.status().name(), 1, Integer::sum);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (JobConfig job : scheduler.jobs()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", job.key().toString());
      m.put("type", job.isCron() ? "cron" : job.isService() ? "service" : "adhoc");
      m.put("instances", job.instances());
      m.put("active", new TreeMap<>(counts.getOrDefault(job.key(), Map.of())));
      out.add(m);
    }
    return Json.write(out);
  }
}
