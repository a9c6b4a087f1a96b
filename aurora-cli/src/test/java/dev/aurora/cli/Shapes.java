package dev.aurora.cli;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Canned answers shaped as routes.md says (and as the core's records serialize): problem JSON (RFC
 * 9457), JobSummary, the job with its tasks, Task, UpdateDetails, PendingReason, quotas, hosts.
 */
final class Shapes {
  private Shapes() {}

  static String problem(int status, String title, String detail) {
    return "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
  }

  static String invalidConfig(String... fieldMessages) {
    String errors = java.util.Arrays.stream(fieldMessages).map(fm -> {
      String[] split = fm.split(": ", 2);
      String[] p = split.length == 2 ? split : new String[] {"", fm};
      return "{\"field\":\"" + p[0] + "\",\"message\":\"" + p[1] + "\"}";
    }).collect(Collectors.joining(","));
    return "{\"type\":\"about:blank\",\"title\":\"invalid request\",\"status\":400,"
        + "\"detail\":\"" + String.join("; ", fieldMessages) + "\",\"errors\":[" + errors + "]}";
  }

  /** JobSummary{key, type, instances, active counts by state}. */
  static String jobSummary(String key, String type, int instances, Map<String, Integer> active) {
    return "{\"key\":\"" + key + "\",\"type\":\"" + type + "\",\"instances\":" + instances + ",\"active\":"
        + active.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
            .collect(Collectors.joining(",", "{", "}")) + "}";
  }

  private static final String TASK_CONFIG = "{\"processes\":[{\"name\":\"server\",\"command\":\"./hello\","
      + "\"environment\":{}}],\"resources\":{\"cpus\":0.5,\"ramMb\":256,\"diskMb\":0,\"gpus\":0,\"ports\":[]},"
      + "\"constraints\":[],\"priority\":0,\"tier\":\"preferred\",\"production\":false,\"maxTaskFailures\":1,"
      + "\"service\":true,\"metadata\":{}}";

  /** A task, as ScheduledTask serializes: id, job, instance, config, status, agentId, host, ports, events, ... */
  static String task(String id, String job, int instance, String status, String host) {
    return "{\"id\":\"" + id + "\",\"job\":\"" + job + "\",\"instance\":" + instance + ",\"config\":" + TASK_CONFIG
        + ",\"status\":\"" + status + "\""
        + (host == null ? "" : ",\"agentId\":\"agent-" + host + "\",\"host\":\"" + host + "\"")
        + ",\"ports\":{},\"events\":[{\"time\":\"2026-12-01T20:00:00Z\",\"status\":\"PENDING\",\"message\":\"\"}],"
        + "\"failureCount\":0,\"flapCount\":0}";
  }

  /** GET /jobs/{key}: {config, summary, tasks}. */
  static String jobWithTasks(String configJson, String... tasks) {
    return "{\"config\":" + configJson + ",\"summary\":" + jobSummary("www-data/prod/hello", "service", 3, Map.of())
        + ",\"tasks\":[" + String.join(",", tasks) + "]}";
  }

  /** UpdateDetails with per-instance progress ({instance: InstanceProgress}). */
  static String update(String id, String job, String status, String... instanceStates) {
    StringBuilder instances = new StringBuilder("{");
    for (int i = 0; i < instanceStates.length; i++) {
      if (i > 0) {
        instances.append(',');
      }
      instances.append("\"").append(i).append("\":{\"state\":\"").append(instanceStates[i])
          .append("\",\"failures\":0,\"touched\":true,\"existedBefore\":true,\"existsAfter\":true}");
    }
    instances.append('}');
    return "{\"id\":\"" + id + "\",\"job\":\"" + job + "\",\"status\":\"" + status + "\",\"by\":\"alice\","
        + "\"message\":\"bump\",\"instances\":" + instances + ",\"events\":[],\"instanceEvents\":[],"
        + "\"lastPulse\":\"1970-01-01T00:00:00Z\"}";
  }

  static String list(List<String> items) {
    return "[" + String.join(",", items) + "]";
  }
}
