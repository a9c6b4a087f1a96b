package dev.aurora.core.internal.storage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.aurora.api.AuroraJson;
import dev.aurora.core.Op;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What encoding W1's records costs the thread that appends them (not a test): a record of one job as
 * W1 on the production loop appends it per {@code createJob} (its {@code createTasks} of 100 tasks and the
 * 100 {@code assignTask}s of its placement), encoded by the log's writer and by the model's mapper (what
 * the log used before it had its own serializers for the hot ops), alternating, in thread CPU time per
 * task (so other load on the machine counts less than in wall time). Run:
 *
 * <pre>
 * java -Xms4g -Xmx4g -XX:+UseParallelGC -cp target/test-classes:target/classes:$(cat target/test-classpath.txt) \
 *     dev.aurora.core.internal.storage.EncodeBenchmark [rounds] [batch]
 * </pre>
 *
 * <p>With {@code [rounds] batch}: the record of W1's one {@code createJobs} (1,000 jobs, each as {@link
 * CompactRecordTest#w1Job}) built by the
 * log's record buffer, in thread CPU time per task, as a JSON array and in the compact form the log
 * writes since wave 12 ({@link CompactRecord}), alternating.
 */
public final class EncodeBenchmark {
  private EncodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    ObjectWriter model = AuroraJson.newMapper()
        .registerModule(new SimpleModule("instants").addSerializer(Instant.class, new IsoInstantSerializer()))
        .writerFor(new TypeReference<List<Op>>() {}).without(SerializationFeature.INDENT_OUTPUT);
    List<Op> record = CompactRecordTest.w1Job(17);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (args.length > 1 && args[1].equals("batch")) {
      batch(record, rounds, threads);
      return;
    }
    Counter sink = new Counter();
    int records = 2_000; // 200,000 tasks a round
    for (int round = 1; round <= rounds; round++) {
      for (ObjectWriter writer : List.of(model, LogFormat.WRITER)) {
        long cpu = threads.getCurrentThreadCpuTime();
        for (int r = 0; r < records; r++) {
          writer.writeValue(sink, record);
        }
        double nanosPerTask = (threads.getCurrentThreadCpuTime() - cpu) / (records * 100.0);
        System.out.printf("round %d %-10s %7.1f ns of CPU per task (%d bytes a record)%n", round,
            writer == model ? "model" : "log", nanosPerTask, sink.bytes / records);
        sink.bytes = 0;
      }
    }
  }

  /**
   * The record of W1's one {@code createJobs} (1,000 such jobs, 100,000 tasks, about 21 MB) built by the
   * log's {@link RecordBuffer}, as the loop builds it: encoding, the buffer, the CRC. Each form has its own
   * buffer, kept from round to round as the log keeps its own.
   */
  private static void batch(List<Op> job, int rounds, ThreadMXBean threads) throws Exception {
    List<Op> all = new ArrayList<>();
    for (int j = 0; j < 1_000; j++) {
      all.addAll(CompactRecordTest.w1Job(j)); // 1,000 jobs with their own ids, hosts and times, as W1's
    }
    // a buffer per form, as the log's one buffer is used by compact records only on W1: a 23 MB JSON
    // record in between would make the compact record grow a fresh buffer every round
    RecordBuffer jsonBuffer = new RecordBuffer();
    RecordBuffer compactBuffer = new RecordBuffer();
    for (int round = 1; round <= rounds; round++) {
      for (boolean compact : new boolean[] {false, true}) {
        RecordBuffer buffer = compact ? compactBuffer : jsonBuffer;
        buffer.record(job); // a small record first, as an append before the batch would leave the buffer
        long cpu = threads.getCurrentThreadCpuTime();
        int size = (compact ? buffer.logRecord(all) : buffer.record(all)).remaining();
        double nanosPerTask = (threads.getCurrentThreadCpuTime() - cpu) / 100_000.0;
        System.out.printf("round %d batch record, %-7s %7.1f ns of CPU per task (%d bytes, %.1f a task)%n", round,
            compact ? "compact" : "JSON", nanosPerTask, size, size / 100_000.0);
      }
    }
  }

  private static final class Counter extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }
}
