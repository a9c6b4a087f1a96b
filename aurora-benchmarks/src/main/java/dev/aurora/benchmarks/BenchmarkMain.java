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
import org.openjdk.jmh.runner.options.TimeValue;
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
 * own output. {@code --compare} runs only the comparison with Fenzo ({@link #compare}): every engine
 * with the same warm-up, over the whole workload, Fenzo driven as its docs advise (short settings: at
 * 1,000 agents; {@code --full}: W1 itself, 10,000 agents, Fenzo's full search for about 15 minutes).
 *
 * <p>The run fails (exit status 1, after the table) if the placement audit found a rule broken or a
 * placeable task left pending in any run of any engine.
 *
 * <p>Each benchmark runs in a forked JVM with {@link #JVM_FLAGS}; the forks append their figures to a
 * results file ({@link Results}), and the table shows the median over measurement iterations (the mean
 * of the middle two for an even count).
 */
public final class BenchmarkMain {
  /** The heap and collector flags of every benchmark JVM, one by one (constants, for {@code @Fork}). */
  public static final String XMS = "-Xms6g";
  public static final String XMX = "-Xmx6g";
  public static final String GC = "-XX:+UseParallelGC";
  /** The flags of every benchmark JVM (W3 gets a larger heap). */
  public static final String[] JVM_FLAGS = {XMS, XMX, GC};
  public static final String[] W3_JVM_FLAGS = {"-Xms12g", "-Xmx12g", GC};

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
    String onlyList = a.stream().filter(s -> s.startsWith("--only=")).map(s -> s.substring(7)).findFirst().orElse("");
    java.util.Set<String> only = onlyList.isEmpty() ? java.util.Set.of() : java.util.Set.of(onlyList.split(","));
    Path results = Files.createTempFile("aurora-bench", ".txt");
    BenchmarkMain m = new BenchmarkMain(full, results, a.contains("--quiet") ? VerboseMode.SILENT : VerboseMode.NORMAL);
    m.withFenzo = !a.contains("--no-fenzo");
    m.jfr = a.stream().filter(s -> s.startsWith("--jfr=")).map(s -> Path.of(s.substring(6))).findFirst().orElse(null);
    m.loopRuns = a.stream().filter(s -> s.startsWith("--loop-runs=")).map(s -> Integer.parseInt(s.substring(12)))
        .findFirst().orElse(1);
    m.extraJvmArgs = a.stream().filter(s -> s.startsWith("--jvm-arg=")).map(s -> s.substring(10)).toList();
    if (m.loopRuns < 1) {
      throw new IllegalArgumentException("--loop-runs must be >= 1, was " + m.loopRuns);
    }
    long t0 = System.nanoTime();
    if (a.contains("--compare")) {
      m.compare();
      only = java.util.Set.of("-");
    }
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
    if (only.contains("W1loop")) {
      m.w1Loop("memory");
    }
    if (only.contains("W1durable")) {
      m.w1Loop("file");
    }
    if (only.contains("W4durable")) {
      m.w4Durable();
    }
    Map<String, List<Double>> recorded = Results.read(results);
    String table = m.table(recorded, (System.nanoTime() - t0) / 1e9);
    System.out.println();
    System.out.println(table);
    List<String> failed = auditFailures(recorded);
    if (!failed.isEmpty()) {
      System.err.println("PLACEMENT AUDIT FAILED: " + String.join("; ", failed));
      System.exit(1);
    }
  }

  /**
   * Every recorded audit figure that is not zero: rules broken ({@code violations}) or placeable tasks
   * left pending ({@code placeableLeftPending}), of any workload and engine.
   */
  static List<String> auditFailures(Map<String, List<Double>> recorded) {
    List<String> failed = new ArrayList<>();
    for (Map.Entry<String, List<Double>> e : recorded.entrySet()) {
      if (e.getKey().endsWith("|violations") || e.getKey().endsWith("|placeableLeftPending")) {
        for (double v : e.getValue()) {
          if (v != 0) {
            failed.add(e.getKey() + " = " + String.format(Locale.ROOT, "%.0f", v));
            break;
          }
        }
      }
    }
    return failed;
  }

  private Path jfr;
  private int forks;
  /** Fresh JVMs per mode of W1loop and W1durable ({@code --loop-runs=N}): their cold figures and warm ones pooled. */
  private int loopRuns = 1;
  /**
   * JVM flags added to every benchmark JVM ({@code --jvm-arg=X}, repeatable), e.g. a cold-start lever
   * such as {@code -XX:+AlwaysPreTouch} or {@code -XX:TieredStopAtLevel=1}; the table's headline runs use none.
   */
  private List<String> extraJvmArgs = List.of();

  private ChainedOptionsBuilder options(Class<?> benchmark, String[] jvm, int warmups, int measurements) {
    List<String> flags = new ArrayList<>(List.of(jvm));
    flags.addAll(extraJvmArgs);
    if (jfr != null) {
      Path file = jfr.resolve(benchmark.getSimpleName() + "-" + (++forks) + ".jfr").toAbsolutePath();
      flags.add("-XX:StartFlightRecording=filename=" + file + ",settings=profile");
      System.out.println("JFR recording of " + benchmark.getSimpleName() + ": " + file);
    }
    flags.add("-D" + Results.PROPERTY + "=" + results);
    flags.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    return new OptionsBuilder().include(benchmark.getName() + "\\.").forks(1)
        .warmupIterations(warmups).measurementIterations(measurements).jvmArgs(flags.toArray(new String[0]))
        .shouldFailOnError(true).verbosity(verbosity)
        // JMH interrupts an iteration after 10 minutes by default; Fenzo's full search at 10,000 agents takes
        // longer, and an interrupted scheduleOnce would be measured as a (wrong) result. Our own budgets bound
        // every run instead (an hour for Fenzo).
        .timeout(TimeValue.hours(2));
  }

  private void w1() throws Exception {
    // W1 at full scale: our engine with JIT warm-up on W1 itself (Fenzo: see compare())
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, full ? 8 : 6, full ? 5 : 1).param("engine", "aurora").build()).run();
    // W1-small: W1's mix on fewer agents and jobs (100 racks), so that Fenzo finishes and allocations compare
    String agents = full ? "1000" : "500";
    String jobs = full ? "100" : "50";
    String racks = full ? "100" : "50";
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, full ? 5 : 3, full ? 5 : 1).param("engine", "aurora")
        .param("agents", agents).param("jobs", jobs).param("racks", racks).param("label", "W1-small").build()).run();
    if (!withFenzo) {
      return;
    }
    compare(); // Fenzo at scale, fair to it: the same warm-up, the whole workload
    // the same warm-up as ours: as many iterations of the same workload
    new Runner(options(W1PlaceAll.class, JVM_FLAGS, full ? 5 : 3, 1).param("engine", "fenzo", "fenzo-full-search")
        .param("agents", agents).param("jobs", jobs).param("racks", racks).param("label", "W1-small")
        .param("fenzoBudgetSeconds", "3600").build()).run();
  }

  /**
   * The comparison with Fenzo, fair to it: each engine in its own JVM gets the same warm-up (short: 3
   * runs of W1 on 500 agents; full: 6 runs on 1,000 agents), then places the whole measured workload
   * (short: W1's mix on 1,000 agents in 100 racks, 10,000 tasks, scaled down so it takes minutes; full:
   * W1 itself, 10,000 agents, 100,000 tasks), Fenzo calling {@code scheduleOnce} with every pending task
   * as its docs advise, at good-enough fitness 0.5 and with full search, with a budget of an hour.
   */
  void compare() throws Exception {
    String agents = full ? "10000" : "1000";
    String jobs = full ? "1000" : "100";
    String racks = "100";
    String warmAgents = full ? "1000" : "500";
    String warmJobs = full ? "100" : "50";
    String warmRacks = full ? "100" : "50";
    int warmups = full ? 6 : 3;
    String[] engines = withFenzo ? new String[] {"aurora", "fenzo", "fenzo-full-search"} : new String[] {"aurora"};
    for (String engine : engines) {
      new Runner(options(W1PlaceAll.class, JVM_FLAGS, warmups, 1).param("engine", engine)
          .param("agents", agents).param("jobs", jobs).param("racks", racks).param("label", "W1-compare")
          .param("warmAgents", warmAgents).param("warmJobs", warmJobs).param("warmRacks", warmRacks)
          .param("fenzoBudgetSeconds", "3600").build()).run();
    }
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

  /**
   * W1 on the production loop ({@link W1ProductionLoop}): one fresh JVM, its first iteration the cold
   * figure, 6 more as warm-up, then 3 (full: 5) warm ones; {@code storage} {@code memory} or {@code
   * file} (file log, fsync on). Run twice, each in a fresh JVM: jobs created with one {@code createJob}
   * each (figures under {@code W1-loop}, as before) and with one {@code createJobs} of all of them
   * ({@code W1-loop-batch}).
   */
  private void w1Loop(String storage) throws Exception {
    int warm = full ? 5 : 3;
    for (int run = 0; run < loopRuns; run++) { // the modes alternate, so a change of load hits both
      for (String create : List.of("each", "batch")) { // one JVM (and JFR recording) each
        new Runner(options(W1ProductionLoop.class, JVM_FLAGS, 0, 1 + 6 + warm).param("storage", storage)
            .param("warmups", "6").param("create", create).build()).run();
      }
    }
  }

  /** W4 on the file log with fsync on: its figures under W4-file. */
  private void w4Durable() throws Exception {
    new Runner(options(W4StatusUpdates.class, JVM_FLAGS, full ? 40 : 30, full ? 30 : 15).param("storage", "file")
        .build()).run();
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

  /** The median of a figure, its least and greatest value and how many there are: "median (min-max, n)". */
  private String spread(String key) {
    List<Double> v = r.get(key);
    if (v == null || v.isEmpty()) {
      return "-";
    }
    if (v.size() == 1) {
      return n(v.get(0));
    }
    return n(median(key)) + " (" + n(Collections.min(v)) + "-" + n(Collections.max(v)) + ", " + v.size() + ")";
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
    if (ours.equals("-") || ours.startsWith("- /") || ours.equals("-%")) {
      return; // a workload that was not run (or recorded nothing): no row
    }
    rows.add(new String[] {workload, figure, ours, fenzo, ratio, target, met});
  }

  String table(Map<String, List<Double>> recorded, double seconds) {
    this.r = recorded;
    rows.clear();
    double a1 = median("W1|aurora|tasksPerSecond");
    row("W1 place-all", "tasks placed/s, 2 cores", n(a1), "", "", ">= 100,000", met(a1 >= 100_000));
    row("W1 place-all", "tasks placed / placeable by constraints / asked", n(median("W1|aurora|placed")) + " / "
        + n(median("W1|aurora|placeable")) + " / " + n(median("W1|aurora|tasks")), "", "", "", "");
    row("W1 place-all", "hosts used", n(median("W1|aurora|hostsUsed")), "", "", "", "");
    double pending = median("W1|aurora|placeableLeftPending") + median("W1|aurora|violations");
    row("W1 place-all", "placeable tasks left pending + rule violations", n(pending), "(see W1-compare)", "",
        "0", met(pending == 0));
    row("W1 place-all", "cpu / ram allocated at end", pct(median("W1|aurora|cpuAllocation")) + " / "
        + pct(median("W1|aurora|ramAllocation")), "", "", "", "");
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
    compareRows();
    loopRows();
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

  private void loopRows() {
    for (String storage : List.of("memory", "file")) {
      for (String label : List.of("W1-loop", "W1-loop-batch")) {
        String k = label + "|" + storage + "|";
        double cold = median(k + "coldTasksPerSecond");
        if (Double.isNaN(cold)) {
          continue;
        }
        String w = "W1 production loop (" + (storage.equals("file") ? "file log, fsync" : "in-memory")
            + (label.equals("W1-loop") ? ", createJob per job" : ", one createJobs of all jobs") + ")";
        row(w, "create + place, cold: fresh JVM, first run (tasks/s; median (min-max, JVMs))",
            spread(k + "coldTasksPerSecond"), "", "", ">= 100,000", met(cold >= 100_000));
        row(w, "create + place, warm: median (min-max, runs) (tasks/s)", spread(k + "tasksPerSecond"), "", "",
            ">= 300,000", met(median(k + "tasksPerSecond") >= 300_000));
        row(w, "wall / loop thread CPU / client thread CPU, cold; warm median (s)", s(median(k + "coldSeconds"))
            + " / " + s(median(k + "coldLoopCpuSeconds")) + " / " + s(median(k + "coldClientCpuSeconds")) + "; "
            + s(median(k + "seconds")) + " / " + s(median(k + "loopCpuSeconds")) + " / "
            + s(median(k + "clientCpuSeconds")), "", "", "", "");
        String calls = label.equals("W1-loop") ? "createJob" : "createJobs";
        row(w, calls + " calls, cold / warm (s)", s(median(k + "coldCreateSeconds")) + " / "
            + s(median(k + "createSeconds")), "", "", "", "");
        row(w, "hosts used (manual loop: W1 hosts used)", n(median(k + "hostsUsed")), "", "", "", "");
        row(w, "ops per storage append (group commit)", s(median(k + "opsPerAppend")), "", "", "", "");
        row(w, "bytes allocated per task, cold / warm", n(median(k + "coldAllocatedBytesPerTask")) + " / "
            + n(median(k + "allocatedBytesPerTask")), "", "", "", "");
      }
    }
    double w4f = sum("W4-file|aurora|statusUpdates") / (sum("W4-file|aurora|nanos") / 1e9);
    if (!Double.isNaN(w4f)) {
      row("W4 status updates (file log, fsync)", "status updates/s (sustained)", n(w4f), "", "", ">= 100,000",
          met(w4f >= 100_000));
      row("W4 status updates (file log, fsync)", "ops per append / appends (fsyncs) per s",
          s(median("W4-file|aurora|opsPerAppend")) + " / " + n(median("W4-file|aurora|appendsPerSecond")), "", "",
          "", "");
    }
  }

  private void compareRows() {
    double a = median("W1-compare|aurora|tasksPerSecond");
    if (Double.isNaN(a)) {
      return;
    }
    String w = String.format(Locale.ROOT, "W1-compare (%,.0f agents, %,.0f tasks; same warm-up)",
        median("W1-compare|aurora|agents"), median("W1-compare|aurora|tasks"));
    double f = median("W1-compare|fenzo|tasksPerSecond");
    double ff = median("W1-compare|fenzo-full-search|tasksPerSecond");
    row(w, "tasks placed/s, whole workload (Fenzo: good-enough 0.5 / full)", n(a),
        n(f) + partial("W1-compare", "fenzo") + " / " + n(ff) + partial("W1-compare", "fenzo-full-search"),
        x(a / f) + " / " + x(a / ff), ">= 10x Fenzo", Double.isNaN(f + ff) ? "" : met(a / f >= 10 && a / ff >= 10));
    row(w, "seconds to place everything", s(median("W1-compare|aurora|seconds")),
        s(median("W1-compare|fenzo|seconds")) + " / " + s(median("W1-compare|fenzo-full-search|seconds")), "", "", "");
    double ah = median("W1-compare|aurora|hostsUsed");
    double fh = median("W1-compare|fenzo|hostsUsed");
    double ffh = median("W1-compare|fenzo-full-search|hostsUsed");
    row(w, "hosts used (fewer packs tighter)", n(ah), n(fh) + " / " + n(ffh), "", "<= Fenzo full",
        Double.isNaN(ffh) ? "" : met(ah <= ffh));
    row(w, "tasks placed / placeable by constraints", n(median("W1-compare|aurora|placed")) + " / "
        + n(median("W1-compare|aurora|placeable")), n(median("W1-compare|fenzo|placed")) + " / "
        + n(median("W1-compare|fenzo-full-search|placed")), "", "", "");
    row(w, "Fenzo scheduleOnce calls", "", n(median("W1-compare|fenzo|fenzoCalls")) + " / "
        + n(median("W1-compare|fenzo-full-search|fenzoCalls")), "", "", "");
    double ap = median("W1-compare|aurora|placeableLeftPending") + median("W1-compare|aurora|violations");
    row(w, "placeable tasks left pending + rule violations", n(ap),
        n(median("W1-compare|fenzo|placeableLeftPending") + median("W1-compare|fenzo|violations")) + " / "
            + n(median("W1-compare|fenzo-full-search|placeableLeftPending")
                + median("W1-compare|fenzo-full-search|violations")), "", "0", met(ap == 0));
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
