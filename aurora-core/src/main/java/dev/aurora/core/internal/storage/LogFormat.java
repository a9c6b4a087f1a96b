package dev.aurora.core.internal.storage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.aurora.api.AuroraJson;
import dev.aurora.core.Op;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The bytes of the file log's two files. Both start with a header; then come records (frames).
 *
 * <pre>
 * header (28 bytes): magic (8: "AURLOG01" or "AURSNP01") | generation (long) | op count (long) | crc32c (int)
 * record:            length (int, payload bytes, 1..2^30) | crc32c (int) | payload (JSON array of ops)
 * </pre>
 *
 * <p>All numbers are big-endian. A header's CRC covers its first 24 bytes; a record's CRC covers its
 * 4 length bytes and its payload, so a damaged length is caught too. The generation links a log to the
 * snapshot it follows (both carry the same one; the first log, before any snapshot, is generation 0).
 * The op count is the number of ops in a snapshot (so a cut-short snapshot is caught), 0 in a log.
 *
 * <p>A third file, {@code log.mark}, is a header alone (magic "AURMRK01"): the generation of the newest log
 * started in the directory, and as op count 1 once a record of that log was acknowledged (else 0). It lets
 * recovery tell a log removed or cut to its header from one that never held anything.
 */
final class LogFormat {
  static final byte[] LOG_MAGIC = "AURLOG01".getBytes(StandardCharsets.US_ASCII);
  static final byte[] SNAPSHOT_MAGIC = "AURSNP01".getBytes(StandardCharsets.US_ASCII);
  /** The magic of {@code log.mark}, a header alone whose op count is 1 once its log generation held records. */
  static final byte[] MARK_MAGIC = "AURMRK01".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER_BYTES = 28;
  static final int RECORD_HEADER_BYTES = 8;
  /** The largest record payload accepted; bigger batches are refused rather than written. */
  static final int MAX_PAYLOAD_BYTES = 1 << 30;
  /** How many ops a snapshot puts in one record, so neither writing nor reading it needs one huge buffer. */
  static final int SNAPSHOT_OPS_PER_RECORD = 1024;

  /**
   * The model's mapper, with instants written by {@link IsoInstantSerializer} and the hot ops, task ids and
   * job keys by {@link HotOpSerializers} (the same text, faster).
   */
  private static final ObjectMapper MAPPER = AuroraJson.newMapper().registerModule(
      new SimpleModule("aurora-log-instants").addSerializer(java.time.Instant.class, new IsoInstantSerializer()))
      .registerModule(HotOpSerializers.module());
  private static final TypeReference<List<Op>> OPS = new TypeReference<>() {};
  /** Writes a batch compactly (the shared mapper indents, which would double the log's size). */
  static final ObjectWriter WRITER = MAPPER.writerFor(OPS).without(SerializationFeature.INDENT_OUTPUT);
  static final ObjectReader READER = MAPPER.readerFor(OPS);
  /** One op, as a JSON record holds it (the compact form's {@link CompactRecord} entries of other ops). */
  static final ObjectWriter OP_WRITER = MAPPER.writerFor(Op.class).without(SerializationFeature.INDENT_OUTPUT);
  static final ObjectReader OP_READER = MAPPER.readerFor(Op.class);

  private LogFormat() {}

  /** A file header. */
  record Header(byte[] magic, long generation, long opCount) {
    ByteBuffer encode() {
      ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
      b.put(magic).putLong(generation).putLong(opCount);
      b.putInt(crc(b.array(), 0, HEADER_BYTES - 4));
      return b.flip();
    }

    /** Decodes {@code bytes} (at least {@link #HEADER_BYTES} from {@code offset}), or explains why not. */
    static Header decode(byte[] bytes, int offset, byte[] expectedMagic, String what) throws BadFormat {
      ByteBuffer b = ByteBuffer.wrap(bytes, offset, HEADER_BYTES);
      byte[] magic = new byte[8];
      b.get(magic);
      if (!java.util.Arrays.equals(magic, expectedMagic)) {
        int version = version(magic, expectedMagic);
        if (version >= 0) {
          throw new BadVersion(what, version, version(expectedMagic, expectedMagic));
        }
        throw new BadFormat("not " + what + " (its first bytes are not "
            + new String(expectedMagic, StandardCharsets.US_ASCII) + ")");
      }
      long generation = b.getLong();
      long opCount = b.getLong();
      int stored = b.getInt();
      if (stored != crc(bytes, offset, HEADER_BYTES - 4)) {
        throw new BadFormat("header checksum mismatch");
      }
      if (generation < 0 || opCount < 0) {
        throw new BadFormat("header has generation " + generation + " and op count " + opCount);
      }
      return new Header(magic, generation, opCount);
    }
  }

  /**
   * The format version in a magic of the same kind as {@code expected} (its first 6 bytes, then 2 decimal
   * digits: "AURLOG01" is version 1 of a log), or -1 when it is not one.
   */
  static int version(byte[] magic, byte[] expected) {
    for (int i = 0; i < 6; i++) {
      if (magic[i] != expected[i]) {
        return -1;
      }
    }
    if (!Character.isDigit(magic[6]) || !Character.isDigit(magic[7])) {
      return -1;
    }
    return (magic[6] - '0') * 10 + (magic[7] - '0');
  }

  /**
   * A file of the right kind in a format version this code does not read: newer (written by a later
   * release) or older (from before the oldest version this one reads). Never read as if it were ours.
   */
  static final class BadVersion extends BadFormat {
    private static final long serialVersionUID = 1L;

    BadVersion(String what, int found, int supported) {
      super(found > supported
          ? "it is " + what + " in format version " + found + ", newer than the version " + supported
              + " this release reads: it was written by a later release of aurora-core. Run that release (or a later"
              + " one) on this directory, or restore a backup written by this release"
          : "it is " + what + " in format version " + found + ", older than the version " + supported
              + " this release reads, and this release cannot convert it. Open it with the release that wrote it"
              + " and take a backup there, or restore a backup written by this release");
    }
  }

  /** The file's bytes do not follow the format; the message says how. */
  static class BadFormat extends Exception {
    private static final long serialVersionUID = 1L;

    BadFormat(String message) {
      super(message);
    }
  }

  static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  /** The CRC of a record: over its 4 length bytes at {@code offset} and its payload after the record header. */
  static int recordCrc(byte[] bytes, int offset, int payloadLength) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, 4);
    crc.update(bytes, offset + RECORD_HEADER_BYTES, payloadLength);
    return (int) crc.getValue();
  }
}
