package dev.aurora.mesos.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.aurora.core.ProcessRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the per-process records the task runner's Mesos custom executor puts in {@code
 * TaskStatus.data} (the format of {@code dev.aurora.runner.ProcessStatusData}, documented in
 * docs/mesos.md): {@code {"format":"aurora-processes","version":1,"processes":[{"process":..., "run":...,
 * "state":..., "exitCode":..., "startedAt":..., "endedAt":..., "message":...}]}}. Data of another
 * format (another executor's, or none) carries no records; unknown fields are ignored.
 */
public final class ProcessData {
  /** The format's tag. */
  public static final String FORMAT = "aurora-processes";
  /** The newest version this reader knows. */
  public static final int VERSION = 1;

  /**
   * Made when the first status that carries records is read, not when the first status is: a status
   * without data (every one of a command task) never loads Jackson's ~400 classes, whose loading in the
   * middle of a launch wave pushed the JVM's metaspace over its first GC threshold (a young and a full
   * collection, ~0.9 s at 100,000 tasks, in the launches' window).
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** Data this reader cannot read although it says it is in this format. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProcessData.class);

  private ProcessData() {}

  /**
   * The records in a status's {@code data} for a backend: none when it carries none; when it is
   * malformed, none, a warning logged and {@code onMalformed} run (the status itself still counts).
   */
  public static List<ProcessRecord> recordsOf(ByteString data, String taskId, Runnable onMalformed) {
    if (data.isEmpty()) {
      return List.of();
    }
    try {
      return decode(data).orElse(List.of());
    } catch (Malformed e) {
      onMalformed.run();
      LOG.warn("task {}: a status whose process records cannot be read ({}); the records are skipped", taskId,
          e.getMessage());
      return List.of();
    }
  }

  /**
   * The records in {@code data}; empty when the data is not in this format (or is of a newer version,
   * whose records this reader may not understand).
   *
   * @throws Malformed when the data says it is in this format but does not hold what the format says
   */
  public static Optional<List<ProcessRecord>> decode(ByteString data) throws Malformed {
    if (data.isEmpty() || data.byteAt(0) != '{' || !data.toStringUtf8().contains(FORMAT)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(data.toStringUtf8());
    } catch (IOException e) {
      throw new Malformed("not JSON: " + e.getMessage());
    }
    if (!root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      return Optional.empty();
    }
    int version = root.path("version").asInt(-1);
    if (version < 1) {
      throw new Malformed("no version");
    }
    if (version > VERSION) {
      return Optional.empty();
    }
    JsonNode list = root.path("processes");
    if (!list.isArray()) {
      throw new Malformed("no processes list");
    }
    List<ProcessRecord> records = new ArrayList<>(list.size());
    for (JsonNode p : list) {
      try {
        String name = p.path("process").asText(null);
        if (name == null || name.isEmpty()) {
          throw new Malformed("a process record without a process name");
        }
        records.add(new ProcessRecord(name, p.path("run").asInt(0),
            ProcessRecord.State.valueOf(p.path("state").asText("")),
            p.hasNonNull("exitCode") ? Optional.of(p.get("exitCode").asInt()) : Optional.empty(),
            instant(p, "startedAt"), instant(p, "endedAt"), p.path("message").asText("")));
      } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
        throw new Malformed("a bad process record " + p + ": " + e.getMessage());
      }
    }
    return Optional.of(records);
  }

  private static Optional<Instant> instant(JsonNode p, String field) {
    return p.hasNonNull(field) ? Optional.of(Instant.parse(p.get(field).asText())) : Optional.empty();
  }
}
