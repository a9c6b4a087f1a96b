package dev.aurora.core.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's compact record form ({@link CompactRecord}): what a placed task costs on disk, that every op
 * comes back as it was appended, that logs of JSON records (every release before it) still read, and
 * that torn and damaged compact records are handled as JSON ones are.
 */
class CompactRecordTest {
  private static final long NOW = 1_767_225_600_000L;

  @TempDir
  Path dir;

  /**
   * W1's 10,000 agents as the core names them in its placements: one id string and one host string per
   * agent, the same objects every time (the agent's own), not a new string per placement.
   */
  private static final String[] AGENT_IDS = new String[10_000];
  private static final String[] HOSTS = new String[10_000];

  static {
    for (int agent = 0; agent < AGENT_IDS.length; agent++) {
      AGENT_IDS[agent] = "agent-" + agent;
      HOSTS[agent] = "host-" + agent + ".rack-" + agent % 20 + ".example.com";
    }
  }

  /** One W1 job as the scheduler appends it per createJob: the job, its 100 tasks' creation and their placement. */
  static List<Op> w1Job(int j) {
    JobConfig job = Job.service("www-data/prod/web-" + j).instances(100)
        .task(t -> t.process("server", "./serve --port {{port.http}} --config /etc/web.conf").cpus(0.5).ramMb(512)
            .diskMb(1024).port("http"))
        .build();
    List<Op> record = new ArrayList<>();
    List<TaskId> ids = new ArrayList<>();
    int[] instances = new int[100];
    for (int i = 0; i < 100; i++) {
      instances[i] = i;
      ids.add(TaskId.of("www-data-prod-web-" + j + "-" + i + "-" + Long.toHexString(0x1f3a9c2e7b6d4a10L * (i + 7L * j) & Long.MAX_VALUE)));
    }
    record.add(new Op.SaveJob(job));
    record.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, NOW + j, instances, ids));
    for (int i = 0; i < 100; i++) {
      int agent = (i * 37 + j * 11) % 10_000;
      record.add(new Op.AssignTask(ids.get(i), AGENT_IDS[agent], HOSTS[agent], List.of(31_000 + i), NOW + j + 5));
    }
    return record;
  }

  /** Every kind of op, with the awkward values: non-ASCII, empty, negative and extreme numbers, repeats. */
  static List<Op> everyKind() {
    List<Op> ops = new ArrayList<>(w1Job(3));
    List<TaskId> ids = List.of(TaskId.of("ünï-0-ß"), TaskId.of("日本語-7-x"), TaskId.of("emoji \uD83D\uDE80"));
    JobConfig job = Job.service("www-data/prod/odd").instances(3).task(t -> t.process("p", "./run").cpus(1).ramMb(64))
        .build();
    ops.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, -5, new int[] {7, 2, 1_000_000}, ids));
    ops.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 0, new int[0], List.of()));
    ops.add(new Op.AssignTask(ids.get(0), "agent ünï", "", List.of(), Long.MIN_VALUE));
    ops.add(new Op.AssignTask(ids.get(1), "agent-1", "host-1", List.of(0, 65_535, Integer.MAX_VALUE, -1), Long.MAX_VALUE));
    for (ScheduleStatus status : ScheduleStatus.values()) {
      ops.add(new Op.SaveTaskStatus(ids.get(status.ordinal() % 3), status, NOW - status.ordinal(), ""));
      ops.add(new Op.SaveTaskStatus(ids.get(2), status, NOW, "message of " + status + " \"quoted\" \n 日本"));
    }
    ops.add(new Op.RemoveTasks(List.of(ids.get(0), TaskId.of("gone"))));
    ops.add(new Op.SaveTaskStatus(TaskId.of("gone"), ScheduleStatus.KILLED, 0, "message of KILLED \"quoted\" \n 日本"));
    ops.addAll(namedOutOfOrder());
    return ops;
  }

  /**
   * Strings named in the orders and shapes the encoder's shortcuts must not get wrong: a group's ids
   * placed backwards, skipping and from two jobs interleaved; an id named before its creation and one
   * created twice; texts with equal hash codes; equal texts in distinct objects; the same text as a task
   * id, an agent id, a host and a message.
   */
  static List<Op> namedOutOfOrder() {
    JobConfig job = Job.service("www-data/prod/order").instances(8).task(t -> t.process("p", "./run").cpus(1).ramMb(64))
        .build();
    // "Aa" and "BB" have the same hash code, so do all these ids
    List<TaskId> a = List.of(TaskId.of("AaAa"), TaskId.of("AaBB"), TaskId.of("BBAa"), TaskId.of("BBBB"));
    List<TaskId> b = List.of(TaskId.of("same"), TaskId.of("host-1"), TaskId.of("x-2"), TaskId.of("x-3"));
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.SaveTaskStatus(TaskId.of("x-2"), ScheduleStatus.LOST, 1, "before its creation"));
    ops.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 2, new int[] {0, 1, 2, 3}, a));
    ops.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 2, new int[] {4, 5, 6, 7}, b));
    ops.add(new Op.CreateTasks(job.key(), job.task(), ScheduleStatus.PENDING, 3, new int[] {8}, List.of(a.get(2))));
    int[] order = {3, 2, 1, 0, 4, 6, 5, 7, 0, 0, 7};
    for (int k = 0; k < order.length; k++) {
      TaskId id = order[k] < 4 ? a.get(order[k]) : b.get(order[k] - 4);
      // ids and hosts as fresh objects half of the time: equal text, another reference
      TaskId named = k % 2 == 0 ? id : TaskId.of(new String(id.value().toCharArray()));
      String agent = k % 3 == 0 ? "same" : "host-1";
      ops.add(new Op.AssignTask(named, agent, k % 2 == 0 ? "host-1" : new String("host-1".toCharArray()),
          List.of(k), 4 + k));
      ops.add(new Op.SaveTaskStatus(named, ScheduleStatus.RUNNING, 5 + k, k % 4 == 0 ? "same" : "AaAa"));
    }
    return ops;
  }

  @Test
  void recordsOfManyStringsComeBackWhateverTheRecordBeforeThem() throws IOException {
    RecordBuffer buffer = new RecordBuffer();
    List<Op> large = new ArrayList<>();
    for (int j = 0; j < 300; j++) {
      large.addAll(w1Job(j)); // 30,000 ids, 3,000 agents: the tables grow many times
    }
    // placed in another order than created: the last job's tasks first, each job's backwards
    List<Op> placements = new ArrayList<>();
    for (int j = 299; j >= 0; j--) {
      List<Op> job = w1Job(j).subList(2, 102);
      for (int i = job.size() - 1; i >= 0; i--) {
        placements.add(job.get(i));
      }
    }
    List<Op> reordered = new ArrayList<>();
    for (Op op : large) {
      if (!(op instanceof Op.AssignTask)) {
        reordered.add(op);
      }
    }
    reordered.addAll(placements);
    for (List<Op> ops : List.of(large, namedOutOfOrder(), reordered, w1Job(7), everyKind(), large)) {
      ByteBuffer sealed = buffer.logRecord(ops);
      assertThat(CompactRecord.read(sealed.array(), LogFormat.RECORD_HEADER_BYTES,
          sealed.limit() - LogFormat.RECORD_HEADER_BYTES, LogFormat.OP_READER)).containsExactlyElementsOf(ops);
    }
  }

  @Test
  void aPlacedTaskTakesUnder80BytesOfLog() throws IOException {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      long before = Files.size(dir.resolve("log"));
      for (int j = 0; j < 10; j++) {
        s.append(w1Job(j)); // per createJob
      }
      long perJob = Files.size(dir.resolve("log")) - before;
      List<Op> batch = new ArrayList<>();
      for (int j = 10; j < 20; j++) {
        batch.addAll(w1Job(j)); // one createJobs
      }
      s.append(batch);
      long batched = Files.size(dir.resolve("log")) - before - perJob;
      assertThat(perJob / 1_000.0).as("bytes of log per placed task, a record per job").isLessThan(80);
      assertThat(batched / 1_000.0).as("bytes of log per placed task, one record of 10 jobs").isLessThan(80);
      System.out.printf("bytes of log per placed task: %.1f a record per job, %.1f in one record of 10 jobs%n",
          perJob / 1_000.0, batched / 1_000.0);
    }
  }

  @Test
  void everyOpComesBackFromTheLogExactlyAsItWasAppended() {
    List<Op> ops = everyKind();
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(ops);
      s.append(w1Job(4));
      s.append(List.of(ops.get(0))); // a record of other ops alone: still JSON
    }
    try (Storage s = FileLogStorage.at(dir)) {
      List<Op> expected = new ArrayList<>(ops);
      expected.addAll(w1Job(4));
      expected.add(ops.get(0));
      assertThat(s.recover().log()).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aLogOfJsonRecordsAsEarlierReleasesWroteItIsReadAndAppendedTo() throws IOException {
    // the log as the release before the compact form wrote it: every record a JSON array of ops
    List<Op> first = everyKind();
    List<Op> second = w1Job(5);
    Files.createDirectories(dir);
    Files.write(dir.resolve("log"), concat(header("AURLOG01"), jsonRecord(first), jsonRecord(second)));
    assertThat(payloadStarts(Files.readAllBytes(dir.resolve("log")))).containsExactly((int) '[', (int) '[');

    List<Op> third = w1Job(6);
    try (Storage s = FileLogStorage.at(dir)) {
      List<Op> expected = new ArrayList<>(first);
      expected.addAll(second);
      assertThat(s.recover().log()).containsExactlyElementsOf(expected);
      s.append(third);
    }
    assertThat(payloadStarts(Files.readAllBytes(dir.resolve("log")))).containsExactly((int) '[', (int) '[', 0xC1);
    try (Storage s = FileLogStorage.at(dir)) {
      List<Op> expected = new ArrayList<>(first);
      expected.addAll(second);
      expected.addAll(third);
      assertThat(s.recover().log()).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aLogCutAnywhereInACompactLastRecordRecoversExactlyTheRecordsBeforeIt() throws IOException {
    long[] ends = new long[3];
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(w1Job(1));
      ends[1] = Files.size(dir.resolve("log"));
      s.append(everyKind());
      ends[2] = Files.size(dir.resolve("log"));
    }
    byte[] whole = Files.readAllBytes(dir.resolve("log"));
    assertThat(payloadStarts(whole)).as("both records are compact").containsExactly(0xC1, 0xC1);
    for (long cut = ends[1]; cut < ends[2]; cut += 1 + (cut - ends[1]) / 64) {
      Files.write(dir.resolve("log"), Arrays.copyOf(whole, (int) cut));
      try (Storage s = FileLogStorage.builder(dir).fsync(false).build()) {
        assertThat(s.recover().log()).as("log cut at %d", cut).containsExactlyElementsOf(w1Job(1));
      }
      assertThat(Files.size(dir.resolve("log"))).as("cut at %d: truncated to the last whole record", cut)
          .isEqualTo(ends[1]);
    }
    Files.write(dir.resolve("log"), whole);
    try (Storage s = FileLogStorage.at(dir)) {
      List<Op> expected = new ArrayList<>(w1Job(1));
      expected.addAll(everyKind());
      assertThat(s.recover().log()).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aCompactRecordThatPassesItsChecksumButBreaksTheFormIsRefusedNamingFileAndOffset() throws IOException {
    RecordBuffer buffer = new RecordBuffer();
    ByteBuffer sealed = buffer.logRecord(everyKind());
    byte[] good = Arrays.copyOfRange(sealed.array(), LogFormat.RECORD_HEADER_BYTES, sealed.limit());
    // the payload cut short, inside an entry, and an entry of an unknown kind, each with a valid checksum
    List<byte[]> bad = List.of(Arrays.copyOf(good, good.length - 3), Arrays.copyOf(good, 40),
        new byte[] {(byte) 0xC1, 9, 0, 0}, new byte[] {(byte) 0xC1, 3, 5});
    for (byte[] payload : bad) {
      Files.createDirectories(dir);
      Files.write(dir.resolve("log"), concat(header("AURLOG01"), rawRecord(payload), jsonRecord(w1Job(2))));
      byte[] before = Files.readAllBytes(dir.resolve("log"));
      assertThatThrownBy(() -> {
        try (Storage s = FileLogStorage.at(dir)) {
          s.recover();
        }
      }).isInstanceOf(StorageException.class).hasMessageContaining(dir.resolve("log").toString())
          .hasMessageContaining("offset " + LogFormat.HEADER_BYTES).hasMessageContaining("does not hold ops");
      assertThat(Files.readAllBytes(dir.resolve("log"))).as("a refusal changes nothing").isEqualTo(before);
    }
  }

  @Test
  void everyCutOfACompactPayloadDecodesOrIsRefusedAsNotHoldingOps() throws IOException {
    ByteBuffer sealed = new RecordBuffer().logRecord(everyKind());
    byte[] payload = Arrays.copyOfRange(sealed.array(), LogFormat.RECORD_HEADER_BYTES, sealed.limit());
    for (int length = 0; length < payload.length; length++) {
      try {
        List<Op> ops = CompactRecord.read(payload, 0, length, LogFormat.OP_READER);
        assertThat(ops).as("a cut at %d that decodes gives the first ops", length)
            .isEqualTo(everyKind().subList(0, ops.size()));
      } catch (IOException expected) {
        // refused: the recovery turns it into "does not hold ops", naming file and offset
      }
    }
  }

  @Test
  void snapshotsAreStillWrittenAsJsonRecords() throws IOException {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(w1Job(1));
      s.snapshot(w1Job(2));
    }
    byte[] snapshot = Files.readAllBytes(dir.resolve("snapshot"));
    assertThat(payloadStarts(snapshot)).containsOnly((int) '[');
    try (Storage s = FileLogStorage.at(dir)) {
      assertThat(s.recover().snapshot()).containsExactlyElementsOf(w1Job(2));
    }
  }

  /** The first payload byte of each record after the 28-byte header. */
  private static List<Integer> payloadStarts(byte[] file) {
    List<Integer> starts = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(file);
    for (int at = LogFormat.HEADER_BYTES; at + LogFormat.RECORD_HEADER_BYTES < file.length; ) {
      int length = b.getInt(at);
      starts.add(file[at + LogFormat.RECORD_HEADER_BYTES] & 0xFF);
      at += LogFormat.RECORD_HEADER_BYTES + length;
    }
    return starts;
  }

  private static byte[] jsonRecord(List<Op> ops) throws IOException {
    return rawRecord(LogFormat.WRITER.writeValueAsBytes(ops));
  }

  private static byte[] rawRecord(byte[] payload) {
    ByteBuffer record = ByteBuffer.allocate(LogFormat.RECORD_HEADER_BYTES + payload.length);
    record.putInt(payload.length).putInt(0).put(payload);
    record.putInt(4, LogFormat.recordCrc(record.array(), 0, payload.length));
    return record.array();
  }

  private static byte[] header(String magic) {
    ByteBuffer b = ByteBuffer.allocate(LogFormat.HEADER_BYTES);
    b.put(magic.getBytes(StandardCharsets.US_ASCII)).putLong(0).putLong(0);
    b.putInt(LogFormat.crc(b.array(), 0, LogFormat.HEADER_BYTES - 4));
    return b.array();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] all = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
