package dev.aurora.zk.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.ImmutableTaskConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.Op;
import dev.aurora.core.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The bytes of ZkStorage's znodes. A batch of ops (or a snapshot) is written as JSON, deflated, and
 * cut into parts that each fit a znode; every part is a frame:
 *
 * <pre>
 * | magic: 4 bytes ("AZL1" log, "AZS2" snapshot) | part: int | parts: int | crc32c: int (of the payload) | payload |
 * </pre>
 *
 * <p>A log batch's payloads, concatenated, are one deflated JSON array of ops. A snapshot's (format 2,
 * "AZS2") are its table of task configs, {@code | configs: int | length: int | deflated JSON array of
 * task configs |}, then a sequence of segments, each {@code | ops: int | length: int | deflated JSON
 * array of at most {@value #OPS_PER_SEGMENT} ops |} in which every task config is its index in the
 * table (the tasks of a job share one config: written, parsed and held once). Segments are encoded and
 * decoded in parallel, and a snapshot is never one huge buffer of JSON. A snapshot of format 1 ("AZS1", written by
 * releases before it) is one deflated JSON array like a batch; it is still read.
 */
public final class Frames {
  public static final int HEADER = 16;
  public static final byte[] LOG = {'A', 'Z', 'L', '1'};
  /** The magic of a snapshot chunk of format 2 (segmented), the one written. */
  public static final byte[] SNAPSHOT = {'A', 'Z', 'S', '2'};
  /** The magic of a snapshot chunk of format 1 (one deflated JSON array), still read. */
  public static final byte[] SNAPSHOT_V1 = {'A', 'Z', 'S', '1'};
  /** How many ops a snapshot segment holds at most. */
  public static final int OPS_PER_SEGMENT = 1024;
  private static final TypeReference<List<Op>> OPS = new TypeReference<>() {};
  private static final TypeReference<List<TaskConfig>> CONFIGS = new TypeReference<>() {};
  /** The attribute of a snapshot's readers and writers that holds its table of task configs. */
  private static final String CONFIG_TABLE = "dev.aurora.zk.configTable";
  private static final ObjectMapper MAPPER = mapper(false);
  /** Compact: the shared mapper indents, which only costs time here. */
  private static final ObjectWriter WRITER = MAPPER.writerFor(OPS).without(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectReader READER = MAPPER.readerFor(OPS);
  private static final ObjectWriter CONFIGS_WRITER = MAPPER.writerFor(CONFIGS).without(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectReader CONFIGS_READER = MAPPER.readerFor(CONFIGS);
  /** Writes and reads every task config of a snapshot's segments as its index in the snapshot's table. */
  private static final ObjectMapper SHARED = mapper(true);
  private static final ObjectWriter SHARED_WRITER = SHARED.writerFor(OPS).without(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectReader SHARED_READER = SHARED.readerFor(OPS);

  private static ObjectMapper mapper(boolean sharedConfigs) {
    ObjectMapper m = AuroraJson.newMapper();
    // bytes this code wrote and checksummed: no need to look for duplicate fields in every object
    m.getFactory().configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, false);
    if (sharedConfigs) {
      m.registerModule(new SimpleModule("aurora-zk-config-table")
          .addSerializer(ImmutableTaskConfig.class, new ConfigRefSerializer())
          .addDeserializer(ImmutableTaskConfig.class, new ConfigRefDeserializer()));
    }
    return m;
  }

  /** The distinct task configs of a snapshot being written, each with its index. */
  private static final class ConfigTable {
    final Map<TaskConfig, Integer> index = new ConcurrentHashMap<>();
    final List<TaskConfig> configs = new ArrayList<>();

    int indexOf(TaskConfig c) {
      Integer i = index.get(c);
      if (i != null) {
        return i;
      }
      synchronized (this) {
        return index.computeIfAbsent(c, k -> {
          configs.add(k);
          return configs.size() - 1;
        });
      }
    }
  }

  private static final class ConfigRefSerializer extends StdSerializer<ImmutableTaskConfig> {
    private static final long serialVersionUID = 1L;

    ConfigRefSerializer() {
      super(ImmutableTaskConfig.class);
    }

    @Override
    public void serialize(ImmutableTaskConfig value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeNumber(((ConfigTable) provider.getAttribute(CONFIG_TABLE)).indexOf(value));
    }
  }

  private static final class ConfigRefDeserializer extends StdDeserializer<ImmutableTaskConfig> {
    private static final long serialVersionUID = 1L;

    ConfigRefDeserializer() {
      super(ImmutableTaskConfig.class);
    }

    @Override
    public ImmutableTaskConfig deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
        throw JsonMappingException.from(p, "a task config must be an index into the snapshot's table of configs");
      }
      @SuppressWarnings("unchecked")
      List<TaskConfig> table = (List<TaskConfig>) ctxt.getAttribute(CONFIG_TABLE);
      int i = p.getIntValue();
      if (i < 0 || i >= table.size()) {
        throw JsonMappingException.from(p, "task config #" + i + " is not in the snapshot's table of " + table.size()
            + " configs");
      }
      return (ImmutableTaskConfig) table.get(i);
    }
  }

  private Frames() {}

  /** One frame read back. */
  public record Frame(int part, int parts, byte[] payload, byte[] magic) {}

  /** The ops as deflated JSON, cut into frames of at most {@code maxPayload} payload bytes. */
  public static List<byte[]> encode(byte[] magic, List<Op> ops, int maxPayload) {
    return cut(magic, serialize(ops), maxPayload);
  }

  /**
   * A snapshot of format 2: the ops in segments of {@value #OPS_PER_SEGMENT}, each serialized and
   * deflated on its own (in parallel), cut into frames of at most {@code maxPayload} payload bytes.
   */
  public static List<byte[]> encodeSnapshot(List<Op> ops, int maxPayload) {
    int segments = (ops.size() + OPS_PER_SEGMENT - 1) / OPS_PER_SEGMENT;
    ConfigTable table = new ConfigTable();
    ObjectWriter writer = SHARED_WRITER.withAttribute(CONFIG_TABLE, table);
    List<byte[]> encoded = IntStream.range(0, segments).parallel().mapToObj(i -> {
      List<Op> part = ops.subList(i * OPS_PER_SEGMENT, Math.min(ops.size(), (i + 1) * OPS_PER_SEGMENT));
      try {
        return deflate(writer.writeValueAsBytes(part));
      } catch (IOException e) {
        throw new StorageException("could not serialize " + part.size() + " ops", e);
      }
    }).toList();
    byte[] configs;
    try {
      configs = deflate(CONFIGS_WRITER.writeValueAsBytes(table.configs));
    } catch (IOException e) {
      throw new StorageException("could not serialize " + table.configs.size() + " task configs", e);
    }
    int total = 8 + configs.length;
    for (byte[] e : encoded) {
      total += 8 + e.length;
    }
    ByteBuffer all = ByteBuffer.allocate(total);
    all.putInt(table.configs.size()).putInt(configs.length).put(configs);
    for (int i = 0; i < segments; i++) {
      byte[] e = encoded.get(i);
      all.putInt(Math.min(OPS_PER_SEGMENT, ops.size() - i * OPS_PER_SEGMENT)).putInt(e.length).put(e);
    }
    return cut(SNAPSHOT, all.array(), maxPayload);
  }

  private static byte[] serialize(List<Op> ops) {
    try {
      return deflate(WRITER.writeValueAsBytes(ops));
    } catch (IOException e) {
      throw new StorageException("could not serialize " + ops.size() + " ops", e);
    }
  }

  private static List<byte[]> cut(byte[] magic, byte[] deflated, int maxPayload) {
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
    return read(new byte[][] {magic}, data, where);
  }

  /** Reads one frame with any of the {@code magics}, or fails naming {@code where}. */
  public static Frame read(byte[][] magics, byte[] data, String where) {
    byte[] magic = magics[0];
    if (data == null || data.length < HEADER) {
      throw corrupt(where, "it holds " + (data == null ? 0 : data.length) + " bytes, less than a frame header");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    byte[] m = new byte[4];
    b.get(m);
    boolean known = false;
    for (byte[] candidate : magics) {
      known |= java.util.Arrays.equals(m, candidate);
    }
    if (!known) {
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
    return new Frame(part, parts, payload, m);
  }

  /**
   * The ops of a snapshot of format 2 from its chunks' concatenated payloads: its segments decoded in
   * parallel, each inflated as it is parsed. Fails naming {@code where} unless they hold exactly
   * {@code expectedOps} ops (a negative count is not checked).
   */
  public static List<Op> decodeSnapshot(List<byte[]> payloads, long expectedOps, String where) {
    int total = 0;
    for (byte[] p : payloads) {
      total += p.length;
    }
    ByteBuffer all = ByteBuffer.allocate(total);
    payloads.forEach(all::put);
    all.flip();
    if (all.remaining() < 8) {
      throw corrupt(where, "it holds " + all.remaining() + " bytes, less than the header of its table of task configs");
    }
    int configCount = all.getInt();
    int configLength = all.getInt();
    if (configCount < 0 || configLength < 0 || configLength > all.remaining()) {
      throw corrupt(where, "its table of task configs says it holds " + configCount + " configs in " + configLength
          + " bytes, with " + all.remaining() + " bytes left");
    }
    List<TaskConfig> table;
    try (InputStream in = new InflaterInputStream(new java.io.ByteArrayInputStream(all.array(), all.position(),
        configLength))) {
      table = CONFIGS_READER.readValue(in);
    } catch (IOException e) {
      throw corrupt(where + ", its table of task configs", "it cannot be read (" + e.getMessage() + ")");
    }
    if (table.size() != configCount) {
      throw corrupt(where, "its table of task configs holds " + table.size() + " configs, its header says " + configCount);
    }
    all.position(all.position() + configLength);
    ObjectReader reader = SHARED_READER.withAttribute(CONFIG_TABLE, table);
    List<int[]> segments = new ArrayList<>(); // {ops, offset, length}
    long ops = 0;
    while (all.hasRemaining()) {
      if (all.remaining() < 8) {
        throw corrupt(where, "it ends in the middle of a segment header");
      }
      int count = all.getInt();
      int length = all.getInt();
      if (count < 0 || count > OPS_PER_SEGMENT || length < 0 || length > all.remaining()) {
        throw corrupt(where, "segment " + segments.size() + " says it holds " + count + " ops in " + length
            + " bytes, with " + all.remaining() + " bytes left");
      }
      segments.add(new int[] {count, all.position(), length});
      all.position(all.position() + length);
      ops += count;
    }
    if (expectedOps >= 0 && ops != expectedOps) {
      throw corrupt(where, "its segments hold " + ops + " ops, its meta says " + expectedOps);
    }
    byte[] bytes = all.array();
    List<List<Op>> decoded = IntStream.range(0, segments.size()).parallel().mapToObj(i -> {
      int[] seg = segments.get(i);
      String segment = where + ", segment " + i;
      Inflater inflater = new Inflater();
      List<Op> list;
      try {
        list = parse(reader, new InflaterInputStream(new java.io.ByteArrayInputStream(bytes, seg[1], seg[2]), inflater,
            64 * 1024), segment);
      } finally {
        inflater.end(); // a stream given its inflater does not end it
      }
      if (list.size() != seg[0]) {
        throw corrupt(segment, "it holds " + list.size() + " ops, its header says " + seg[0]);
      }
      return list;
    }).toList();
    List<Op> out = new ArrayList<>((int) ops);
    decoded.forEach(out::addAll);
    return out;
  }

  private static List<Op> parse(ObjectReader reader, InputStream in, String where) {
    try (in) {
      return reader.readValue(in);
    } catch (java.util.zip.ZipException e) {
      throw corrupt(where, "its compressed bytes are damaged (" + e.getMessage() + ")");
    } catch (java.io.EOFException e) {
      throw corrupt(where, "its compressed bytes are damaged (the compressed stream ends early)");
    } catch (IOException e) {
      throw corrupt(where, "its ops cannot be read (" + e.getMessage() + "); written by an incompatible version?");
    }
  }

  /** The ops of the concatenated payloads of one batch or snapshot. */
  public static List<Op> decode(List<byte[]> payloads, String where) {
    byte[] deflated;
    if (payloads.size() == 1) {
      deflated = payloads.get(0);
    } else {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      payloads.forEach(all::writeBytes);
      deflated = all.toByteArray();
    }
    byte[] json;
    try {
      json = inflate(deflated);
    } catch (DataFormatException e) {
      throw corrupt(where, "its compressed bytes are damaged (" + e.getMessage() + ")");
    }
    try {
      return READER.readValue(json);
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
