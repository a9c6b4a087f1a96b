package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobBuilder;
import dev.aurora.api.Principal;
import dev.aurora.api.Tier;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/testing.md promises that a run on the testkit replays exactly: the same seed and the same input
 * give the same run, in any JVM. Each run here is a fresh JVM, so nothing (an identity hash, a class
 * initialised earlier) carries over from one to the other.
 */
class SameSeedSameRunTest {
  private static final Duration CHILD_TIMEOUT = Duration.ofMinutes(2);

  @Test
  void aSeededRunPlacesEveryTaskOnTheSameAgentInEveryFreshJvm(@TempDir Path dir) throws Exception {
    // The second JVM has done other work first (as an application embedding the scheduler would): its
    // identity hashes, those of enum constants included, are not the first JVM's.
    List<String> first = runInFreshJvm(dir.resolve("first.txt"), 0);
    List<String> second = runInFreshJvm(dir.resolve("second.txt"), 10_007);

    assertThat(first).hasSizeGreaterThan(1_000);
    List<String> differing = new ArrayList<>();
    for (int i = 0; i < Math.min(first.size(), second.size()) && differing.size() < 10; i++) {
      if (!first.get(i).equals(second.get(i))) {
        differing.add(first.get(i) + "  vs  " + second.get(i));
      }
    }
    assertThat(differing).as("placements that differ between two JVMs (first 10)").isEmpty();
    assertThat(second).containsExactlyElementsOf(first);
  }

  private static List<String> runInFreshJvm(Path out, int hashesBefore) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Workload.class.getName(), out.toString(),
        Integer.toString(hashesBefore));
    pb.redirectErrorStream(true);
    pb.redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile());
    Process p = pb.start();
    if (!p.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the workload did not finish within " + CHILD_TIMEOUT);
    }
    String log = Files.readString(out.resolveSibling(out.getFileName() + ".log"), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("child JVM exit; its output:%n%s", log).isZero();
    return Files.readAllLines(out, StandardCharsets.UTF_8);
  }

  /**
   * The seeded workload, run in a child JVM: 300 agents in 15 racks and 3 zones, 160 jobs of a few
   * resource shapes created at the same moment (so many groups tie on priority and pending time), with
   * host and rack limits, zone constraints and mixed tiers, more than the cluster holds, placed by
   * bin-pack. Writes one line per task, {@code task-id host}, in task id order.
   */
  public static final class Workload {
    public static void main(String[] args) throws IOException {
      Path out = Path.of(args[0]);
      int hashesBefore = Integer.parseInt(args[1]);
      int sink = 0;
      for (int i = 0; i < hashesBefore; i++) {
        sink += System.identityHashCode(new Object());
      }
      List<String> lines = run(new Random(1234));
      Files.write(out, lines, StandardCharsets.UTF_8);
      System.out.println("sink " + sink + ", hosts used "
          + lines.stream().map(l -> l.substring(l.indexOf(' ') + 1)).filter(h -> !h.equals("-")).distinct().count());
    }

    static List<String> run(Random random) {
      FakeClock clock = FakeClock.startingAtEpoch2026();
      ManualStateLoop loop = new ManualStateLoop(clock);
      SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(300)
          .attributes(i -> Map.of("rack", "r" + (i % 15), "zone", "z" + (i % 3)))
          .resources(8, 16_384, 100_000, 0).build();
      Scheduler scheduler = Scheduler.builder().backend(cluster).storage(Storage.inMemory()).clock(clock)
          .loop(loop).meterRegistry(new SimpleMeterRegistry()).randomSeed(7).build();
      scheduler.start();
      loop.runUntilIdle();
      Principal principal = Principal.of("test");
      double[] cpus = {0.5, 1, 2};
      long[] ram = {512, 1024, 2048};
      Tier[] tiers = {Tier.PREFERRED, Tier.PREEMPTIBLE};
      for (int j = 0; j < 160; j++) {
        int shape = random.nextInt(3);
        Tier tier = tiers[random.nextInt(2)];
        int kind = random.nextInt(4);
        JobBuilder b = Job.service("role" + (j % 7) + "/prod/job" + j).instances(4 + random.nextInt(12))
            .task(t -> t.process("p", "./run").cpus(cpus[shape]).ramMb(ram[shape]).tier(tier));
        switch (kind) {
          case 0 -> b.constraint(Constraint.limit("host", 1));
          case 1 -> b.constraint(Constraint.limit("rack", 1 + random.nextInt(2)));
          case 2 -> b.constraint(Constraint.value("zone", "z" + random.nextInt(3)));
          default -> { }
        }
        scheduler.createJob(b.build(), principal);
      }
      loop.advance(Duration.ofSeconds(30));
      List<String> lines = new ArrayList<>();
      for (ScheduledTask t : scheduler.tasks(TaskQuery.all())) {
        lines.add(t.id() + " " + t.host().orElse("-"));
      }
      lines.sort(null);
      scheduler.close();
      return lines;
    }
  }
}
