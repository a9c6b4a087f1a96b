package dev.aurora.core.internal.storage;

import static dev.aurora.core.internal.storage.LogFormat.HEADER_BYTES;
import static dev.aurora.core.internal.storage.LogFormat.RECORD_HEADER_BYTES;

import dev.aurora.core.Op;
import dev.aurora.core.internal.storage.LogFormat.BadFormat;
import dev.aurora.core.internal.storage.LogFormat.Header;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Reads a file in the {@link LogFormat}: its header, then record after record, checking each record's
 * length and CRC. Reads go through a window of the file (1 MiB, or one record if larger), so a log of
 * many small records costs few system calls. Not thread-safe.
 */
final class RecordReader {
  private static final int WINDOW_BYTES = 1 << 20;

  private final FileChannel channel;
  private final long size;
  private byte[] window = new byte[WINDOW_BYTES];
  private long windowStart;
  private int windowLength;
  // the record found by the last successful check()
  private int payloadAt;
  private int payloadLength;
  private long end;

  RecordReader(FileChannel channel) throws IOException {
    this.channel = channel;
    this.size = channel.size();
  }

  /** The file's size when the reader was made. */
  long size() {
    return size;
  }

  /** Reads and checks the file header. */
  Header header(byte[] magic, String what) throws IOException, BadFormat {
    if (size < HEADER_BYTES) {
      throw new BadFormat("it is shorter (" + size + " bytes) than its " + HEADER_BYTES + "-byte header");
    }
    int at = fill(0, HEADER_BYTES);
    return Header.decode(window, at, magic, what);
  }

  /**
   * Checks the record at {@code position}: {@code null} if it is whole and its CRC matches (then
   * {@link #ops()} and {@link #end()} describe it), else what is wrong with it.
   */
  String check(long position) throws IOException {
    long remaining = size - position;
    if (remaining < RECORD_HEADER_BYTES) {
      return "only " + remaining + " of a record header's " + RECORD_HEADER_BYTES + " bytes";
    }
    int at = fill(position, RECORD_HEADER_BYTES);
    int length = ByteBuffer.wrap(window, at, RECORD_HEADER_BYTES).getInt();
    if (length <= 0 || length > LogFormat.MAX_PAYLOAD_BYTES) {
      return "impossible record length " + length;
    }
    if (length > remaining - RECORD_HEADER_BYTES) {
      return "a record of " + length + " bytes but only " + (remaining - RECORD_HEADER_BYTES) + " bytes left in the file";
    }
    at = fill(position, RECORD_HEADER_BYTES + length);
    int stored = ByteBuffer.wrap(window, at + 4, 4).getInt();
    if (stored != LogFormat.recordCrc(window, at, length)) {
      return "record checksum mismatch";
    }
    payloadAt = at + RECORD_HEADER_BYTES;
    payloadLength = length;
    end = position + RECORD_HEADER_BYTES + length;
    return null;
  }

  /**
   * Where the record at {@code position} ends if its length field is to be believed, or -1 if the file
   * ends inside its header or the length is impossible. Says nothing about its CRC.
   */
  long declaredEnd(long position) throws IOException {
    if (size - position < RECORD_HEADER_BYTES) {
      return -1;
    }
    int at = fill(position, RECORD_HEADER_BYTES);
    int length = ByteBuffer.wrap(window, at, RECORD_HEADER_BYTES).getInt();
    if (length <= 0 || length > LogFormat.MAX_PAYLOAD_BYTES) {
      return -1;
    }
    return position + RECORD_HEADER_BYTES + length;
  }

  /**
   * How many whole, CRC-valid records there are from {@code position} on, stepping over bad bytes as
   * {@link #nextValidRecord} does.
   */
  int countValidRecords(long position) throws IOException {
    int count = 0;
    long p = position;
    while (p >= 0 && p < size) {
      if (check(p) == null) {
        count++;
        p = end;
      } else {
        p = nextValidRecord(p);
      }
    }
    return count;
  }

  /** Where the record last found by {@link #check} ends: the next record's position. */
  long end() {
    return end;
  }

  /** The ops of the record last found by {@link #check}. */
  List<Op> ops() throws IOException {
    if ((window[payloadAt] & 0xFF) == CompactRecord.FORM) {
      return CompactRecord.read(window, payloadAt, payloadLength, LogFormat.OP_READER);
    }
    return LogFormat.READER.readValue(window, payloadAt, payloadLength);
  }

  /**
   * The position of the first whole, CRC-valid record that starts after {@code position}, or -1 if
   * none does. A match by chance needs 32 bits of CRC to agree, and a plausible length, so a -1 means
   * the rest of the file holds no record that was ever written whole.
   */
  long nextValidRecord(long position) throws IOException {
    for (long p = position + 1; p + RECORD_HEADER_BYTES < size; p++) {
      if (check(p) == null) {
        return p;
      }
    }
    return -1;
  }

  /** Makes the window hold {@code [position, position + length)} and returns where it starts in it. */
  private int fill(long position, int length) throws IOException {
    if (position >= windowStart && position + length <= windowStart + windowLength) {
      return (int) (position - windowStart);
    }
    if (length > window.length) {
      window = new byte[length];
    }
    int wanted = (int) Math.min(window.length, size - position);
    ByteBuffer into = ByteBuffer.wrap(window, 0, wanted);
    while (into.hasRemaining()) {
      if (channel.read(into, position + into.position()) < 0) {
        throw new EOFException("file ended at " + (position + into.position()) + " while reading " + length
            + " bytes at " + position);
      }
    }
    windowStart = position;
    windowLength = wanted;
    return 0;
  }
}
