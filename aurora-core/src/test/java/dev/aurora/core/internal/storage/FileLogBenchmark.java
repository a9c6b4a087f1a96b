package dev.aurora.core.internal.storage;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Times the file log: append throughput with and without fsync, and recovery of 100,000 task ops
 * from the log and from a snapshot. Not a test (surefire runs only {@code *Test} classes); run it
 * as docs/storage.md shows, optionally with a directory on the disk to measure as its argument.
 */
public final class FileLogBenchmark {
  private static final JobConfig JOB = Job.service("www-data/prod/web").instances(100)
      .task(t -> t.process("server", "./server --port {{port.http}}").cpus(0.5).ramMb(256).port("http")).build();

  private FileLogBenchmark() {}

  /** Runs every measurement in {@code args[0]} (default {@code target/filelog-bench}). */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : "target/filelog-bench").toAbsolutePath();
    System.out.printf("file log benchmark in %s (%s), one SaveTask op = %d bytes of JSON%n", root,
        Files.getFileStore(Files.createDirectories(root)).type(),
        LogFormat.WRITER.writeValueAsBytes(List.of(op(0))).length);
    for (boolean fsync : new boolean[] {true, false}) {
      for (int batch : new int[] {1, 10, 100}) {
        appends(root, fsync, batch, fsync ? 3_000 / batch + 200 : 50_000 / batch + 500);
      }
    }
    recovery(root, 100_000);
  }

  private static void appends(Path root, boolean fsync, int batchSize, int batches) throws IOException {
    Path dir = fresh(root.resolve("append"));
    List<List<Op>> work = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      List<Op> batch = new ArrayList<>();
      for (int j = 0; j < batchSize; j++) {
        batch.add(op(i * batchSize + j));
      }
      work.add(batch);
    }
    try (Storage s = FileLogStorage.builder(dir).fsync(fsync).build()) {
      s.recover();
      int warmup = batches / 10;
      for (int i = 0; i < warmup; i++) {
        s.append(work.get(i));
      }
      long start = System.nanoTime();
      for (int i = warmup; i < batches; i++) {
        s.append(work.get(i));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int measured = batches - warmup;
      System.out.printf("append fsync=%-5s batch=%3d: %8.0f appends/s %9.0f ops/s  %7.3f ms/append  (%d appends)%n",
          fsync, batchSize, measured / seconds, measured * batchSize / seconds, seconds * 1000 / measured, measured);
    }
  }

  private static void recovery(Path root, int ops) throws IOException {
    Path dir = fresh(root.resolve("recover"));
    List<Op> all = new ArrayList<>(ops);
    for (int i = 0; i < ops; i++) {
      all.add(op(i));
    }
    try (Storage s = FileLogStorage.builder(dir).fsync(false).build()) {
      s.recover();
      for (int i = 0; i < ops; i += 10) {
        s.append(all.subList(i, i + 10));
      }
    }
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      try (Storage s = FileLogStorage.at(dir)) {
        int n = s.recover().log().size();
        System.out.printf("recover %d ops from a log of %d records (%.1f MB): %.0f ms%n", n, ops / 10,
            Files.size(dir.resolve("log")) / 1e6, (System.nanoTime() - start) / 1e6);
      }
    }
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      long start = System.nanoTime();
      s.snapshot(all);
      System.out.printf("snapshot of %d ops (%.1f MB, fsync on): %.0f ms%n", ops,
          Files.size(dir.resolve("snapshot")) / 1e6, (System.nanoTime() - start) / 1e6);
    }
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      try (Storage s = FileLogStorage.at(dir)) {
        int n = s.recover().snapshot().size();
        System.out.printf("recover %d ops from a snapshot: %.0f ms%n", n, (System.nanoTime() - start) / 1e6);
      }
    }
  }

  private static Op op(int i) {
    return new Op.SaveTask(ScheduledTask.restore(TaskId.of("www-data-prod-web-" + (i % 100) + "-" + i), JOB.key(),
        i % 100, JOB.task(), ScheduleStatus.RUNNING, "agent-" + (i % 50), "host-" + (i % 50), Map.of("http", 31000 + i % 1000),
        List.of(new TaskEvent(Instant.parse("2026-01-01T00:00:00Z"), ScheduleStatus.PENDING, ""),
            new TaskEvent(Instant.parse("2026-01-01T00:00:01Z"), ScheduleStatus.ASSIGNED, ""),
            new TaskEvent(Instant.parse("2026-01-01T00:00:02Z"), ScheduleStatus.STARTING, ""),
            new TaskEvent(Instant.parse("2026-01-01T00:00:03Z"), ScheduleStatus.RUNNING, "")),
        0, 0, true));
  }

  private static Path fresh(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(dir);
  }
}
