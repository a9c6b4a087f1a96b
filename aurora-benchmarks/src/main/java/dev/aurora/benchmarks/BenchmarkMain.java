package dev.aurora.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every workload (W1 to W4) with JMH, our engine and Fenzo side by side, and ends with a table of
 * each figure next to Fenzo's and the target.
 *
 * <pre>
 * java -jar aurora-benchmarks/target/benchmarks.jar          # short settings, a few minutes
 * java -jar aurora-benchmarks/target/benchmarks.jar --full   # full settings: more iterations, longer Fenzo budgets
 * </pre>
 *
 * <p>{@code --only=W1,W3} runs some workloads (W5: stuck groups behind a user filter); {@code --no-fenzo} skips Fenzo; {@code --quiet} hides JMH's
 * own output.
 *
 * <p>Each benchmark runs in a forked JVM with {@link #JVM_FLAGS}; the forks append their figures to a
 * results file ({@link Results}), and the table shows the median over measurement iterations (the mean
 * of the middle two for an even count).
 */
public final class BenchmarkMain {
  /** The flags of every benchmark JVM (W3 gets a larger heap). */
  public static final String[] JVM_FLAGS = {"-Xms6g", "-Xmx6g", "-XX:+UseParallelGC"};
  public static final String[] W3_JVM_FLAGS = {"-Xms12g", "-Xmx12g", "-XX:+UseParallelGC"};

  private final boolean full;
  private boolean withFenzo = true;
  private final Path results;
  private final VerboseMode verbosity;

  private BenchmarkMain(boolean full, Path results, VerboseMode verbosity) {
    this.full = full;
    this.results = results;
    this.verbosity = verbosity;
  }

  public static void main(String[] args) throws Exception {
    List<String> a = List.of(args);
    boolean full = a.contains("--full");
    String only = a.stream().filter(s -> s.startsWith("--only=")).map(s -> s.substring(7)).findFirst().orElse("");
    Path results = Files.createTempFile("aurora-bench", ".txt");
    BenchmarkMain m = new BenchmarkMain(full, results, a.contains("--quiet") ? VerboseMode.SILENT : VerboseMode.NORMAL);
    m.withFenzo = !a.contains("--no-fenzo");
    long t0 = System.nanoTime();
    if (only.isEmpty() || only.contains("W1")) {
      m.w1();
    }
    if (only.isEmpty() || only.contains("W2")) {
      m.w2();
    }
    if (only.isEmpty() || only.contains("W3")) {
      m.w3();
    }
    if (only.isEmpty() || only.contains("W4")) {
      m.w4();
    }
    if (only.isEmpty() || only.contains("W5")) {
      m.w5();
    }
    String table = m.table(Results.read(results), (System.nanoTime() - t0) / 1e9);
    System.out.println();
    System.out.println(table);
  }

  private ChainedOptionsBuilder options(Class<?> benchmark, String[] jvm, int warmups, int measurements) {
    List<String> flags = new ArrayList<>(List.of(jvm));
    flags.add("-D" + Results.PROPERTY + "=" + results);
    flags.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    return new OptionsBuilder().include(benchmark.getName() + "\\.").forks(1)
        .warmupIterations(warmups).measurementIterations(measurements).jvmArgs(flags.toArray(new String[0]))
        .shouldFailOnError(true).verbosity(verbosity);
  }

  private void w1() throws Exception {
    // W1 at full scale: our engine with JIT warm-up; Fenzo (much slower) once, within a time budget
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, full ? 8 : 6, full ? 5 : 1).param("engine", "aurora").build()).run();
    String budget = full ? "600" : "5";
    if (withFenzo) {
      new Runner(options(W1PlaceAll.class, JVM_FLAGS, 0, 1).param("engine", "fenzo", "fenzo-full-search")
          .param("fenzoBudgetSeconds", budget).build()).run();
    }
    // W1-small: W1's mix on fewer agents and jobs (100 racks), so that Fenzo finishes and allocations compare
    String agents = full ? "1000" : "500";
    String jobs = full ? "100" : "50";
    String racks = full ? "100" : "50";
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, full ? 5 : 3, full ? 5 : 1).param("engine", "aurora")
        .param("agents", agents).param("jobs", jobs).param("racks", racks).param("label", "W1-small").build()).run();
    if (!withFenzo) {
      return;
    }
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, 0, 1).param("engine", "fenzo", "fenzo-full-search")
        .param("agents", agents).param("jobs", jobs).param("racks", racks).param("label", "W1-small")
        .param("fenzoBudgetSeconds", "3600").build()).run();
  }

  private void w2() throws Exception {
    new Runner(options(W2Churn.class, JVM_FLAGS, full ? 3 : 2, full ? 5 : 2).param("engine", "aurora").build()).run();
    if (!withFenzo) {
      return;
    }
    // Fenzo learns the 80% cluster through its task assigner, about 50 s here: the full search only with --full
    String[] engines = full ? new String[] {"fenzo", "fenzo-full-search"} : new String[] {"fenzo"};
    new Runner(options(W2Churn.class, JVM_FLAGS, 0, 1).param("engine", engines)
        .param("fenzoBudgetSeconds", full ? "120" : "5").build()).run();
  }

  private void w3() throws Exception {
    new Runner(options(W3Scale.class, W3_JVM_FLAGS, full ? 1 : 0, full ? 2 : 1).build()).run();
  }

  private void w4() throws Exception {
    new Runner(options(W4StatusUpdates.class, JVM_FLAGS, full ? 40 : 30, full ? 30 : 15).build()).run();
  }

  private void w5() throws Exception {
    new Runner(options(W5StuckGroups.class, JVM_FLAGS, full ? 3 : 2, full ? 5 : 3).build()).run();
  }

  // ---------------------------------------------------------------- the table

  private Map<String, List<Double>> r;

  private double sum(String key) {
    List<Double> v = r.get(key);
    return v == null || v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).sum();
  }

  private double median(String key) {
    List<Double> v = r.get(key);
    if (v == null || v.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private final List<String[]> rows = new ArrayList<>();

  private void row(String workload, String figure, String ours, String fenzo, String ratio, String target,
      String met) {
    rows.add(new String[] {workload, figure, ours, fenzo, ratio, target, met});
  }

  String table(Map<String, List<Double>> recorded, double seconds) {
    this.r = recorded;
    rows.clear();
    double a1 = median("W1|aurora|tasksPerSecond");
    double f1 = median("W1|fenzo|tasksPerSecond");
    double ff1 = median("W1|fenzo-full-search|tasksPerSecond");
    String fenzoPartial = partial("W1", "fenzo");
    String fullPartial = partial("W1", "fenzo-full-search");
    row("W1 place-all", "tasks placed/s vs Fenzo (good-enough 0.8)", n(a1), n(f1) + fenzoPartial, x(a1 / f1),
        ">= 10x Fenzo", met(a1 / f1 >= 10));
    row("W1 place-all", "tasks placed/s vs Fenzo (full search)", n(a1), n(ff1) + fullPartial, x(a1 / ff1),
        ">= 10x Fenzo", met(a1 / ff1 >= 10));
    row("W1 place-all", "tasks placed/s, 2 cores", n(a1), "", "", ">= 100,000", met(a1 >= 100_000));
    double pending = median("W1|aurora|placeableLeftPending") + median("W1|aurora|violations");
    row("W1 place-all", "placeable tasks left pending + rule violations", n(pending),
        n(median("W1|fenzo|placeableLeftPending") + median("W1|fenzo|violations")) + fenzoPartial, "", "0",
        met(pending == 0));
    row("W1 place-all", "cpu / ram allocated at end", pct(median("W1|aurora|cpuAllocation")) + " / "
        + pct(median("W1|aurora|ramAllocation")), "n/a" + fenzoPartial, "", "(see W1-small)", "");
    String small = String.format(Locale.ROOT, "W1-small (%,.0f agents)", median("W1-small|aurora|agents"));
    double as = median("W1-small|aurora|tasksPerSecond");
    double fs = median("W1-small|fenzo|tasksPerSecond");
    double ffs = median("W1-small|fenzo-full-search|tasksPerSecond");
    row(small, "tasks placed/s vs Fenzo (good-enough / full)", n(as), n(fs) + " / " + n(ffs),
        x(as / fs) + " / " + x(as / ffs), ">= 10x Fenzo", met(as / fs >= 10 && as / ffs >= 10));
    double ac = median("W1-small|aurora|cpuAllocation");
    double fc = Math.max(median("W1-small|fenzo|cpuAllocation"), median("W1-small|fenzo-full-search|cpuAllocation"));
    double ar = median("W1-small|aurora|ramAllocation");
    double fr = Math.max(median("W1-small|fenzo|ramAllocation"), median("W1-small|fenzo-full-search|ramAllocation"));
    row(small, "cpu allocated at end (Fenzo: best variant)", pct(ac), pct(fc), x(ac / fc),
        ">= Fenzo's", met(ac >= fc - 1e-9));
    row(small, "ram allocated at end (Fenzo: best variant)", pct(ar), pct(fr), x(ar / fr),
        ">= Fenzo's", met(ar >= fr - 1e-9));
    double ap = median("W1-small|aurora|placeableLeftPending") + median("W1-small|aurora|violations");
    row(small, "placeable tasks left pending + rule violations", n(ap),
        n(median("W1-small|fenzo|placeableLeftPending") + median("W1-small|fenzo|violations")) + " / "
            + n(median("W1-small|fenzo-full-search|placeableLeftPending")
                + median("W1-small|fenzo-full-search|violations")), "", "0", met(ap == 0));
    double a50 = median("W2|aurora|p50Millis");
    double a99 = median("W2|aurora|p99Millis");
    row("W2 churn (80% full)", "per-task latency p50 (ms)", ms(a50), ms(median("W2|fenzo|p50Millis")) + " / "
        + ms(median("W2|fenzo-full-search|p50Millis")), x(median("W2|fenzo|p50Millis") / a50) + " faster", "", "");
    row("W2 churn (80% full)", "per-task latency p99 (ms)", ms(a99), ms(median("W2|fenzo|p99Millis")) + " / "
        + ms(median("W2|fenzo-full-search|p99Millis")), x(median("W2|fenzo|p99Millis") / a99) + " faster",
        "< 1 ms", met(a99 < 1));
    double a2 = median("W2|aurora|tasksPerSecond");
    row("W2 churn (80% full)", "replacements/s (one at a time)", n(a2), n(median("W2|fenzo|tasksPerSecond"))
        + " / " + n(median("W2|fenzo-full-search|tasksPerSecond")), x(a2 / median("W2|fenzo|tasksPerSecond")), "", "");
    double heap = median("W3|aurora|retainedBytesPerTask");
    row("W3 scale (20k agents, 1M tasks)", "retained heap per task (bytes)", n(heap), "not run", "", "<= 1,024",
        met(heap <= 1024));
    row("W3 scale (20k agents, 1M tasks)", "time to place 1M tasks and run them (s)",
        s(median("W3|aurora|seconds")), "not run", "", "", "");
    double rec = median("W3|aurora|recoverySeconds");
    row("W3 scale (20k agents, 1M tasks)", "recover from storage and resume (s)", s(rec), "n/a", "", "< 5 s",
        met(rec < 5));
    double w4 = sum("W4|aurora|statusUpdates") / (sum("W4|aurora|nanos") / 1e9); // sustained, GC included
    row("W4 status updates", "status updates/s (with replacement and placement)", n(w4), "n/a", "", ">= 200,000",
        met(w4 >= 200_000));
    for (String f : List.of("lambda", "static")) {
      double pass = median("W5|" + f + "|passMicros");
      if (Double.isNaN(pass)) {
        continue;
      }
      String w = "W5 stuck groups, user filter (" + f + ")";
      row(w, "placement pass, mean (us)", n(pass), "n/a", "", "", "");
      row(w, "200 task restarts (ms)", ms(median("W5|" + f + "|restartsMillis")), "n/a", "", "", "");
    }
    return render(seconds);
  }

  private String partial(String workload, String engine) {
    double tried = median(workload + "|" + engine + "|tried");
    double tasks = median(workload + "|" + engine + "|tasks");
    if (Double.isNaN(tried) || tried >= tasks) {
      return "";
    }
    return String.format(Locale.ROOT, " (tried %,.0f of %,.0f tasks in %.0f s)", tried, tasks,
        median(workload + "|" + engine + "|seconds"));
  }

  private String render(double seconds) {
    String[] head = {"workload", "figure", "ours", "Fenzo", "ratio", "target", "met"};
    int[] w = new int[head.length];
    List<String[]> all = new ArrayList<>();
    all.add(head);
    all.addAll(rows);
    for (String[] row : all) {
      for (int i = 0; i < row.length; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "Results (%s settings, %.0f s; JVM %s %s; %d cpus)%n", full ? "full" : "short",
        seconds, System.getProperty("java.version"), String.join(" ", JVM_FLAGS),
        Runtime.getRuntime().availableProcessors()));
    for (int k = 0; k < all.size(); k++) {
      String[] row = all.get(k);
      b.append('|');
      for (int i = 0; i < row.length; i++) {
        b.append(' ').append(row[i]).append(" ".repeat(w[i] - row[i].length())).append(" |");
      }
      b.append('\n');
      if (k == 0) {
        b.append('|');
        for (int i = 0; i < row.length; i++) {
          b.append("-".repeat(w[i] + 2)).append('|');
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String n(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String s(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", v * 100);
  }

  private static String x(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%,.1fx", v);
  }

  private static String met(boolean ok) {
    return ok ? "met" : "NOT met";
  }
}
