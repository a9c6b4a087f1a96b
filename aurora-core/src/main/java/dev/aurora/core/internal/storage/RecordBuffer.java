package dev.aurora.core.internal.storage;

import static dev.aurora.core.internal.storage.LogFormat.RECORD_HEADER_BYTES;

import dev.aurora.core.Op;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One record being built, reused from record to record: ops are serialized straight into it after room
 * for the record header, then {@link #seal} fills in length and CRC and hands out the whole record to
 * write in one call. Not thread-safe.
 */
final class RecordBuffer extends OutputStream {
  private static final int INITIAL_CAPACITY = 64 * 1024;
  /**
   * A buffer grown past this (by a huge batch) is dropped after use rather than kept. 16 MB keeps the
   * buffer of a compact record of W1's one {@code createJobs} (100,000 tasks, about 5.6 MB) from one
   * batch to the next, instead of growing a fresh one by doubling (about 8 MB of copies) every time.
   */
  private static final int KEEP_CAPACITY = 16 * 1024 * 1024;

  private byte[] bytes = new byte[INITIAL_CAPACITY];
  private int size;

  /** Writes the compact form of records with hot ops; made at the first such record. */
  private CompactRecord.Encoder compact;

  /** Serializes {@code ops} as the payload of a new record (a JSON array) and returns the sealed record. */
  ByteBuffer record(List<Op> ops) throws IOException {
    start();
    LogFormat.WRITER.writeValue(this, ops);
    return seal();
  }

  /**
   * A log record of {@code ops}: in the {@link CompactRecord} form if they hold an op it writes more
   * compactly (a task's creation, placement or move), else a JSON array as {@link #record} writes it.
   */
  ByteBuffer logRecord(List<Op> ops) throws IOException {
    if (!CompactRecord.worthIt(ops)) {
      return record(ops);
    }
    start();
    if (compact == null) {
      compact = new CompactRecord.Encoder(LogFormat.OP_WRITER);
    }
    compact.write(ops, this);
    return seal();
  }

  private void start() {
    if (bytes.length > KEEP_CAPACITY) {
      bytes = new byte[INITIAL_CAPACITY];
    }
    size = RECORD_HEADER_BYTES;
  }

  /** The bytes written so far, record header included. */
  int size() {
    return size;
  }

  /** Writes {@code value} as an unsigned LEB128 varint (7 bits a byte, low first). */
  void varint(long value) throws IOException {
    ensure(10);
    while ((value & ~0x7FL) != 0) {
      bytes[size++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    bytes[size++] = (byte) value;
  }

  /** Leaves room for a 4-byte number filled in later by {@link #putInt}, and returns where it is. */
  int reserveInt() throws IOException {
    ensure(4);
    size += 4;
    return size - 4;
  }

  /** Writes {@code value} big-endian at {@code at}, in room already written. */
  void putInt(int at, int value) {
    bytes[at] = (byte) (value >>> 24);
    bytes[at + 1] = (byte) (value >>> 16);
    bytes[at + 2] = (byte) (value >>> 8);
    bytes[at + 3] = (byte) value;
  }


  private ByteBuffer seal() throws IOException {
    int payload = size - RECORD_HEADER_BYTES;
    if (payload > LogFormat.MAX_PAYLOAD_BYTES) {
      throw new IOException("a record of " + payload + " bytes is larger than the limit of "
          + LogFormat.MAX_PAYLOAD_BYTES + "; append fewer ops at a time");
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, 0, RECORD_HEADER_BYTES);
    header.putInt(payload);
    header.putInt(LogFormat.recordCrc(bytes, 0, payload));
    return ByteBuffer.wrap(bytes, 0, size);
  }

  @Override
  public void write(int b) throws IOException {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  @Override
  public void close() {
    // Jackson closes its target after writing a value; the buffer stays usable.
  }

  private void ensure(int more) throws IOException {
    if (size + more > bytes.length) {
      long wanted = Math.max((long) bytes.length * 2, (long) size + more);
      // Past the limit seal() refuses the record anyway; stop growing a little beyond it.
      int capped = (int) Math.min(wanted, (long) LogFormat.MAX_PAYLOAD_BYTES + RECORD_HEADER_BYTES + 1);
      if (capped < size + more) {
        throw new IOException("a record is larger than the limit of " + LogFormat.MAX_PAYLOAD_BYTES
            + " bytes; append fewer ops at a time");
      }
      bytes = Arrays.copyOf(bytes, capped);
    }
  }
}
