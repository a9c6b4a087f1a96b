package dev.aurora.benchmarks;

import java.nio.file.Path;
import jdk.jfr.Recording;

/**
 * W3's recovery alone, for profiling: builds W3's state (placed and running) on in-memory storage,
 * then restarts the scheduler {@code restarts} times and prints each restart's time. With a JFR file
 * name, the first restart is recorded (method samples every 1 ms, allocations, GC).
 *
 * <pre>{@code java -Xms12g -Xmx12g -XX:+UseParallelGC -cp benchmarks.jar dev.aurora.benchmarks.RecoveryProbe 20000 10000 3 [rec.jfr]}</pre>
 */
public final class RecoveryProbe {
  private RecoveryProbe() {}

  public static void main(String[] args) throws Exception {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 10000;
    int restarts = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path jfr = args.length > 3 ? Path.of(args[3]) : null;
    Workload w = Workload.w3(agents, jobs, 100, 45);
    AuroraHarness aurora = new AuroraHarness(w, loop -> new LeanCluster(w, loop), b -> { });
    aurora.createJobs();
    long place = aurora.runUntilIdle();
    System.out.printf("placed %d tasks in %.2f s%n", w.taskCount(), place / 1e9);
    System.gc();
    for (int i = 0; i < restarts; i++) {
      Recording r = null;
      if (jfr != null && i == 0) {
        r = new Recording(jdk.jfr.Configuration.getConfiguration("profile"));
        r.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(1));
        r.start();
      }
      long took = aurora.restart();
      if (r != null) {
        r.stop();
        r.dump(jfr);
      }
      System.out.printf("restart %d: %.3f s%n", i, took / 1e9);
      System.gc();
    }
    aurora.close();
  }
}
