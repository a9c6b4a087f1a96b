package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.testkit.SimulatedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduler closed at any moment, on its production state loop and a file log, stops cleanly: no
 * storage failure, and everything it acknowledged is there at the next start.
 */
class CleanStopTest {
  @TempDir
  Path state;

  static JobConfig service(String key) {
    return Job.service(key).instances(2)
        .task(t -> t.process("server", "./server").cpus(0.1).ramMb(16).diskMb(1)).build();
  }

  private static Scheduler scheduler(Path state) {
    StateLoop loop = StateLoop.singleThread(Clock.systemUTC());
    SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(4)
        .delays(Duration.ZERO, Duration.ZERO).build();
    // without fsync, to keep 200 restarts fast: the writes (and their interruption) are the same
    return Scheduler.builder().loop(loop).backend(cluster)
        .storage(FileLogStorage.builder(state).fsync(false).build()).build();
  }

  /** Runs {@code body} and returns what was logged meanwhile (slf4j-simple logs to System.err). */
  private static String logOf(Runnable body) {
    PrintStream err = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(err);
    }
    String output = log.toString(StandardCharsets.UTF_8);
    err.print(output.length() > 4000 ? output.substring(0, 4000) + "...\n" : output);
    return output;
  }

  @Test
  void closeRightAfterStartIsNoStorageFailureAndLosesNothingAcknowledged() {
    // A directory per run keeps each recovery small: one run's acknowledged job, not every earlier run's.
    List<JobKey> acknowledged = new ArrayList<>();
    String log = logOf(() -> {
      for (int i = 0; i < 200; i++) {
        Scheduler scheduler = scheduler(state.resolve("run-" + i));
        scheduler.start();
        JobConfig job = service("www-data/prod/web-" + i);
        scheduler.createJob(job, TEST_PRINCIPAL); // acknowledged: stored before it returns
        acknowledged.add(job.key());
        scheduler.close(); // while the tasks it created are being placed and stored
      }
    });
    assertThat(log).doesNotContain("storage failed").doesNotContain("ERROR")
        .doesNotContain("ClosedByInterruptException");

    for (int i = 0; i < acknowledged.size(); i++) {
      Scheduler scheduler = scheduler(state.resolve("run-" + i));
      try {
        scheduler.start();
        assertThat(scheduler.jobs()).extracting(JobConfig::key).as("run %s", i).contains(acknowledged.get(i));
      } finally {
        scheduler.close();
      }
    }
  }
}
