package dev.aurora.zk.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.core.Op;
import dev.aurora.core.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The bytes of ZkStorage's znodes. A batch of ops (or a snapshot) is written as JSON, deflated, and
 * cut into parts that each fit a znode; every part is a frame:
 *
 * <pre>
 * | magic: 4 bytes ("AZL1" log, "AZS1" snapshot) | part: int | parts: int | crc32c: int (of the payload) | payload |
 * </pre>
 */
public final class Frames {
  public static final int HEADER = 16;
  public static final byte[] LOG = {'A', 'Z', 'L', '1'};
  public static final byte[] SNAPSHOT = {'A', 'Z', 'S', '1'};
  private static final ObjectMapper MAPPER = AuroraJson.newMapper();
  private static final TypeReference<List<Op>> OPS = new TypeReference<>() {};

  private Frames() {}

  /** One frame read back. */
  public record Frame(int part, int parts, byte[] payload) {}

  /** The ops as deflated JSON, cut into frames of at most {@code maxPayload} payload bytes. */
  public static List<byte[]> encode(byte[] magic, List<Op> ops, int maxPayload) {
    byte[] deflated;
    try {
      deflated = deflate(MAPPER.writerFor(OPS).writeValueAsBytes(ops));
    } catch (IOException e) {
      throw new StorageException("could not serialize " + ops.size() + " ops", e);
    }
    int parts = Math.max(1, (deflated.length + maxPayload - 1) / maxPayload);
    List<byte[]> frames = new ArrayList<>(parts);
    for (int i = 0; i < parts; i++) {
      int from = i * maxPayload;
      int len = Math.min(maxPayload, deflated.length - from);
      ByteBuffer b = ByteBuffer.allocate(HEADER + len);
      CRC32C crc = new CRC32C();
      crc.update(deflated, from, len);
      b.put(magic).putInt(i).putInt(parts).putInt((int) crc.getValue()).put(deflated, from, len);
      frames.add(b.array());
    }
    return frames;
  }

  /** Reads one frame, or fails naming {@code where}. */
  public static Frame read(byte[] magic, byte[] data, String where) {
    if (data == null || data.length < HEADER) {
      throw corrupt(where, "it holds " + (data == null ? 0 : data.length) + " bytes, less than a frame header");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    byte[] m = new byte[4];
    b.get(m);
    if (!java.util.Arrays.equals(m, magic)) {
      String seen = new String(m, java.nio.charset.StandardCharsets.ISO_8859_1);
      throw corrupt(where, seen.startsWith("AZ")
          ? "its format '" + seen + "' is not '" + new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1)
              + "' (written by another version of aurora-zk?)"
          : "it does not start with the magic " + new String(magic, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    int part = b.getInt();
    int parts = b.getInt();
    int expected = b.getInt();
    if (parts < 1 || part < 0 || part >= parts) {
      throw corrupt(where, "its header says part " + part + " of " + parts);
    }
    byte[] payload = new byte[b.remaining()];
    b.get(payload);
    CRC32C crc = new CRC32C();
    crc.update(payload);
    if ((int) crc.getValue() != expected) {
      throw corrupt(where, "its checksum does not match its " + payload.length + " bytes");
    }
    return new Frame(part, parts, payload);
  }

  /** The ops of the concatenated payloads of one batch or snapshot. */
  public static List<Op> decode(List<byte[]> payloads, String where) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    payloads.forEach(all::writeBytes);
    byte[] json;
    try {
      json = inflate(all.toByteArray());
    } catch (DataFormatException e) {
      throw corrupt(where, "its compressed bytes are damaged (" + e.getMessage() + ")");
    }
    try {
      return MAPPER.readValue(json, OPS);
    } catch (IOException e) {
      throw corrupt(where, "its ops cannot be read (" + e.getMessage() + "); written by an incompatible version?");
    }
  }

  public static StorageException corrupt(String where, String why) {
    return new StorageException("ZooKeeper storage is damaged: " + where + " cannot be read: " + why
        + ". Nothing was recovered; restore the state from a backup, or remove the storage path to start empty");
  }

  private static byte[] deflate(byte[] in) {
    Deflater d = new Deflater(Deflater.BEST_SPEED);
    d.setInput(in);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, in.length / 4));
    byte[] buf = new byte[64 * 1024];
    while (!d.finished()) {
      int n = d.deflate(buf);
      out.write(buf, 0, n);
    }
    d.end();
    return out.toByteArray();
  }

  private static byte[] inflate(byte[] in) throws DataFormatException {
    Inflater inf = new Inflater();
    inf.setInput(in);
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, in.length * 4));
    byte[] buf = new byte[64 * 1024];
    while (!inf.finished()) {
      int n = inf.inflate(buf);
      if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
        inf.end();
        throw new DataFormatException("the compressed stream ends early");
      }
      out.write(buf, 0, n);
    }
    inf.end();
    return out.toByteArray();
  }
}
