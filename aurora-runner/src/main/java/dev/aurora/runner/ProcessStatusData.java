package dev.aurora.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * The per-process records the Mesos custom executor ({@link MesosExecutorMain}) puts in each {@code
 * TaskStatus.data} it sends, so the scheduler keeps them with the task: UTF-8 JSON, one object.
 *
 * <pre>{@code
 * {
 *   "format": "aurora-processes",
 *   "version": 1,
 *   "processes": [
 *     {"process": "fetch", "run": 1, "state": "SUCCESS", "pid": 4711, "exitCode": 0,
 *      "startedAt": "2026-01-05T10:15:30.123Z", "endedAt": "2026-01-05T10:15:31.002Z", "message": "exited 0"},
 *     {"process": "serve", "run": 2, "state": "RUNNING", "pid": 4730,
 *      "startedAt": "2026-01-05T10:15:40Z", "message": "started"}
 *   ]
 * }
 * }</pre>
 *
 * Every update carries the latest record of every process of the task that has one (not only the
 * process that changed), so a reader needs only the newest update. {@code state} is a {@link
 * ProcessState} name; {@code pid}, {@code exitCode}, {@code startedAt} and {@code endedAt} (ISO-8601
 * instants) are left out where unknown. Within a version, fields are only ever added: a reader ignores
 * fields it does not know, and ignores the data whole when {@code format} is not {@value #FORMAT} or
 * {@code version} is higher than it knows.
 */
public final class ProcessStatusData {
  /** The value of {@code format}. */
  public static final String FORMAT = "aurora-processes";
  /** The version written. */
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ProcessStatusData() {}

  /** The data carrying {@code reports} (the latest of each process), in this format. */
  public static byte[] encode(Collection<ProcessReport> reports) {
    ObjectNode root = JSON.createObjectNode().put("format", FORMAT).put("version", VERSION);
    ArrayNode list = root.putArray("processes");
    for (ProcessReport r : reports) {
      ObjectNode p = list.addObject().put("process", r.process()).put("run", r.run()).put("state", r.state().name());
      r.pid().ifPresent(pid -> p.put("pid", pid));
      r.exitCode().ifPresent(code -> p.put("exitCode", code));
      r.startedAt().ifPresent(t -> p.put("startedAt", t.toString()));
      r.endedAt().ifPresent(t -> p.put("endedAt", t.toString()));
      p.put("message", r.message());
    }
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }
}
