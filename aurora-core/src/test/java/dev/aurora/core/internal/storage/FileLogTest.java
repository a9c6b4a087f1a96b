package dev.aurora.core.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.Job;
import dev.aurora.api.TaskId;
import dev.aurora.core.FileLogStorage;
import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash recovery, damage detection, the lock and the options of the file log. */
class FileLogTest {
  @TempDir
  Path dir;

  static List<Op> batch(int n) {
    return List.of(
        new Op.SaveJob(Job.service("role/env/job" + n).instances(1)
            .task(t -> t.process("p", "./run " + n).cpus(1).ramMb(64)).build()),
        new Op.RemoveTasks(List.of(TaskId.of("task-" + n))));
  }

  static List<Op> concat(List<Op> a, List<Op> b) {
    List<Op> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Appends three batches and returns the log's size after each (so record i spans ends[i-1]..ends[i]). */
  private long[] appendThree() throws IOException {
    long[] ends = new long[4];
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      ends[0] = Files.size(log());
      for (int i = 1; i <= 3; i++) {
        s.append(batch(i));
        ends[i] = Files.size(log());
      }
    }
    return ends;
  }

  private Path log() {
    return dir.resolve("log");
  }

  private Storage.Stored recover() {
    try (Storage s = FileLogStorage.at(dir)) {
      return s.recover();
    }
  }

  /** Recovers as {@link #recover()} does, without forcing the truncation to disk: for tests that recover hundreds of times. */
  private Storage.Stored recoverQuickly() {
    try (Storage s = FileLogStorage.builder(dir).fsync(false).build()) {
      return s.recover();
    }
  }

  @Test
  void eachAppendIsOneRecordAfterTheHeader() throws IOException {
    long[] ends = appendThree();
    assertThat(ends[0]).isEqualTo(LogFormat.HEADER_BYTES);
    assertThat(ends[1]).isGreaterThan(ends[0] + LogFormat.RECORD_HEADER_BYTES);
    assertThat(recover().log()).containsExactlyElementsOf(concat(concat(batch(1), batch(2)), batch(3)));
  }

  @Test
  void aLogCutAnywhereInItsLastRecordRecoversExactlyTheBatchesBeforeIt() throws IOException {
    long[] ends = appendThree();
    byte[] whole = Files.readAllBytes(log());
    List<Op> firstTwo = concat(batch(1), batch(2));
    for (long cut = ends[2]; cut < ends[3]; cut++) {
      Files.write(log(), Arrays.copyOf(whole, (int) cut));
      assertThat(recoverQuickly().log()).as("log cut at %d", cut).containsExactlyElementsOf(firstTwo);
      assertThat(Files.size(log())).as("log cut at %d is truncated to the last whole record", cut).isEqualTo(ends[2]);
    }
    Files.write(log(), whole);
    assertThat(recover().log()).containsExactlyElementsOf(concat(firstTwo, batch(3)));
  }

  @Test
  void appendsAfterATruncatedTailFollowTheLastWholeRecord() throws IOException {
    long[] ends = appendThree();
    byte[] whole = Files.readAllBytes(log());
    Files.write(log(), Arrays.copyOf(whole, (int) (ends[2] + (ends[3] - ends[2]) / 2)));
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(4));
    }
    assertThat(recover().log()).containsExactlyElementsOf(concat(concat(batch(1), batch(2)), batch(4)));
  }

  @Test
  void aTailOfZeroesOfUnknownLengthIsRefusedAndTheRepairDropsIt() throws IOException {
    long[] ends = appendThree();
    // a record whose length never reached the disk, or acknowledged records zeroed: the bytes cannot tell
    Files.write(log(), new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("offset " + ends[3]);
    assertThat(Files.size(log())).as("a refusal changes nothing").isEqualTo(ends[3] + 4096);

    FileLogStorage.Truncation cut = FileLogStorage.repair(dir).orElseThrow();
    assertThat(cut.offset()).isEqualTo(ends[3]);
    assertThat(cut.droppedBytes()).isEqualTo(4096);
    assertThat(recover().log()).hasSize(6);
    assertThat(Files.size(log())).isEqualTo(ends[3]);
  }

  /** Appends {@code n} batches and returns the log's size after each, as {@link #appendThree} does. */
  private long[] append(int n) throws IOException {
    long[] ends = new long[n + 1];
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      ends[0] = Files.size(log());
      for (int i = 1; i <= n; i++) {
        s.append(batch(i));
        ends[i] = Files.size(log());
      }
    }
    return ends;
  }

  /** The batches 1..n, as one list of ops. */
  private static List<Op> batches(int n) {
    List<Op> all = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      all.addAll(batch(i));
    }
    return all;
  }

  @Test
  void damageSpanningSeveralRecordsAtTheTailIsRefusedNamingFileAndOffset() throws IOException {
    long[] ends = append(12);
    long size = ends[12];
    long zeroedFrom = size - 4096;
    int firstBad = 0; // the record the zeroes start in
    while (ends[firstBad + 1] <= zeroedFrom) {
      firstBad++;
    }
    assertThat(12 - firstBad).as("the zeroes span several acknowledged records").isGreaterThanOrEqualTo(3);
    byte[] bytes = Files.readAllBytes(log());
    Arrays.fill(bytes, (int) zeroedFrom, (int) size, (byte) 0);
    Files.write(log(), bytes);

    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString())
        .hasMessageContaining("offset " + ends[firstBad])
        .hasMessageContaining("repairDamagedTail");
    assertThat(Files.readAllBytes(log())).as("a refusal changes nothing").isEqualTo(bytes);
  }

  @Test
  void theRepairOptionTruncatesADamagedTailToTheLastGoodRecordAndSaysWhatItDrops() throws IOException {
    long[] ends = append(12);
    byte[] bytes = Files.readAllBytes(log());
    Arrays.fill(bytes, (int) ends[8] + 2, (int) ends[12], (byte) 0); // records 9..12 zeroed from their length on
    Files.write(log(), bytes);

    try (FileLogStorage s = FileLogStorage.builder(dir).repairDamagedTail(true).build()) {
      assertThat(s.recover().log()).containsExactlyElementsOf(batches(8));
      FileLogStorage.Truncation cut = s.lastTruncation().orElseThrow();
      assertThat(cut.file()).isEqualTo(log());
      assertThat(cut.offset()).isEqualTo(ends[8]);
      assertThat(cut.droppedBytes()).isEqualTo(ends[12] - ends[8]);
      assertThat(cut.intactRecordsDropped()).isZero();
      assertThat(cut.toString()).contains(log().toString(), "offset " + ends[8], (ends[12] - ends[8]) + " bytes");
      s.append(batch(13));
    }
    assertThat(Files.size(log())).isGreaterThan(ends[8]);
    assertThat(recover().log()).containsExactlyElementsOf(concat(batches(8), batch(13)));
    try (FileLogStorage s = FileLogStorage.builder(dir).repairDamagedTail(true).build()) {
      s.recover();
      assertThat(s.lastTruncation()).as("nothing left to repair").isEmpty();
    }
  }

  @Test
  void theRepairAlsoCutsDamageInTheMiddleCountingTheIntactRecordsItDrops() throws IOException {
    long[] ends = appendThree();
    byte[] bytes = Files.readAllBytes(log());
    bytes[(int) ends[1] + 12] ^= 0x40;
    Files.write(log(), bytes);
    FileLogStorage.Truncation cut = FileLogStorage.repair(dir).orElseThrow();
    assertThat(cut.offset()).isEqualTo(ends[1]);
    assertThat(cut.droppedBytes()).isEqualTo(ends[3] - ends[1]);
    assertThat(cut.intactRecordsDropped()).isEqualTo(1);
    assertThat(recover().log()).containsExactlyElementsOf(batch(1));
  }

  @Test
  void aDroppedLastRecordIsReportedAsPossiblyAcknowledged() throws IOException {
    long[] ends = appendThree();
    byte[] whole = Files.readAllBytes(log());
    Files.write(log(), Arrays.copyOf(whole, (int) ends[3] - 10));
    String warning = stderrOf(() -> {
      try (FileLogStorage s = FileLogStorage.at(dir)) {
        s.recover();
        FileLogStorage.Truncation cut = s.lastTruncation().orElseThrow();
        assertThat(cut.offset()).isEqualTo(ends[2]);
        assertThat(cut.droppedBytes()).isEqualTo(ends[3] - 10 - ends[2]);
      }
    });
    assertThat(warning).contains(log().toString(), "offset " + ends[2], "may have been acknowledged")
        .doesNotContain("never acknowledged");
  }

  /** What {@code r} writes to standard error, where the test logger writes. */
  private static String stderrOf(Runnable r) {
    java.io.PrintStream was = System.err;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(was);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLogCutToItsHeaderAfterAcknowledgedAppendsIsRefused() throws IOException {
    append(2);
    byte[] bytes = Files.readAllBytes(log());
    Files.write(log(), Arrays.copyOf(bytes, LogFormat.HEADER_BYTES));
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("no records");
    assertThat(Files.size(log())).isEqualTo(LogFormat.HEADER_BYTES);
  }

  @Test
  void aLogCutToItsHeaderAfterASnapshotAndAppendsIsRefused() throws IOException {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      s.snapshot(batch(1));
      s.append(batch(2));
    }
    byte[] bytes = Files.readAllBytes(log());
    Files.write(log(), Arrays.copyOf(bytes, LogFormat.HEADER_BYTES));
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("no records");
  }

  @Test
  void aBadOnlyRecordOfALogThatHeldRecordsIsRefusedUnlessRepairing() throws IOException {
    long[] ends = append(1);
    byte[] bytes = Files.readAllBytes(log());
    bytes[(int) ends[1] - 3] ^= 0x01;
    Files.write(log(), bytes);
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("offset " + ends[0]);
    FileLogStorage.Truncation cut = FileLogStorage.repair(dir).orElseThrow();
    assertThat(cut.offset()).isEqualTo(ends[0]);
    assertThat(cut.repair()).isTrue();
    assertThat(recover().log()).isEmpty();
  }

  @Test
  void aLogDeletedFromADirectoryThatHeldStateIsRefused() throws IOException {
    append(2);
    Files.delete(log());
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("removed");
    assertThat(log()).doesNotExist();
  }

  @Test
  void aLogAndItsMarkerDeletedBesideTheLockFileOfAnEarlierOpenAreRefused() throws IOException {
    append(2);
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("lock")) {
          Files.delete(f);
        }
      }
    }
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining(dir.resolve("lock").toString());
  }

  @Test
  void aNewDirectoryAndAnEmptyLogAfterASnapshotStartFine() throws IOException {
    assertThat(recover().log()).isEmpty();
    assertThat(recover().log()).as("reopened with nothing appended").isEmpty();
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      s.snapshot(batch(1));
    }
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(1));
    assertThat(stored.log()).isEmpty();
    Path fresh = dir.resolve("fresh");
    try (Storage s = FileLogStorage.at(fresh)) {
      assertThat(s.recover().log()).isEmpty();
    }
  }

  @Test
  void aDamagedByteAnywhereInAMiddleRecordIsRefusedNamingFileAndOffset() throws IOException {
    long[] ends = appendThree();
    byte[] whole = Files.readAllBytes(log());
    for (long at = ends[1]; at < ends[2]; at++) {
      byte[] damaged = whole.clone();
      damaged[(int) at] ^= 0x40;
      Files.write(log(), damaged);
      assertThatThrownBy(this::recoverQuickly).as("byte %d flipped", at)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining(log().toString())
          .hasMessageContaining("damaged in the middle")
          .hasMessageContaining("offset " + ends[1])
          .hasMessageContaining("valid record follows at offset " + ends[2]);
    }
    Files.write(log(), whole);
    assertThat(recover().log()).hasSize(6); // a refusal changes nothing on disk
  }

  @Test
  void aDamagedLastRecordCannotBeToldFromATornWriteAndIsDropped() throws IOException {
    long[] ends = appendThree();
    byte[] damaged = Files.readAllBytes(log());
    damaged[(int) (ends[3] - 3)] ^= 0x01;
    Files.write(log(), damaged);
    assertThat(recover().log()).containsExactlyElementsOf(concat(batch(1), batch(2)));
  }

  @Test
  void aDamagedSnapshotIsRefused() throws IOException {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.snapshot(concat(batch(1), batch(2)));
    }
    Path snapshot = dir.resolve("snapshot");
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length - 5] ^= 0x01;
    Files.write(snapshot, bytes);
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(snapshot.toString()).hasMessageContaining("damaged at offset " + LogFormat.HEADER_BYTES);

    Files.write(snapshot, Arrays.copyOf(bytes, LogFormat.HEADER_BYTES)); // cut short: header only
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class).hasMessageContaining(snapshot.toString());
  }

  @Test
  void aLargeSnapshotSpansManyRecordsAndComesBackWhole() {
    List<Op> big = new ArrayList<>();
    for (int i = 0; i < 5 * LogFormat.SNAPSHOT_OPS_PER_RECORD + 7; i++) {
      big.add(new Op.RemoveTasks(List.of(TaskId.of("t" + i))));
    }
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.snapshot(big);
      s.append(batch(1));
    }
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(big);
    assertThat(stored.log()).containsExactlyElementsOf(batch(1));
  }

  @Test
  void aCrashBetweenWritingTheSnapshotAndRenamingItRecoversTheOldState() throws IOException {
    // a complete new snapshot, written elsewhere, stands in for the temporary file a crash left behind
    Path other = dir.resolve("other");
    try (Storage s = FileLogStorage.at(other)) {
      s.recover();
      s.snapshot(batch(9));
    }
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.snapshot(batch(1));
      s.append(batch(2));
    }
    Files.copy(other.resolve("snapshot"), dir.resolve("snapshot.tmp"));
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(1));
    assertThat(stored.log()).containsExactlyElementsOf(batch(2));
    assertThat(dir.resolve("snapshot.tmp")).doesNotExist();

    Files.write(dir.resolve("snapshot.tmp"), new byte[] {1, 2, 3}); // or half written
    assertThat(recover().log()).containsExactlyElementsOf(batch(2));
  }

  @Test
  void aCrashAfterTheSnapshotRenameAndBeforeTheNewLogRecoversTheSnapshotAlone() throws IOException {
    byte[] oldLog;
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      oldLog = Files.readAllBytes(log());
      s.snapshot(batch(2));
    }
    Files.write(log(), oldLog); // the old log, still in place: its generation predates the snapshot's
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(2));
    assertThat(stored.log()).isEmpty();

    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(3));
    }
    assertThat(recover().log()).containsExactlyElementsOf(batch(3));
  }

  @Test
  void aSnapshotThatCannotBeWrittenKeepsThePreviousStateAndAppendsGoOn() throws IOException {
    Path blocker = dir.resolve("snapshot.tmp");
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      Files.createDirectories(blocker.resolve("in-the-way"));
      s.snapshot(batch(9)); // written in the background: its failure is logged, the old snapshot and log kept
      s.append(batch(2));
    }
    Files.delete(blocker.resolve("in-the-way"));
    Files.delete(blocker);
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).isEmpty();
    assertThat(stored.log()).containsExactlyElementsOf(concat(batch(1), batch(2)));
  }

  @Test
  void batchesAppendedWhileASnapshotIsWrittenFollowItAfterRecovery() {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      s.snapshot(batch(9));
      s.append(batch(2));
      s.append(batch(3));
      s.snapshot(batch(8)); // the first one is installed before the second is taken
      s.append(batch(4));
    }
    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(8));
    assertThat(stored.log()).containsExactlyElementsOf(batch(4));
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(5));
    }
    assertThat(recover().log()).containsExactlyElementsOf(concat(batch(4), batch(5)));
  }

  @Test
  void aCrashBetweenInstallingASnapshotAndItsLogKeepsTheBatchesAppendedWhileItWasWritten() throws IOException {
    // What a crash between the two renames leaves: the new snapshot in place, the old log (generation 0,
    // every batch, and the marker still naming it) as "log", and the new log (generation 1: the batch
    // appended while the snapshot was written, forced before the snapshot's rename) as "log.tmp".
    Path old = dir.resolve("old");
    try (Storage s = FileLogStorage.at(old)) {
      s.recover();
      s.append(batch(1));
      s.append(batch(2));
    }
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.append(batch(1));
      s.snapshot(batch(9));
      s.append(batch(2));
    }
    Files.move(log(), dir.resolve("log.tmp"));
    Files.copy(old.resolve("log"), log());
    Files.copy(old.resolve("log.mark"), dir.resolve("log.mark"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    Storage.Stored stored = recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(9));
    assertThat(stored.log()).containsExactlyElementsOf(batch(2));
    assertThat(dir.resolve("log.tmp")).doesNotExist();
    assertThat(recover().log()).containsExactlyElementsOf(batch(2));
  }

  @Test
  void aMissingSnapshotOrLogIsRefusedRatherThanGuessed() throws IOException {
    try (Storage s = FileLogStorage.at(dir)) {
      s.recover();
      s.snapshot(batch(1));
      s.append(batch(2));
    }
    byte[] snapshot = Files.readAllBytes(dir.resolve("snapshot"));
    Files.delete(dir.resolve("snapshot"));
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining("snapshot file was removed or replaced");

    Files.write(dir.resolve("snapshot"), snapshot);
    Files.delete(log());
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class).hasMessageContaining("no log file");
  }

  @Test
  void aFileThatIsNotALogIsRefused() throws IOException {
    Files.createDirectories(dir);
    Files.writeString(log(), "hello, I am a text file that happens to be called log");
    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString()).hasMessageContaining("not readable as a log");
  }

  /** A 28-byte file header made by hand: magic, generation, op count, CRC32C of the first 24 bytes. */
  private static byte[] handMadeHeader(String magic, long generation, long opCount) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(28);
    b.put(magic.getBytes(StandardCharsets.US_ASCII)).putLong(generation).putLong(opCount);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b.array(), 0, 24);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  @Test
  void aLogInANewerFormatVersionIsRefusedSayingSoAndChangingNothing() throws IOException {
    Files.createDirectories(dir);
    byte[] newer = concatBytes(handMadeHeader("AURLOG02", 0, 0), "{\"a future record\":1}".getBytes(StandardCharsets.UTF_8));
    Files.write(log(), newer);

    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(log().toString())
        .hasMessageContaining("a log in format version 2, newer than the version 1 this release reads")
        .hasMessageContaining("written by a later release");
    assertThat(Files.readAllBytes(log())).isEqualTo(newer);
  }

  @Test
  void aSnapshotInAnOlderFormatVersionIsRefusedSayingSo() throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("snapshot"), handMadeHeader("AURSNP00", 1, 0));
    Files.write(log(), handMadeHeader("AURLOG01", 1, 0));

    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining(dir.resolve("snapshot").toString())
        .hasMessageContaining("a snapshot in format version 0, older than the version 1 this release reads");
  }

  @Test
  void aLogMarkerInANewerFormatVersionIsRefused() throws IOException {
    Files.createDirectories(dir);
    Files.write(log(), handMadeHeader("AURLOG01", 0, 0));
    Files.write(dir.resolve("log.mark"), handMadeHeader("AURMRK07", 0, 1));

    assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
        .hasMessageContaining("a log marker in format version 7, newer than the version 1");
  }

  @Test
  void aHandMadeCurrentVersionLogIsRead() throws IOException {
    Files.createDirectories(dir);
    byte[] payload = LogFormat.WRITER.writeValueAsBytes(batch(1));
    java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(8 + payload.length);
    record.putInt(payload.length).putInt(0).put(payload);
    record.putInt(4, LogFormat.recordCrc(record.array(), 0, payload.length));
    Files.write(log(), concatBytes(handMadeHeader("AURLOG01", 0, 0), record.array()));

    try (Storage s = FileLogStorage.at(dir)) {
      assertThat(s.recover().log()).isEqualTo(batch(1));
    }
  }

  private static byte[] concatBytes(byte[] a, byte[] b) {
    byte[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void writesBeforeRecoverOrAfterCloseAreRefused() {
    Storage s = FileLogStorage.at(dir);
    assertThatThrownBy(() -> s.append(batch(1))).isInstanceOf(StorageException.class)
        .hasMessageContaining("not open: call recover() first");
    s.recover();
    s.close();
    assertThatThrownBy(() -> s.snapshot(batch(1))).isInstanceOf(StorageException.class)
        .hasMessageContaining("not open");
    // recover() reopens a closed storage
    s.recover();
    s.append(batch(1));
    s.close();
    assertThat(recover().log()).containsExactlyElementsOf(batch(1));
  }

  @Test
  void aSecondStorageOnALockedDirectoryInThisJvmIsRefused() {
    try (Storage first = FileLogStorage.at(dir)) {
      first.recover();
      Storage second = FileLogStorage.at(dir);
      assertThatThrownBy(second::recover).isInstanceOf(StorageException.class)
          .hasMessageContaining(dir.toString()).hasMessageContaining("already open in this JVM");
      first.append(batch(1)); // the refused one touched nothing
    }
    assertThat(recover().log()).containsExactlyElementsOf(batch(1));
  }

  /** Starts {@link LockHolder} on the directory in another JVM. */
  private Process lockHolder() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
        dir.toString()).redirectErrorStream(true).start();
  }

  /** Reads the process's output up to the line {@code until} or its end. */
  private static String readUntil(Process process, String until) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder said = new StringBuilder();
    for (String line = out.readLine(); line != null && !line.equals(until); line = out.readLine()) {
      said.append(line).append('\n');
    }
    return said.toString();
  }

  @Test
  void aDirectoryLockedByAnotherProcessIsRefusedNamingIt() throws Exception {
    Process holder = lockHolder();
    try {
      String said = readUntil(holder, "locked");
      assertThat(holder.isAlive()).as("lock holder output: %s", said).isTrue();

      assertThatThrownBy(this::recover).isInstanceOf(StorageException.class)
          .hasMessageContaining("in use by another process (pid " + holder.pid() + ")")
          .hasMessageContaining(dir.resolve("lock").toString());

      holder.getOutputStream().close(); // the holder exits and its lock goes with it
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(recover().log()).isEmpty();
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void aRefusedSecondOpenInThisJvmLeavesTheLockHeldAgainstOtherProcesses() throws Exception {
    // closing a second channel on the lock file would drop this process's lock: the refusal must not open one
    try (Storage first = FileLogStorage.at(dir)) {
      first.recover();
      assertThatThrownBy(FileLogStorage.at(dir)::recover).hasMessageContaining("already open in this JVM");
      Process intruder = lockHolder();
      try {
        String said = readUntil(intruder, "locked");
        assertThat(intruder.waitFor(30, TimeUnit.SECONDS)).as("the other process got the lock: %s", said).isTrue();
        assertThat(said).contains("in use by another process (pid " + ProcessHandle.current().pid() + ")");
      } finally {
        intruder.destroyForcibly();
      }
    }
  }

  @Test
  void optionsNameTheSnapshotAndTurnFsyncOff() throws IOException {
    Storage s = FileLogStorage.builder(dir).snapshotFileName("state.snap").fsync(false).build();
    s.recover();
    s.snapshot(batch(1));
    s.append(batch(2));
    s.close();
    assertThat(dir.resolve("state.snap")).exists();
    assertThat(dir.resolve("snapshot")).doesNotExist();
    Storage.Stored stored = FileLogStorage.builder(dir).snapshotFileName("state.snap").build().recover();
    assertThat(stored.snapshot()).containsExactlyElementsOf(batch(1));
    assertThat(stored.log()).containsExactlyElementsOf(batch(2));
    assertThat(Files.readString(dir.resolve("lock"))).startsWith("pid ");
  }

  @Test
  void snapshotFileNamesThatClashOrLeaveTheDirectoryAreRejected() {
    for (String bad : List.of("log", "lock", "log.tmp", "log.mark", "log.mark.tmp", "", "a/b", "..")) {
      assertThatThrownBy(() -> FileLogStorage.builder(dir).snapshotFileName(bad))
          .as("'%s'", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("snapshot file name");
    }
  }
}
