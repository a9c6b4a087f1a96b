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
  /** A buffer grown past this (by a huge batch) is dropped after use rather than kept. */
  private static final int KEEP_CAPACITY = 4 * 1024 * 1024;

  private byte[] bytes = new byte[INITIAL_CAPACITY];
  private int size;

  /** Serializes {@code ops} as the payload of a new record and returns the sealed record. */
  ByteBuffer record(List<Op> ops) throws IOException {
    if (bytes.length > KEEP_CAPACITY) {
      bytes = new byte[INITIAL_CAPACITY];
    }
    size = RECORD_HEADER_BYTES;
    LogFormat.WRITER.writeValue(this, ops);
    return seal();
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
