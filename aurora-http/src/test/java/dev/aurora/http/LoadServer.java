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
 * <pre>java -cp ... dev.aurora.http.LoadServer [jobs=1000] [--churn 2000] [--port 0]</pre>
 */
public final class LoadServer {
  private LoadServer() {}

  public static void main(String[] args) throws Exception {
    int jobs = 1000;
    int churn = 0;
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--churn" -> churn = Integer.parseInt(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        default -> jobs = Integer.parseInt(args[i]);
      }
    }
    Clock clock = Clock.systemUTC();
    StateLoop loop = StateLoop.singleThread(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(500).resources(16, 65_536, 1_000_000, 0)
        .delays(Duration.ofMillis(1), Duration.ofMillis(1)).build();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Scheduler scheduler = Scheduler.builder().backend(cluster).loop(loop).clock(clock).meterRegistry(metrics)
        .flapping(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofMillis(1)).build();
    scheduler.start();
    Principal user = Principal.of("load");
    for (int i = 0; i < jobs; i++) {
      scheduler.createJob(Job.service("role" + (i % 50) + "/prod/job" + i).instances(3)
          .task(t -> t.process("p", "./run").cpus(0.1).ramMb(64)).build(), user);
    }
    OperatorServer server = OperatorServer.builder().scheduler(scheduler).port(port).meterRegistry(metrics)
        .threads(64).start();
    System.out.println("LOAD SERVER " + server.url() + " jobs=" + jobs + " churn=" + churn + "/s");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      scheduler.close();
    }));
    AtomicLong lastPlaced = new AtomicLong();
    long last = System.nanoTime();
    Random random = new Random(1);
    int perTick = Math.max(1, churn / 100);
    while (true) {
      for (int tick = 0; tick < 500; tick++) {
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
      System.out.printf("placements/s %.0f%n", (placed - lastPlaced.getAndSet((long) placed)) / ((now - last) / 1e9));
      last = now;
    }
  }
}
