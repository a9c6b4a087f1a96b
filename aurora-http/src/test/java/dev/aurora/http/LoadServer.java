package dev.aurora.http;

import dev.aurora.api.Job;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.core.Scheduler;
import dev.aurora.core.StateLoop;
import dev.aurora.testkit.SimulatedCluster;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load-test target (not a test): an operator server over a scheduler on a simulated cluster of 500
 * agents, on a real state loop, holding N service jobs; with {@code --churn R} it also fails R running
 * tasks a second, so their replacements are placed, and prints placements per second every 5 s.
 * {@code load/job-list.sh} starts it and points wrk or hey at {@code /api/v1/jobs}.
 *
 * <p>With {@code --place} a driver thread also creates service jobs of 10 instances back to back (the
 * oldest killed once 100 are live), so the scheduler places as fast as it can: placements per second
 * is then its placement throughput, which {@code load/placement-under-reads.sh} compares with and
 * without reads of the job list.
 *
 * <p>Steadiness, so that two phases of the same kind agree: ended tasks are kept only briefly ({@code
 * history(1, 5 s)}, pruned every second; with the default of 100 per job for 2 days, every ended task of the stream's
 * killed jobs stays, thousands a second, and the heap and the task maps grow through the run; {@code
 * --keep-history} restores the default), and with {@code --report-ms} a line {@code placed N at MILLIS
 * cpu NANOS loopcpu NANOS loopalloc BYTES} gives the cumulative count with the time, the process's
 * CPU time and the loop thread's CPU time and bytes allocated, so a harness
 * measures a phase between two readings (rather than averaging rates of intervals that straddle its
 * edges) and can also divide by the CPU the process had, which a shared machine varies. With {@code
 * --count-calls} the operator API is given the scheduler through a proxy that counts its calls per
 * method and by whether they were made on the loop (inline, by a listener) or off it (each a hand-off
 * to the loop and a wait), printed per second with each report ({@code operator API calls/s: ...}).
 *
 * <pre>java -cp ... dev.aurora.http.LoadServer [jobs=1000] [--churn 2000] [--place] [--staleness-ms 500]
 *     [--every 5 (seconds between reports)] [--report-ms 0 (ms between "placed" lines; 0: none)]
 *     [--keep-history] [--jetty] [--port 0] [--http-priority 1..10] [--no-quick-reads] [--count-calls]</pre>
 */
public final class LoadServer {
  private LoadServer() {}

  public static void main(String[] args) throws Exception {
    int jobs = 1000;
    int churn = 0;
    int port = 0;
    boolean place = false;
    boolean jetty = false;
    Duration staleness = Duration.ofMillis(500);
    int every = 5;
    int reportMs = 0;
    boolean keepHistory = false;
    int httpPriority = 0;
    boolean quickReads = true;
    boolean countCalls = false;
    int streamClients = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--churn" -> churn = Integer.parseInt(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--place" -> place = true;
        case "--jetty" -> jetty = true;
        case "--staleness-ms" -> staleness = Duration.ofMillis(Long.parseLong(args[++i]));
        case "--every" -> every = Integer.parseInt(args[++i]);
        case "--report-ms" -> reportMs = Integer.parseInt(args[++i]);
        case "--keep-history" -> keepHistory = true;
        case "--http-priority" -> httpPriority = Integer.parseInt(args[++i]);
        case "--no-quick-reads" -> quickReads = false;
        case "--count-calls" -> countCalls = true;
        case "--stream-clients" -> streamClients = Integer.parseInt(args[++i]);
        default -> jobs = Integer.parseInt(args[i]);
      }
    }
    Clock clock = Clock.systemUTC();
    StateLoop loop = StateLoop.singleThread(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(500).resources(16, 65_536, 1_000_000, 0)
        .delays(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    dev.aurora.core.SchedulerBuilder builder = Scheduler.builder().backend(cluster).loop(loop).clock(clock)
        .meterRegistry(metrics).flapping(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1))
        // the simulated cluster keeps one offer per agent outstanding: an offer too small for the stream's
        // next task, held the default 30 s, keeps what the stream's kills free on that agent from being
        // offered again, and the whole cluster then looks full for most of every 30 s (placements stop
        // for ~20 s at a time); a short hold gives it back every second
        .offerHold(Duration.ofSeconds(1));
    if (!keepHistory) {
      // the stream ends thousands of tasks a second: pruned only once a minute (the default), they pile
      // up to a million, and every snapshot (each 100,000 ops) copies them all on the loop, which then
      // places nothing for seconds at a time
      builder.history(1, Duration.ofSeconds(5)).historyPruning(Duration.ofSeconds(1));
    }
    Scheduler scheduler = builder.build();
    scheduler.start();
    Principal user = Principal.of("load");
    for (int i = 0; i < jobs; i++) {
      scheduler.createJob(Job.service("role" + (i % 50) + "/prod/job" + i).instances(3)
          .task(t -> t.process("p", "./run").cpus(0.1).ramMb(64)).build(), user);
    }
    // --count-calls: the operator API's calls of the scheduler, counted per method and by whether they
    // waited for the loop (made off it) or ran inline (made on it, by a listener), printed with each report
    java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> calls =
        new java.util.concurrent.ConcurrentHashMap<>();
    Scheduler served = countCalls ? counting(scheduler, calls) : scheduler;
    String url;
    AutoCloseable server;
    if (jetty) {
      // the same handler mounted as a servlet in embedded Jetty 12, as a host application would
      OperatorHandler handler = OperatorHandler.builder().scheduler(served).meterRegistry(metrics)
          .jobListStaleness(staleness).build();
      org.eclipse.jetty.server.Server js = new org.eclipse.jetty.server.Server(
          new org.eclipse.jetty.util.thread.QueuedThreadPool(64));
      org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(js);
      connector.setHost("127.0.0.1");
      connector.setPort(port);
      js.addConnector(connector);
      org.eclipse.jetty.ee10.servlet.ServletContextHandler context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler("/");
      context.addServlet(new org.eclipse.jetty.ee10.servlet.ServletHolder(new OperatorServlet(handler)), "/*");
      js.setHandler(context);
      js.start();
      url = "http://127.0.0.1:" + connector.getLocalPort() + "/";
      server = () -> {
        js.stop();
        handler.close();
      };
    } else {
      OperatorServer.Builder b = OperatorServer.builder().scheduler(served).port(port).meterRegistry(metrics)
          .jobListStaleness(staleness).threads(64);
      if (httpPriority != 0) {   // (only when asked: an older aurora-http, for an A/B, has neither setting)
        b.threadPriority(httpPriority);
      }
      if (!quickReads) {
        b.quickReadsOnDispatcher(false);
      }
      OperatorServer jdk = b.start();
      url = jdk.url().toString();
      server = jdk;
    }
    System.out.println("LOAD SERVER " + url + " jobs=" + jobs + " churn=" + churn + "/s place=" + place
        + " staleness=" + staleness.toMillis() + "ms server=" + (jetty ? "jetty" : "jdk"));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        // exiting anyway
      }
      scheduler.close();
    }));
    if (place) {
      // a W1-like stream: service jobs of 10 instances created back to back, the oldest killed once 100
      // are live, so the scheduler places continuously. One client (the default) makes one call at a
      // time, so the stream's rate is bounded by each call's round trip to the state loop; with
      // --stream-clients N, N clients (each with its own jobs, 100 live in all) keep N calls in flight,
      // so the rate is bounded by the loop's own work instead
      int clients = streamClients;
      for (int c = 0; c < clients; c++) {
        String prefix = clients == 1 ? "stream/prod/w" : "stream/prod/c" + c + "w";
        int keep = Math.max(1, 100 / clients);
        Thread driver = new Thread(() -> {
          java.util.ArrayDeque<dev.aurora.api.JobKey> live = new java.util.ArrayDeque<>();
          for (long n = 0; ; n++) {
            dev.aurora.api.JobConfig job = Job.service(prefix + n).instances(10)
                .task(t -> t.process("p", "./run").cpus(0.1).ramMb(64)).build();
            scheduler.createJob(job, user);
            live.add(job.key());
            if (live.size() > keep) {
              scheduler.killJob(live.poll(), user);
            }
          }
        }, clients == 1 ? "w1-stream" : "w1-stream-" + c);
        driver.setDaemon(true);
        driver.start();
      }
    }
    if (reportMs > 0) {
      // the cumulative count, often and with a millisecond time, for a harness to cut phases precisely
      int period = reportMs;
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      // the loop thread's CPU time and bytes allocated, cumulative, at the end of each line (-1 until known)
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      java.util.concurrent.atomic.AtomicLong loopId = new java.util.concurrent.atomic.AtomicLong(-1);
      scheduler.events().subscribe(e -> loopId.compareAndSet(-1, Thread.currentThread().getId()));
      Thread reporter = new Thread(() -> {
        try {
          while (true) {
            Thread.sleep(period);
            long id = loopId.get();
            System.out.printf("placed %.0f at %d cpu %d loopcpu %d loopalloc %d%n",
                metrics.get("aurora.placement.tasks.placed").counter().count(), System.currentTimeMillis(),
                os.getProcessCpuTime(), id < 0 ? -1 : threads.getThreadCpuTime(id),
                id < 0 ? -1 : threads.getThreadAllocatedBytes(id));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "placed-reporter");
      reporter.setDaemon(true);
      reporter.start();
    }
    AtomicLong lastPlaced = new AtomicLong();
    long last = System.nanoTime();
    Random random = new Random(1);
    int perTick = Math.max(1, churn / 100);
    while (true) {
      for (int tick = 0; tick < every * 100; tick++) {
        if (churn > 0) {
          // on the loop, as the backend reports: fail some running tasks; the scheduler replaces them
          CompletableFuture.runAsync(() -> {
            List<TaskId> running = new ArrayList<>(cluster.runningTasks());
            for (int k = 0; k < perTick && !running.isEmpty(); k++) {
              cluster.failTask(running.remove(random.nextInt(running.size())), "churn");
            }
          }, loop::execute).join();
        }
        Thread.sleep(10);
      }
      long now = System.nanoTime();
      double placed = metrics.get("aurora.placement.tasks.placed").counter().count();
      System.out.printf("placements/s %.0f at %d%n", (placed - lastPlaced.getAndSet((long) placed)) / ((now - last) / 1e9),
          System.currentTimeMillis() / 1000);
      if (countCalls) {
        double secs = (now - last) / 1e9;
        StringBuilder line = new StringBuilder("operator API calls/s:");
        new java.util.TreeMap<>(calls).forEach((k, v) -> line.append(String.format(" %s %.1f", k, v.sumThenReset() / secs)));
        System.out.println(line);
      }
      last = now;
    }
  }

  /** {@code s} with each call counted in {@code calls} under "method@loop" (made on the loop) or "method@off". */
  static Scheduler counting(Scheduler s, java.util.Map<String, java.util.concurrent.atomic.LongAdder> calls) {
    java.util.concurrent.atomic.AtomicReference<Thread> loopThread = new java.util.concurrent.atomic.AtomicReference<>();
    s.events().subscribe(e -> loopThread.compareAndSet(null, Thread.currentThread()));
    return (Scheduler) java.lang.reflect.Proxy.newProxyInstance(Scheduler.class.getClassLoader(),
        new Class<?>[] {Scheduler.class}, (proxy, method, args) -> {
          String where = Thread.currentThread() == loopThread.get() ? "@loop" : "@off";
          calls.computeIfAbsent(method.getName() + where, k -> new java.util.concurrent.atomic.LongAdder()).increment();
          try {
            return method.invoke(s, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
