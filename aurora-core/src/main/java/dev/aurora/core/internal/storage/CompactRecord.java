package dev.aurora.core.internal.storage;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The compact form of a log record's payload, for batches that hold the ops the scheduler writes most
 * ({@link Op.CreateTasks}, {@link Op.AssignTask}, {@link Op.SaveTaskStatus}): each of those is a few
 * bytes of binary fields, with every string (task id, agent id, host, status, message) written once per
 * record and referred to by number afterwards, and a task's creation and placement in one record share
 * its id. Every other op is its JSON, as in a JSON record. A record of one W1 job (its {@code createTasks}
 * of 100 tasks and their 100 {@code assignTask}s) takes about 30 bytes a task instead of about 215.
 *
 * <pre>
 * payload:     0xC1 entry*                  (0xC1 never begins JSON text: it is not valid UTF-8)
 * entry:       0x01 json                    any op, as the model's JSON of that op
 *            | 0x02 json count (instance id)*           createTasks: the op's JSON with no instances
 *                                                        and no ids, then each task's instance (zigzag
 *                                                        difference from the previous one, from 0) and id
 *            | 0x03 id agent host count port* time      assignTask
 *            | 0x04 id status time message              taskStatus (status by its name)
 * json:        length (4 bytes, big-endian) and that many bytes of UTF-8 JSON
 * id, agent, host, status, message: a string
 * string:      varint 0, then varint shared, varint n and n bytes: a new string, the first {@code shared}
 *              bytes of the previous new string of its kind (task ids; agent ids; hosts; statuses and
 *              messages) then those n bytes (UTF-8); it takes the next number
 *            | varint k &gt; 0: the k-th new string of this record
 * time:        zigzag varint, the difference from the previous time of the record (from 0)
 * count, port: varint
 * </pre>
 *
 * <p>Varints are unsigned LEB128 (7 bits a byte, low first); zigzag maps 0, -1, 1, -2 ... to 0, 1, 2, 3 ...
 * The record's length and CRC frame it as any other, so a torn or damaged compact record is found as a
 * JSON one is; a payload that breaks these rules is refused as a record "that does not hold ops".
 */
final class CompactRecord {
  /** The first byte of a compact payload. */
  static final int FORM = 0xC1;
  private static final int JSON = 1;
  private static final int CREATE = 2;
  private static final int ASSIGN = 3;
  private static final int STATUS = 4;
  // the kinds of string, each front-coded against the previous new string of its kind
  private static final int ID = 0;
  private static final int AGENT = 1;
  private static final int HOST = 2;
  private static final int OTHER = 3;

  private CompactRecord() {}

  /** Whether {@code ops} holds an op this form writes more compactly than JSON. */
  static boolean worthIt(List<Op> ops) {
    for (int i = 0, n = ops.size(); i < n; i++) {
      Op op = ops.get(i);
      if (op instanceof Op.AssignTask || op instanceof Op.CreateTasks || op instanceof Op.SaveTaskStatus) {
        return true;
      }
    }
    return false;
  }

  /** Writes records in the compact form into a {@link RecordBuffer}; reused from record to record. Not thread-safe. */
  static final class Encoder {
    private final ObjectWriter opWriter;
    /**
     * The strings written so far in this record, in a table per kind: task ids in one (the large one:
     * the value is the id's place in {@link #ids}, from 1), agent ids and hosts in another (few, often
     * the same text; the value is the string's number), status names and messages in a third. A string
     * is looked up in its kind's table only: text met under two kinds is written once for each (valid,
     * and rare).
     */
    private final StringTable[] strings;
    /** How many new strings this record has written: the number of the last one. */
    private int count;
    /**
     * The task ids this record wrote as new, in order, with their numbers. A task's creation writes its
     * id; its placement (usually in the same record, a group's tasks in the order they were created)
     * names it: the id after the last one named is tried first, by reference, and only when it is not
     * that one is the table consulted (filled lazily from this list, so a record whose ids come in order
     * never hashes one).
     */
    private String[] ids = new String[64];
    private int[] idNumbers = new int[64];
    private int idCount;
    /** How many of {@link #ids} are in the table. */
    private int indexed;
    /**
     * The first id of each creation in this record, with its place in {@link #ids} (from 1): where a
     * group's placement usually starts, so a record of whole groups placed in order is named with this
     * small table alone and the large one is never filled.
     */
    private final StringTable firsts = new StringTable();
    /** The place in {@link #ids} of the id most likely named next. */
    private int expected;
    /** The last agent id, host, or status name or message named or written, with its number: often the next. */
    private final String[] lastString = new String[4];
    private final int[] lastNumber = new int[4];
    private final byte[][] previous = {new byte[64], new byte[64], new byte[64], new byte[64]};
    private final int[] previousLength = new int[4];
    private long time;

    Encoder(ObjectWriter opWriter) {
      this.opWriter = opWriter;
      StringTable machines = new StringTable();
      this.strings = new StringTable[] {new StringTable(), machines, machines, new StringTable()};
    }

    /** Writes {@code ops} as a compact payload at the buffer's end. */
    void write(List<Op> ops, RecordBuffer out) throws IOException {
      strings[ID].clear();
      strings[AGENT].clear(); // and hosts
      strings[OTHER].clear();
      count = 0;
      if (ids.length > StringTable.KEEP_SLOTS) {
        ids = new String[64];
        idNumbers = new int[64];
      } else {
        Arrays.fill(ids, 0, idCount, null);
      }
      idCount = 0;
      indexed = 0;
      firsts.clear();
      expected = 0;
      Arrays.fill(lastString, null);
      Arrays.fill(previousLength, 0);
      time = 0;
      out.write(FORM);
      for (int i = 0, n = ops.size(); i < n; i++) {
        Op op = ops.get(i);
        if (op instanceof Op.AssignTask a) {
          out.write(ASSIGN);
          id(a.id().value(), out);
          string(a.agentId(), AGENT, out);
          string(a.host(), HOST, out);
          List<Integer> ports = a.ports();
          out.varint(ports.size());
          for (int p = 0; p < ports.size(); p++) {
            out.varint(ports.get(p) & 0xFFFFFFFFL);
          }
          time(a.timeMillis(), out);
        } else if (op instanceof Op.SaveTaskStatus s) {
          out.write(STATUS);
          id(s.id().value(), out);
          string(s.status().name(), OTHER, out);
          time(s.timeMillis(), out);
          string(s.message(), OTHER, out);
        } else if (op instanceof Op.CreateTasks c) {
          out.write(CREATE);
          json(new Op.CreateTasks(c.job(), c.config(), c.status(), c.timeMillis(), null, null), out);
          int[] instances = c.instances();
          List<TaskId> ids = c.ids();
          out.varint(instances.length);
          if (instances.length > 0) {
            firsts.numberOrAdd(ids.get(0).value(), idCount + 1);
          }
          int last = 0;
          for (int t = 0; t < instances.length; t++) {
            out.varint(zigzag((long) instances[t] - last));
            last = instances[t];
            newId(ids.get(t).value(), out); // a task is created once
          }
        } else {
          out.write(JSON);
          json(op, out);
        }
      }
    }

    private void json(Op op, RecordBuffer out) throws IOException {
      int at = out.reserveInt();
      opWriter.writeValue(out, op);
      out.putInt(at, out.size() - at - 4);
    }

    private void time(long millis, RecordBuffer out) throws IOException {
      out.varint(zigzag(millis - time));
      time = millis;
    }

    /** Names task id {@code s}: by number if this record wrote it already, else as a new string. */
    private void id(String s, RecordBuffer out) throws IOException {
      int at = expected;
      if ((at >= idCount || ids[at] != s) && (at = firsts.numberOrAdd(s, 0) - 1) < 0) {
        while (indexed < idCount) {
          strings[ID].numberOrAdd(ids[indexed], ++indexed); // a repeated id keeps its first place
        }
        at = strings[ID].numberOrAdd(s, 0) - 1; // adds nothing: 0 is no place
        if (at < 0) {
          newId(s, out);
          return;
        }
      }
      out.varint(idNumbers[at]);
      expected = at + 1;
    }

    /** Writes task id {@code s} as a new string. */
    private void newId(String s, RecordBuffer out) throws IOException {
      if (idCount == ids.length) {
        ids = Arrays.copyOf(ids, idCount * 2);
        idNumbers = Arrays.copyOf(idNumbers, idCount * 2);
      }
      ids[idCount] = s;
      idNumbers[idCount++] = count + 1;
      expected = idCount;
      write(s, ID, out);
    }

    /** Names {@code s}, an agent id, host, status name or message: by number if written already, else new. */
    private void string(String s, int kind, RecordBuffer out) throws IOException {
      if (s == lastString[kind]) {
        out.varint(lastNumber[kind]);
        return;
      }
      int known = strings[kind].numberOrAdd(s, count + 1);
      lastString[kind] = s;
      if (known != 0) {
        lastNumber[kind] = known;
        out.varint(known);
        return;
      }
      lastNumber[kind] = count + 1;
      write(s, kind, out);
    }

    /** Writes {@code s} as the record's next new string, front-coded against the previous one of its kind. */
    private void write(String s, int kind, RecordBuffer out) throws IOException {
      count++;
      int length = utf8(s);
      int shared = 0;
      byte[] last = previous[kind];
      int max = Math.min(length, previousLength[kind]);
      while (shared < max && scratch[shared] == last[shared]) {
        shared++;
      }
      out.write(0);
      out.varint(shared);
      out.varint(length - shared);
      out.write(scratch, shared, length - shared);
      // the new string is the next one's reference
      previous[kind] = scratch;
      scratch = last;
      previousLength[kind] = length;
    }

    private byte[] scratch = new byte[64];

    /** Puts {@code s}'s UTF-8 bytes in {@link #scratch} and returns how many. */
    private int utf8(String s) {
      int n = s.length();
      if (scratch.length < n * 3) {
        scratch = new byte[Math.max(n * 3, scratch.length * 2)];
      }
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
          System.arraycopy(bytes, 0, scratch, 0, bytes.length);
          return bytes.length;
        }
        scratch[i] = (byte) c;
      }
      return n;
    }
  }

  /**
   * The strings of one kind written so far in a record, each with a value (its number, or its place in a
   * list): open addressing over
   * parallel arrays (no entry objects, no boxing; a look-up compares the cached hash, then the reference,
   * then the text). A string the table misses would only be written again as new (valid, a few bytes
   * more), but it never misses one it holds. Cleared entry by entry, so a small record after a large one
   * does not pay for the large table.
   */
  static final class StringTable {
    /** Kept from record to record up to this many slots; a larger table is dropped at the next clear. */
    private static final int KEEP_SLOTS = 1 << 18;
    private String[] keys = new String[64];
    /** The string's hash in the high half, its value (from 1; 0: an empty slot) in the low half. */
    private long[] entries = new long[64];
    /** The slots in use, in the order they were filled. */
    private int[] used = new int[32];
    private int size;
    /** 32 minus log2 of the table's length: a hash's slot is its top bits after mixing. */
    private int shift = 32 - 6;

    /**
     * The value of {@code s} if the table holds it; else adds it with {@code value} (unless that is 0: then
     * the table is left as it was) and returns 0.
     */
    int numberOrAdd(String s, int value) {
      int hash = s.hashCode();
      int mask = keys.length - 1;
      int i = (hash * 0x9E3779B9) >>> shift;
      for (long e; (e = entries[i]) != 0; i = (i + 1) & mask) {
        if ((int) (e >>> 32) == hash) {
          String k = keys[i];
          if (k == s || k.equals(s)) {
            return (int) e;
          }
        }
      }
      if (value == 0) {
        return 0;
      }
      keys[i] = s;
      entries[i] = (long) hash << 32 | (value & 0xFFFFFFFFL);
      if (size == used.length) {
        used = Arrays.copyOf(used, size * 2);
      }
      used[size++] = i;
      if (size * 2 > keys.length) {
        grow();
      }
      return 0;
    }

    /** Empties the table. */
    void clear() {
      if (keys.length > KEEP_SLOTS) {
        keys = new String[64];
        entries = new long[64];
        used = new int[32];
        shift = 32 - 6;
      } else {
        for (int j = 0; j < size; j++) {
          keys[used[j]] = null;
          entries[used[j]] = 0;
        }
      }
      size = 0;
    }

    private void grow() {
      String[] oldKeys = keys;
      long[] oldEntries = entries;
      keys = new String[oldKeys.length * 2];
      entries = new long[oldKeys.length * 2];
      shift--;
      int mask = keys.length - 1;
      for (int j = 0; j < size; j++) {
        int from = used[j];
        int i = ((int) (oldEntries[from] >>> 32) * 0x9E3779B9) >>> shift;
        while (entries[i] != 0) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[from];
        entries[i] = oldEntries[from];
        used[j] = i;
      }
    }
  }

  /** Reads a compact payload back into the ops it was written from. */
  static List<Op> read(byte[] bytes, int offset, int length, ObjectReader opReader) throws IOException {
    return new Decoder(bytes, offset, length, opReader).ops();
  }

  private static final class Decoder {
    private final byte[] bytes;
    private final int base;
    private final int end;
    private final ObjectReader opReader;
    private int at;
    private final List<String> strings = new ArrayList<>();
    private final byte[][] previous = {new byte[64], new byte[64], new byte[64], new byte[64]};
    private final int[] previousLength = new int[4];
    private long time;

    Decoder(byte[] bytes, int offset, int length, ObjectReader opReader) {
      this.bytes = bytes;
      this.at = offset;
      this.base = offset;
      this.end = offset + length;
      this.opReader = opReader;
    }

    List<Op> ops() throws IOException {
      if (at >= end || (bytes[at] & 0xFF) != FORM) {
        throw new IOException("not a compact record");
      }
      at++;
      List<Op> ops = new ArrayList<>();
      while (at < end) {
        int start = at;
        int kind = bytes[at++];
        try {
          switch (kind) {
            case JSON -> ops.add(json());
            case CREATE -> ops.add(create());
            case ASSIGN -> ops.add(assign());
            case STATUS -> ops.add(status());
            default -> throw new IOException("unknown entry " + kind);
          }
        } catch (IllegalArgumentException | NullPointerException e) {
          throw new IOException("entry " + ops.size() + " (payload byte " + (start - base) + ") is not"
              + " a valid op: " + e.getMessage(), e);
        }
      }
      return ops;
    }

    private Op json() throws IOException {
      int length = need(4) ? ((bytes[at] & 0xFF) << 24 | (bytes[at + 1] & 0xFF) << 16 | (bytes[at + 2] & 0xFF) << 8
          | (bytes[at + 3] & 0xFF)) : -1;
      at += 4;
      if (length < 0 || length > end - at) {
        throw new IOException("an op's JSON of " + length + " bytes runs past the record's end");
      }
      Op op = opReader.readValue(bytes, at, length);
      at += length;
      if (op == null) {
        throw new IOException("an op's JSON is null");
      }
      return op;
    }

    private Op create() throws IOException {
      if (!(json() instanceof Op.CreateTasks head)) {
        throw new IOException("a createTasks entry does not hold a createTasks op");
      }
      int count = count();
      int[] instances = new int[count];
      TaskId[] ids = new TaskId[count];
      long last = 0;
      for (int t = 0; t < count; t++) {
        long instance = last + unzigzag(varint());
        if (instance < 0 || instance > Integer.MAX_VALUE) {
          throw new IOException("instance " + instance + " out of range");
        }
        instances[t] = (int) instance;
        last = instance;
        ids[t] = TaskId.of(string(ID));
      }
      return new Op.CreateTasks(head.job(), head.config(), head.status(), head.timeMillis(), instances,
          Arrays.asList(ids));
    }

    private Op assign() throws IOException {
      TaskId id = TaskId.of(string(ID));
      String agent = string(AGENT);
      String host = string(HOST);
      int count = count();
      Integer[] ports = new Integer[count];
      for (int p = 0; p < count; p++) {
        long port = varint();
        if (port > 0xFFFFFFFFL) {
          throw new IOException("port " + port + " out of range");
        }
        ports[p] = (int) port;
      }
      return new Op.AssignTask(id, agent, host, Arrays.asList(ports), time());
    }

    private Op status() throws IOException {
      TaskId id = TaskId.of(string(ID));
      ScheduleStatus status = ScheduleStatus.valueOf(string(OTHER));
      long millis = time();
      return new Op.SaveTaskStatus(id, status, millis, string(OTHER));
    }

    private long time() throws IOException {
      time += unzigzag(varint());
      return time;
    }

    private int count() throws IOException {
      long n = varint();
      if (n > end - at) { // every element takes at least a byte
        throw new IOException("a count of " + n + " with " + (end - at) + " bytes left");
      }
      return (int) n;
    }

    private String string(int kind) throws IOException {
      long k = varint();
      if (k > 0) {
        if (k > strings.size()) {
          throw new IOException("string " + k + " of " + strings.size());
        }
        return strings.get((int) k - 1);
      }
      long shared = varint();
      long more = varint();
      if (shared > previousLength[kind] || more > end - at) {
        throw new IOException("a string of " + shared + " shared and " + more + " new bytes does not fit");
      }
      int length = (int) (shared + more);
      byte[] last = previous[kind];
      if (last.length < length) {
        last = previous[kind] = Arrays.copyOf(last, Math.max(length, last.length * 2));
      }
      System.arraycopy(bytes, at, last, (int) shared, (int) more);
      at += (int) more;
      previousLength[kind] = length;
      String s = latin(last, length) ? new String(last, 0, length, StandardCharsets.ISO_8859_1)
          : new String(last, 0, length, StandardCharsets.UTF_8);
      strings.add(s);
      return s;
    }

    private static boolean latin(byte[] b, int length) {
      for (int i = 0; i < length; i++) {
        if (b[i] < 0) {
          return false;
        }
      }
      return true;
    }

    private boolean need(int n) {
      return end - at >= n;
    }

    private long varint() throws IOException {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= end) {
          throw new IOException("a number runs past the record's end");
        }
        int b = bytes[at++];
        value |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw new IOException("a number longer than 10 bytes");
    }
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }
}
