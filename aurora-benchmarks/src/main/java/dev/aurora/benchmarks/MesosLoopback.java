package dev.aurora.benchmarks;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskEvent;
import dev.aurora.core.TaskQuery;
import dev.aurora.mesos.Capability;
import dev.aurora.mesos.FrameworkIdStore;
import dev.aurora.mesos.MesosBackend;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The Mesos backend end to end over HTTP on loopback: a scheduler with the v1 backend against the
 * testkit's FakeMesosMaster with many agents, asked to run many tasks. Reports the time from
 * SUBSCRIBED to every task RUNNING (as the master sees it and as the scheduler stored it) and the
 * tasks launched per second. Not a JMH benchmark: one run, end to end, as a user would see it.
 *
 * <pre>
 * mvn -o -B -q -pl aurora-benchmarks -am package -DskipTests
 * java -Xms8g -Xmx8g -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
 *     -cp aurora-benchmarks/target/benchmarks.jar dev.aurora.benchmarks.MesosLoopback --agents=10000 --tasks=100000
 * </pre>
 *
 * <p>Tasks are spread over {@code --jobs} services (default 100) of 0.1 cpu and 64 MiB each; each agent
 * has 16 cpus and 64 GiB, so every task fits. {@code --create=each} (the default) creates them with one
 * {@code createJob} per job, {@code --create=batch} with one {@code createJobs} of all of them.
 * {@code --rounds=N} runs it N times in one JVM, each with a new master and scheduler: the first
 * round runs cold code (interpreted, then compiled while it runs), the later ones code the JIT compiled
 * in the rounds before, as in a scheduler that has been up for a while.
 */
public final class MesosLoopback {
  private static final boolean TRACE = Boolean.getBoolean("trace");
  /** Prints a line every 100 ms until every update is acknowledged (see {@link Timeline}). */
  private static final boolean TIMELINE = Boolean.getBoolean("timeline");

  private MesosLoopback() {}

  public static void main(String[] args) throws Exception {
    int agents = arg(args, "agents", 10_000);
    int tasks = arg(args, "tasks", 100_000);
    int jobs = arg(args, "jobs", 100);
    String create = List.of(args).stream().filter(a -> a.startsWith("--create=")).map(a -> a.substring(9))
        .findFirst().orElse("each");
    if (!create.equals("each") && !create.equals("batch")) {
      throw new IllegalArgumentException("--create: each or batch, was " + create);
    }
    int rounds = arg(args, "rounds", 1);
    for (int round = 1; round <= rounds; round++) {
      if (rounds > 1) {
        System.out.printf(Locale.ROOT, "--- round %d of %d (%s)%n", round, rounds,
            round == 1 ? "a fresh JVM: cold code" : "the same JVM: code compiled in the rounds before");
      }
      round(agents, tasks, jobs, create);
    }
  }

  /** One run: a new fake master and a new scheduler, every task launched and acknowledged. */
  private static void round(int agents, int tasks, int jobs, String create) throws Exception {
    FakeMesosMaster master = FakeMesosMaster.builder().agents(agents).resources(16, 65_536, 1_000_000)
        .ports(31000, 31999).recordCalls(false).heartbeatInterval(Duration.ofSeconds(15))
        .allocationInterval(Duration.ofMillis(200)).startDelay(Duration.ZERO).updateRetry(Duration.ofSeconds(10))
        .build();
    MesosBackend backend = MesosBackend.builder().masters(master::uris).frameworkIds(FrameworkIdStore.inMemory())
        .capabilities(Set.of(Capability.MULTI_ROLE, Capability.PARTITION_AWARE)).leftoverRefusal(Duration.ZERO)
        .maxCallsInFlight(64).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Timeline timeline = TIMELINE ? new Timeline(master, registry) : null;
    try (Scheduler scheduler = Scheduler.builder().loop(StateLoop.singleThread(Clock.systemUTC())).backend(backend)
        .storage(Storage.inMemory()).offerHold(Duration.ofSeconds(30)).meterRegistry(registry).build()) {
      if (timeline != null) {
        timeline.start();
      }
      scheduler.start();
      long t0 = System.nanoTime();
      while (!backend.subscribed()) {
        Thread.onSpinWait();
        if (System.nanoTime() - t0 > 60e9) {
          throw new IllegalStateException("not subscribed within a minute");
        }
      }
      long subscribed = System.nanoTime();
      Allocation allocation = new Allocation();
      allocation.start();
      long[] atSubscribed = allocation.mark();
      // the scheduler stamps each task event with its loop's clock (the system clock here): the last
      // RUNNING event's time is when the scheduler took the last RUNNING, however late the harness looks
      long subscribedMillis = System.currentTimeMillis();
      // the launches start while the jobs are still being created: a watcher samples the master's count
      long[] launchTimes = new long[3]; // first launch, last launch, every update acknowledged
      long[][] atAllLaunched = new long[1][];
      long[][] gcAt = new long[2][]; // collections and their milliseconds at the first launch and at the last
      Thread watcher = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          int launched = master.launchedCount();
          long now = System.nanoTime();
          if (launched > 0 && launchTimes[0] == 0) {
            launchTimes[0] = now;
            gcAt[0] = collections();
          }
          if (launched >= tasks && launchTimes[1] == 0) {
            launchTimes[1] = now;
            gcAt[1] = collections();
            atAllLaunched[0] = allocation.mark();
          }
          // every task RUNNING at the master and no update unacknowledged: the master sends a task's
          // RUNNING only when its STARTING is acknowledged, under the same lock, so this is the end
          if (launchTimes[1] != 0 && master.runningCount() >= tasks && master.unacknowledged() == 0) {
            launchTimes[2] = System.nanoTime();
            return;
          }
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "launch-watcher");
      watcher.setDaemon(true);
      watcher.start();
      int perJob = tasks / jobs;
      List<JobConfig> all = new ArrayList<>();
      for (int j = 0; j < jobs; j++) {
        JobConfig job = Job.service("bench/prod/svc" + j).instances(perJob + (j < tasks % jobs ? 1 : 0))
            .task(t -> t.process("server", "./server").cpus(0.1).ramMb(64).diskMb(1)).build();
        if (create.equals("batch")) {
          all.add(job);
        } else {
          scheduler.createJob(job, Principal.of("bench"));
        }
      }
      if (create.equals("batch")) {
        scheduler.createJobs(all, Principal.of("bench"));
      }
      long createdAt = System.nanoTime();
      long deadline = subscribed + Duration.ofMinutes(30).toNanos();
      long lastTrace = -1;
      while (master.runningCount() < tasks) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + master.runningCount() + " of " + tasks + " running after 30 min");
        }
        Thread.sleep(5);
        if (TRACE && (System.nanoTime() - subscribed) / 500_000_000 != lastTrace) {
          lastTrace = (System.nanoTime() - subscribed) / 500_000_000;
          System.out.printf(Locale.ROOT, "%5.1f s: launched %d, running %d, accepts %d, offers out %d%n",
              (System.nanoTime() - subscribed) / 1e9, master.launchedCount(), master.runningCount(),
              master.callCount(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACCEPT), master.outstandingOffers());
        }
      }
      long masterRunning = System.nanoTime();
      long firstLaunch = launchTimes[0];
      long allLaunched = launchTimes[1];
      long createdAll = createdAt;
      // each look lists every task on the state loop: wait ten times as long as the last look took (at
      // least 20 ms, at most 2 s), so the harness takes at most a tenth of the loop from the updates it
      // waits for. The figure is the last RUNNING event's time, not when a look saw it: a look that waited
      // behind a GC pause or a long loop queue (2 s) once made the harness sleep 20 s and report that.
      long lastRunningMillis;
      while (true) {
        long lookStart = System.nanoTime();
        List<ScheduledTask> looked = scheduler.tasks(TaskQuery.all());
        long running = looked.stream().filter(t -> t.status() == ScheduleStatus.RUNNING).count();
        if (running >= tasks) {
          lastRunningMillis = lastRunning(looked);
          break;
        }
        Thread.sleep(Math.min(2_000, Math.max(20, (System.nanoTime() - lookStart) / 100_000)));
      }
      long seenRunning = System.nanoTime();
      int unacknowledgedWhenSeen = master.unacknowledged();
      watcher.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      watcher.interrupt();
      System.out.printf(Locale.ROOT, "agents %d, tasks %d, jobs %d, created %s%n", agents, tasks, jobs,
          create.equals("batch") ? "with one createJobs" : "with one createJob each");
      System.out.printf(Locale.ROOT, "SUBSCRIBED -> all RUNNING at the master:     %.2f s%n",
          (masterRunning - subscribed) / 1e9);
      System.out.printf(Locale.ROOT, "SUBSCRIBED -> all RUNNING in the scheduler:  %.2f s (its last RUNNING event;"
          + " the harness saw it at %.2f s)%n", (lastRunningMillis - subscribedMillis) / 1e3,
          (seenRunning - subscribed) / 1e9);
      System.out.printf(Locale.ROOT, (create.equals("batch") ? "createJobs call " : "createJob calls")
          + " (%d jobs) took:               %.2f s%n", jobs,
          (createdAll - subscribed) / 1e9);
      // a collection inside the window (e.g. the metaspace's first threshold, crossed by classes loaded
      // in the wave) pauses every thread of the scheduler and the fake master alike
      if (gcAt[0] != null && gcAt[1] != null) {
        System.out.printf(Locale.ROOT, "collections between the first and the last launch: %d, %d ms%n",
            gcAt[1][0] - gcAt[0][0], gcAt[1][1] - gcAt[0][1]);
      }
      System.out.printf(Locale.ROOT, "first launch -> last launch at the master:    %.2f s%n",
          (allLaunched - firstLaunch) / 1e9);
      System.out.printf(Locale.ROOT, "tasks launched per second (first to last launch): %.0f%n",
          tasks / Math.max(1e-9, (allLaunched - firstLaunch) / 1e9));
      System.out.printf(Locale.ROOT, "tasks launched per second (SUBSCRIBED to last launch): %.0f%n",
          tasks / Math.max(1e-9, (allLaunched - subscribed) / 1e9));
      System.out.printf(Locale.ROOT, "ACCEPT calls: %d, unacknowledged updates when the harness saw all RUNNING: %d%n",
          master.callCount(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACCEPT), unacknowledgedWhenSeen);
      System.out.printf(Locale.ROOT, "SUBSCRIBED -> every update acknowledged:     %.2f s (%d left)%n",
          (launchTimes[2] == 0 ? System.nanoTime() - subscribed : launchTimes[2] - subscribed) / 1e9,
          master.unacknowledged());
      System.out.printf(Locale.ROOT, "ACKNOWLEDGE calls: %d (updates that needed one: %d; acknowledgements of an"
          + " update acknowledged already, which a Mesos agent ignores: %d)%n",
          master.callCount(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACKNOWLEDGE), 2L * tasks,
          master.duplicateAcknowledgements());
      long[] atEnd = allocation.mark();
      allocation.interrupt();
      if (atAllLaunched[0] != null) {
        System.out.printf(Locale.ROOT, "bytes allocated per task, SUBSCRIBED -> last launch: scheduler side %d,"
            + " fake master %d%n", (atAllLaunched[0][0] - atSubscribed[0]) / tasks,
            (atAllLaunched[0][1] - atSubscribed[1]) / tasks);
      }
      System.out.printf(Locale.ROOT, "bytes allocated per task, SUBSCRIBED -> every update acknowledged: scheduler"
          + " side %d, fake master %d%n", (atEnd[0] - atSubscribed[0]) / tasks, (atEnd[1] - atSubscribed[1]) / tasks);
    } finally {
      if (timeline != null) {
        timeline.interrupt();
      }
      master.close();
    }
  }

  /**
   * {@code -Dtimeline=true}: one line per 100 ms from the scheduler's start, counts in that interval
   * (offers the scheduler received, tasks it placed, offers its launches used: one ACCEPT each, status
   * updates it stored) and at that moment (offers it holds, the state loop's queue; at the master: offers
   * outstanding, tasks launched and running, ACCEPT and ACKNOWLEDGE calls handled, updates unacknowledged).
   */
  private static final class Timeline extends Thread {
    private final FakeMesosMaster master;
    private final SimpleMeterRegistry registry;

    Timeline(FakeMesosMaster master, SimpleMeterRegistry registry) {
      super("timeline");
      setDaemon(true);
      this.master = master;
      this.registry = registry;
    }

    private double count(String name) {
      return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double gauge(String name) {
      return registry.find(name).gauges().stream().mapToDouble(g -> g.value()).sum();
    }

    @Override
    public void run() {
      long t0 = System.nanoTime();
      double[] last = new double[4];
      System.out.println("    t  offersIn  placed  accepts  updates | held  loopQ | m.offers  m.launched  m.running"
          + "  m.ACCEPT  m.ACK  m.unacked");
      for (long tick = 1; !isInterrupted(); tick++) {
        long due = t0 + tick * 100_000_000L;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
        double[] now = {count("aurora.offers.received"), count("aurora.placement.tasks.placed"),
            count("aurora.offers.used"), count("aurora.status.updates")};
        System.out.printf(Locale.ROOT, "%5.1f %9.0f %7.0f %8.0f %8.0f | %5.0f %6.0f | %8d %11d %10d %9d %6d %10d%n",
            (System.nanoTime() - t0) / 1e9, now[0] - last[0], now[1] - last[1], now[2] - last[2], now[3] - last[3],
            gauge("aurora.offers.held"), gauge("aurora.loop.queue.depth"), master.outstandingOffers(),
            master.launchedCount(), master.runningCount(),
            master.callCount(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACCEPT),
            master.callCount(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACKNOWLEDGE), master.unacknowledged());
        last = now;
      }
    }
  }

  /**
   * The bytes the JVM's threads allocated, as {@code ThreadMXBean.getThreadAllocatedBytes} counts them, split
   * into the fake master's threads ({@code fake-mesos*}) and all others (the scheduler, its backend, the
   * HTTP client) but the harness's own (its looks at the scheduler's tasks are counted on the state loop,
   * after the last launch). A thread's count is read every 50 ms
   * and kept when it ends, so a pool thread that ends loses at most its last 50 ms.
   */
  private static final class Allocation extends Thread {
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    /** Per thread id: the last count read, and whether it is the master's. */
    private final java.util.Map<Long, long[]> seen = new java.util.HashMap<>();
    private static final Set<String> HARNESS = Set.of("main", "launch-watcher", "allocation", "timeline");

    Allocation() {
      super("allocation");
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!isInterrupted()) {
        mark();
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** The bytes allocated so far: {scheduler side, fake master, the harness's own threads}. */
    synchronized long[] mark() {
      long[] ids = threads.getAllThreadIds();
      long[] bytes = threads.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        if (bytes[i] < 0) {
          continue;
        }
        long[] v = seen.get(ids[i]);
        if (v == null) {
          java.lang.management.ThreadInfo info = threads.getThreadInfo(ids[i]);
          String name = info == null ? "" : info.getThreadName();
          v = new long[] {0, name.startsWith("fake-mesos") ? 1 : HARNESS.contains(name) ? 2 : 0};
          seen.put(ids[i], v);
        }
        v[0] = bytes[i];
      }
      long[] sum = new long[3];
      for (long[] v : seen.values()) {
        sum[(int) v[1]] += v[0];
      }
      return sum;
    }
  }

  /** The time (epoch ms) of the latest RUNNING event of any of {@code tasks}. */
  /** The JVM's collections so far and their milliseconds, over every collector. */
  private static long[] collections() {
    long[] countAndMillis = new long[2];
    for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      countAndMillis[0] += Math.max(0, gc.getCollectionCount());
      countAndMillis[1] += Math.max(0, gc.getCollectionTime());
    }
    return countAndMillis;
  }

  static long lastRunning(List<ScheduledTask> tasks) {
    long last = Long.MIN_VALUE;
    for (ScheduledTask t : tasks) {
      for (TaskEvent e : t.events()) {
        if (e.status() == ScheduleStatus.RUNNING) {
          last = Math.max(last, e.time().toEpochMilli());
        }
      }
    }
    return last;
  }

  private static int arg(String[] args, String name, int fallback) {
    for (String a : List.of(args)) {
      if (a.startsWith("--" + name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 3));
      }
    }
    return fallback;
  }
}
