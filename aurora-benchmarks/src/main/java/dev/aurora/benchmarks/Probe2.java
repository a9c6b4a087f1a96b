package dev.aurora.benchmarks;

import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.TaskQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

public final class Probe2 {
  public static void main(String[] args) {
    Workload w = Workload.filled(10000, 0.8, 100, 43);
    AuroraHarness h = new AuroraHarness(w);
    h.createJobs();
    h.runUntilIdle();
    h.loop.advance(Duration.ofMinutes(6));
    Random r = new Random(1);
    for (int round = 0; round < 4; round++) {
      List<ScheduledTask> running = new ArrayList<>(h.scheduler().tasks(TaskQuery.all().states(ScheduleStatus.RUNNING)));
      List<long[]> lat = new ArrayList<>();
      java.lang.management.ThreadMXBean tmx = java.lang.management.ManagementFactory.getThreadMXBean();
      long cpu0 = tmx.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      List<String> what = new ArrayList<>();
      for (int i = 0; i < 1600; i++) {
        ScheduledTask t = running.remove(r.nextInt(running.size()));
        long t0 = System.nanoTime();
        h.cluster.killTask(t.id());
        h.runUntilPlaced();
        long took = h.lastPlacedAt() - t0;
        lat.add(new long[] {took, i});
        what.add(t.config().constraints() + " " + t.config().resources().cpus() + "/" + t.config().resources().ramMb() + " idle=" + h.lastIdleNanos() / 1000);
      }
      System.out.printf("cpu %.3fs wall %.3fs%n", (tmx.getCurrentThreadCpuTime() - cpu0) / 1e9, (System.nanoTime() - wall0) / 1e9);
      lat.sort((a, b) -> Long.compare(b[0], a[0]));
      System.out.printf("round %d p50=%.3f p99=%.3f%n", round, lat.get(800)[0] / 1e6, lat.get(16)[0] / 1e6);
      for (int k = 0; k < 12; k++) {
        System.out.printf("  %.3fms %s%n", lat.get(k)[0] / 1e6, what.get((int) lat.get(k)[1]));
      }
    }
  }
}
