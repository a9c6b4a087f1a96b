package dev.aurora.http;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A control for {@code load/placement-under-reads.sh} ({@code READER=burn}): instead of reading, burns a
 * given share of the machine's CPU in short bursts, waking up as often as a reader's threads would, so
 * the placement stream's drop beside it is what plain CPU sharing costs (the floor no change of the
 * server's read path can beat).
 *
 * <pre>java -cp target/test-classes dev.aurora.http.CpuBurner --cores 0.3 --seconds 20 [--threads 2] [--period-us 1000]</pre>
 *
 * <p>Each thread spins {@code cores / threads} of every period and parks for the rest. Prints the CPU it
 * used (the process's, JVM start-up included) as {@code burned N cores over S s}.
 */
public final class CpuBurner {
  private CpuBurner() {}

  public static void main(String[] args) throws Exception {
    double cores = 0.3;
    double seconds = 20;
    int threads = 2;
    long periodNanos = 1_000_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--cores" -> cores = Double.parseDouble(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--period-us" -> periodNanos = Long.parseLong(args[++i]) * 1_000;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (cores <= 0 || cores > threads || threads < 1 || periodNanos < 10_000) {
      throw new IllegalArgumentException("need 0 < cores <= threads, threads >= 1, period >= 10 us");
    }
    long busy = (long) (periodNanos * cores / threads);
    long period = periodNanos;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    List<Thread> all = new ArrayList<>();
    long[] sink = new long[threads];
    for (int t = 0; t < threads; t++) {
      int me = t;
      Thread th = new Thread(() -> {
        long x = me;
        for (long start = System.nanoTime(); start < end; start += period) {
          long now;
          while ((now = System.nanoTime()) - start < busy) {
            x = x * 6364136223846793005L + 1442695040888963407L;
          }
          long next = start + period;
          if (next - now > 0) {
            LockSupport.parkNanos(next - now);
          } else {
            start = now - period;   // fell behind (descheduled): start again from now, no catching up
          }
        }
        sink[me] = x;
      }, "burner-" + t);
      th.start();
      all.add(th);
    }
    long t0 = System.nanoTime();
    for (Thread th : all) {
      th.join();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    System.out.printf("burned %.3f cores over %.1f s (asked %.3f; sink %d)%n", cpu / 1e9 / wall, wall, cores,
        sink[0] & 1);
  }
}
