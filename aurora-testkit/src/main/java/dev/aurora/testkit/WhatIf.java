package dev.aurora.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskId;
import dev.aurora.api.Tier;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateId;
import dev.aurora.testkit.internal.sim.ScopedLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A what-if simulator for capacity planning: a described workload runs against a described cluster
 * for simulated hours in seconds, on the real scheduler, a {@link SimulatedCluster} and a {@link
 * FakeClock}, and the report answers what a planner asks: placement rate, pending-time percentiles,
 * allocation, preemptions, how long services took to recover after losing a rack, and how long a
 * rolling update of every service took.
 *
 * <pre>
 * mvn -o -B -q -pl aurora-testkit -am compile exec:java -Dexec.args="docs/examples/whatif.json target/whatif"
 * </pre>
 *
 * <p>Input (JSON; docs/testing.md documents every field):
 *
 * <pre>{@code
 * {"cluster": {"racks": 4, "agentsPerRack": 8, "cpus": 16, "ramMb": 65536},
 *  "hours": 4, "sampleSeconds": 60, "seed": 1,
 *  "jobs": [{"name": "www/prod/web", "instances": 60, "cpus": 1, "ramMb": 2048},
 *           {"name": "batch/prod/etl", "kind": "oneOff", "instances": 80, "cpus": 2, "ramMb": 4096,
 *            "tier": "preemptible", "startMinute": 10, "runMinutes": 30, "everyMinutes": 60}],
 *  "events": [{"atMinute": 60, "loseRack": 1, "forMinutes": 30}, {"atMinute": 150, "rollingUpdate": "all"}]}
 * }</pre>
 *
 * <p>Output: {@link Report#summary()}, a CSV time series ({@link Report#csv()}) and an SVG chart of
 * allocation and pending tasks over time ({@link Report#svg()}); {@link #main} writes {@code
 * whatif.csv} and {@code whatif.svg} to the output directory and prints the summary.
 */
public final class WhatIf {
  private static final Principal PLANNER = Principal.of("what-if");

  private WhatIf() {}

  /** {@code WhatIf <input.json> [output directory]}: prints the summary, writes whatif.csv and whatif.svg. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: WhatIf <input.json> [output directory]");
      System.exit(2);
    }
    Report r = run(Files.readString(Path.of(args[0])));
    Path out = Path.of(args.length > 1 ? args[1] : ".");
    Files.createDirectories(out);
    Files.writeString(out.resolve("whatif.csv"), r.csv());
    Files.writeString(out.resolve("whatif.svg"), r.svg());
    System.out.println(r.summary());
    System.out.println("wrote " + out.resolve("whatif.csv") + " and " + out.resolve("whatif.svg"));
  }

  /** What the simulated run measured. */
  public record Report(String summary, String csv, String svg, long placed, double placementsPerMinute,
      Map<String, Duration> pendingPercentiles, double meanCpuAllocation, double peakCpuAllocation,
      int preemptions, Map<String, Duration> rackRecovery, Map<String, Duration> rollingUpdates) {}

  private record Sample(long minute, double cpuPct, double ramPct, int running, int pending) {}

  private record JobSpec(String name, boolean oneOff, int instances, double cpus, long ramMb, Tier tier,
      long startMinute, long runMinutes, long everyMinutes) {}

  /** Runs the described cluster and workload and reports. */
  public static Report run(String json) {
    JsonNode in;
    try {
      in = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("what-if input is not JSON: " + e.getMessage(), e);
    }
    List<String> problems = new ArrayList<>();
    JsonNode c = in.path("cluster");
    int racks = c.path("racks").asInt(4);
    int perRack = c.path("agentsPerRack").asInt(8);
    double cpus = c.path("cpus").asDouble(16);
    long ramMb = c.path("ramMb").asLong(65_536);
    long hours = in.path("hours").asLong(4);
    long sampleSeconds = in.path("sampleSeconds").asLong(60);
    long seed = in.path("seed").asLong(1);
    if (racks < 1 || perRack < 1 || cpus <= 0 || ramMb <= 0) {
      problems.add("cluster: racks, agentsPerRack, cpus and ramMb must be positive");
    }
    if (hours < 1 || sampleSeconds < 1) {
      problems.add("hours and sampleSeconds must be positive");
    }
    List<JobSpec> jobs = new ArrayList<>();
    for (JsonNode j : in.path("jobs")) {
      String name = j.path("name").asText("");
      String kind = j.path("kind").asText("service");
      if (name.isEmpty()) {
        problems.add("a job has no name");
      }
      if (!kind.equals("service") && !kind.equals("oneOff")) {
        problems.add(name + ": kind must be service or oneOff, not " + kind);
      }
      Tier tier;
      try {
        tier = Tier.parse(j.path("tier").asText("preferred"));
      } catch (RuntimeException e) {
        problems.add(name + ": " + e.getMessage());
        tier = Tier.PREFERRED;
      }
      jobs.add(new JobSpec(name, kind.equals("oneOff"), j.path("instances").asInt(1), j.path("cpus").asDouble(1),
          j.path("ramMb").asLong(1024), tier, j.path("startMinute").asLong(0), j.path("runMinutes").asLong(30),
          j.path("everyMinutes").asLong(0)));
    }
    if (jobs.isEmpty()) {
      problems.add("jobs: at least one job is needed");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("what-if input has problems: " + String.join("; ", problems));
    }

    FakeClock clock = FakeClock.startingAtEpoch2026();
    Instant start = clock.instant();
    ManualStateLoop loop = new ManualStateLoop(clock);
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(racks * perRack)
        .attributes(i -> Map.of("rack", "r" + (i / perRack))).resources(cpus, ramMb, 10_000_000, 0).build();
    for (JobSpec j : jobs) {
      if (j.oneOff()) {
        cluster.behave(t -> t.instance().job().toString().startsWith(j.name()),
            SimulatedCluster.TaskBehavior.finishAfter(Duration.ofMinutes(j.runMinutes())));
      }
    }
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).storage(Storage.inMemory()).clock(clock)
        .loop(new ScopedLoop(loop)).randomSeed(seed).build();
    Map<TaskId, Instant> pendingSince = new HashMap<>();
    List<Duration> waits = new ArrayList<>();
    int[] preempted = new int[1];
    s.events().subscribe(e -> {
      if (e instanceof SchedulerEvent.TaskStateChanged tc) {
        if (tc.task().status() == ScheduleStatus.PENDING) {
          pendingSince.putIfAbsent(tc.task().id(), e.time());
        } else if (tc.task().status() == ScheduleStatus.ASSIGNED) {
          Instant since = pendingSince.remove(tc.task().id());
          if (since != null) {
            waits.add(Duration.between(since, e.time()));
          }
        } else if (tc.task().status().isTerminal()) {
          pendingSince.remove(tc.task().id());
        }
      } else if (e instanceof SchedulerEvent.TasksPreempted tp) {
        preempted[0] += tp.victims().size();
      }
    });
    s.start();
    loop.runUntilIdle();

    // what happens when, minute by minute
    Map<Long, List<Runnable>> at = new java.util.TreeMap<>();
    Map<String, JobConfig> services = new LinkedHashMap<>();
    for (JobSpec j : jobs) {
      long every = j.everyMinutes() > 0 ? j.everyMinutes() : Long.MAX_VALUE;
      int run = 0;
      for (long m = j.startMinute(); m < hours * 60; m += every) {
        int n = ++run;
        at.computeIfAbsent(m, k -> new ArrayList<>()).add(() -> {
          JobConfig config = config(j, j.oneOff() && j.everyMinutes() > 0 ? j.name() + "-" + n : j.name(), "1");
          if (!j.oneOff()) {
            services.put(j.name(), config);
          }
          s.createJob(config, PLANNER);
        });
        if (every == Long.MAX_VALUE) {
          break;
        }
      }
    }
    Map<String, Duration> rackRecovery = new LinkedHashMap<>();
    Map<String, Duration> rollingUpdates = new LinkedHashMap<>();
    List<Runnable> watchers = new ArrayList<>();
    for (JsonNode ev : in.path("events")) {
      long m = ev.path("atMinute").asLong(0);
      if (ev.has("loseRack")) {
        int rack = ev.path("loseRack").asInt();
        long back = ev.path("forMinutes").asLong(30);
        at.computeIfAbsent(m, k -> new ArrayList<>()).add(() -> {
          Instant lost = clock.instant();
          for (int i = rack * perRack; i < (rack + 1) * perRack && i < racks * perRack; i++) {
            cluster.loseAgent("agent-" + i);
          }
          boolean[] done = new boolean[1];
          watchers.add(() -> {
            if (!done[0] && allRunning(s, services)) {
              done[0] = true;
              rackRecovery.put("rack r" + rack + " lost at minute " + m, Duration.between(lost, clock.instant()));
            }
          });
        });
        at.computeIfAbsent(m + back, k -> new ArrayList<>()).add(() -> {
          for (int i = rack * perRack; i < (rack + 1) * perRack && i < racks * perRack; i++) {
            cluster.restoreAgent("agent-" + i);
          }
        });
      }
      if (ev.has("rollingUpdate")) {
        at.computeIfAbsent(m, k -> new ArrayList<>()).add(() -> {
          Instant started = clock.instant();
          for (Map.Entry<String, JobConfig> e : services.entrySet()) {
            JobSpec spec = jobs.stream().filter(j -> j.name().equals(e.getKey())).findFirst().orElseThrow();
            UpdateId id = s.startUpdate(e.getValue().key(), config(spec, spec.name(), "2"), PLANNER, "what-if");
            boolean[] done = new boolean[1];
            watchers.add(() -> {
              if (!done[0] && s.update(id).orElseThrow().status().isTerminal()) {
                done[0] = true;
                rollingUpdates.put(e.getKey() + " (" + s.update(id).get().status() + ")",
                    Duration.between(started, clock.instant()));
              }
            });
          }
        });
      }
    }

    List<Sample> samples = new ArrayList<>();
    double totalCpus = cpus * racks * perRack;
    double totalRam = (double) ramMb * racks * perRack;
    long end = hours * 3600;
    long nextMinute = 0;
    for (long t = 0; t <= end; t += sampleSeconds) {
      while (nextMinute * 60 <= t) {
        for (Runnable r : at.getOrDefault(nextMinute, List.of())) {
          try {
            r.run();
          } catch (RuntimeException e) {
            System.err.println("minute " + nextMinute + ": " + e.getMessage());
          }
        }
        nextMinute++;
      }
      loop.runUntilIdle();
      watchers.forEach(Runnable::run);
      double usedCpus = 0;
      double usedRam = 0;
      int running = 0;
      int pending = 0;
      for (ScheduledTask task : s.tasks(TaskQuery.all().active())) {
        if (task.status().isOnAgent()) {
          usedCpus += task.config().resources().cpus();
          usedRam += task.config().resources().ramMb();
        }
        if (task.status() == ScheduleStatus.RUNNING) {
          running++;
        } else if (task.status() == ScheduleStatus.PENDING) {
          pending++;
        }
      }
      samples.add(new Sample(t / 60, 100 * usedCpus / totalCpus, 100 * usedRam / totalRam, running, pending));
      if (t + sampleSeconds <= end) {
        loop.advance(Duration.ofSeconds(sampleSeconds));
      }
    }
    s.close();

    Collections.sort(waits);
    Map<String, Duration> percentiles = new LinkedHashMap<>();
    for (double p : new double[] {50, 90, 99, 100}) {
      percentiles.put(p == 100 ? "max" : "p" + (int) p,
          waits.isEmpty() ? Duration.ZERO : waits.get((int) Math.min(waits.size() - 1, Math.ceil(p / 100 * waits.size()) - 1 < 0 ? 0 : Math.ceil(p / 100 * waits.size()) - 1)));
    }
    double mean = samples.stream().mapToDouble(Sample::cpuPct).average().orElse(0);
    double peak = samples.stream().mapToDouble(Sample::cpuPct).max().orElse(0);
    double perMinute = waits.size() / (double) Math.max(1, hours * 60);

    StringBuilder sum = new StringBuilder();
    sum.append(String.format(Locale.ROOT, "what-if: %d agents (%d racks x %d), %.0f cpus, %d GiB; %d simulated hours%n",
        racks * perRack, racks, perRack, totalCpus, (long) (totalRam / 1024), hours));
    sum.append(String.format(Locale.ROOT, "placements: %d (%.1f per minute)%n", waits.size(), perMinute));
    sum.append("pending time: ");
    percentiles.forEach((k, v) -> sum.append(k).append(' ').append(v.toSeconds()).append(" s  "));
    sum.append('\n');
    sum.append(String.format(Locale.ROOT, "cpu allocation: mean %.1f %%, peak %.1f %%%n", mean, peak));
    sum.append("preemptions: ").append(preempted[0]).append('\n');
    rackRecovery.forEach((k, v) -> sum.append("recovery after ").append(k).append(": ").append(v.toSeconds())
        .append(" s\n"));
    if (in.path("events").toString().contains("loseRack") && rackRecovery.isEmpty()) {
      sum.append("recovery after losing a rack: services did not recover by the end\n");
    }
    rollingUpdates.forEach((k, v) -> sum.append("rolling update of ").append(k).append(": ").append(v.toSeconds())
        .append(" s\n"));
    if (!rollingUpdates.isEmpty()) {
      sum.append("rolling update of every service: ")
          .append(rollingUpdates.values().stream().mapToLong(Duration::toSeconds).max().orElse(0)).append(" s\n");
    }
    StringBuilder csv = new StringBuilder("minute,cpu_allocated_pct,ram_allocated_pct,running,pending\n");
    for (Sample x : samples) {
      csv.append(String.format(Locale.ROOT, "%d,%.2f,%.2f,%d,%d%n", x.minute(), x.cpuPct(), x.ramPct(), x.running(),
          x.pending()));
    }
    return new Report(sum.toString(), csv.toString(), svg(samples, hours), waits.size(), perMinute, percentiles,
        mean, peak, preempted[0], rackRecovery, rollingUpdates);
  }

  private static JobConfig config(JobSpec j, String name, String version) {
    JobKey key = JobKey.parse(name);
    var b = j.oneOff() ? Job.adhoc(key.toString()) : Job.service(key.toString());
    return b.instances(j.instances())
        .task(t -> t.process("main", "./run --version " + version).cpus(j.cpus()).ramMb(j.ramMb()).tier(j.tier()))
        .build();
  }

  private static boolean allRunning(Scheduler s, Map<String, JobConfig> services) {
    for (JobConfig c : services.values()) {
      if (s.tasks(TaskQuery.job(c.key()).states(ScheduleStatus.RUNNING)).size() < c.instances()) {
        return false;
      }
    }
    return true;
  }

  /** A line chart: cpu allocation in % (left axis) and pending tasks (right axis) over minutes. */
  private static String svg(List<Sample> samples, long hours) {
    int w = 800;
    int h = 300;
    int pad = 50;
    double maxPending = Math.max(1, samples.stream().mapToInt(Sample::pending).max().orElse(1));
    double minutes = Math.max(1, hours * 60);
    StringBuilder cpu = new StringBuilder();
    StringBuilder pend = new StringBuilder();
    for (Sample x : samples) {
      double px = pad + (w - 2 * pad) * x.minute() / minutes;
      cpu.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, h - pad - (h - 2 * pad) * x.cpuPct() / 100));
      pend.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, h - pad - (h - 2 * pad) * x.pending() / maxPending));
    }
    return String.format(Locale.ROOT, """
        <svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">
          <rect width="100%%" height="100%%" fill="white"/>
          <line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>
          <line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>
          <text x="%d" y="%d">0</text><text x="%d" y="%d">100%% cpu</text>
          <text x="%d" y="%d" text-anchor="end">%d pending</text>
          <text x="%d" y="%d" text-anchor="middle">minutes (0 to %d)</text>
          <polyline fill="none" stroke="steelblue" stroke-width="2" points="%s"/>
          <polyline fill="none" stroke="darkorange" stroke-width="1.5" points="%s"/>
          <text x="%d" y="20" fill="steelblue">cpu allocated (%%)</text>
          <text x="%d" y="20" fill="darkorange">pending tasks</text>
        </svg>
        """, w, h, pad, h - pad, w - pad, h - pad, pad, pad, pad, h - pad, pad - 20, h - pad + 4, pad - 45, pad + 4,
        w - 5, pad + 4, (int) maxPending, w / 2, h - 15, (long) minutes, cpu.toString().trim(), pend.toString().trim(),
        pad, pad + 200);
  }
}
