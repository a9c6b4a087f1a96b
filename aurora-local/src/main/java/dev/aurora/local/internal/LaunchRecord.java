package dev.aurora.local.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.OfferBook.Allocation;
import dev.aurora.core.TaskLaunch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a later backend needs to adopt a running task: its launch (task id, instance, agent, config,
 * processes, environment, health check) and what it holds on its agent (cpus, memory, disk, ports).
 * Kept in the sandbox as {@code .aurora/launch.json}, written before the first process starts; the
 * pid file beside it says which processes are the task's.
 */
record LaunchRecord(TaskLaunch launch, long milliCpus, long ramMb, long diskMb, Map<String, Integer> ports) {
  private static final String FILE = "launch.json";
  private static final ObjectMapper MAPPER = AuroraJson.newMapper();

  static LaunchRecord of(TaskLaunch launch, Allocation allocation) {
    return new LaunchRecord(launch, allocation.milliCpus(), allocation.ramMb(), allocation.diskMb(),
        allocation.ports());
  }

  /** Writes the record into the sandbox's metadata directory {@code meta}, atomically. */
  void write(Path meta) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("taskId", launch.taskId().value());
    json.put("instance", launch.instance().toString());
    json.put("agentId", launch.agentId());
    json.put("milliCpus", milliCpus);
    json.put("ramMb", ramMb);
    json.put("diskMb", diskMb);
    json.put("ports", ports);
    json.put("config", launch.config());
    json.put("processes", launch.processes());
    json.put("environment", launch.environment());
    json.put("launchPorts", launch.ports());
    launch.healthCheck().ifPresent(h -> json.put("healthCheck", h));
    Path tmp = meta.resolve(FILE + ".tmp");
    Files.writeString(tmp, MAPPER.writeValueAsString(json));
    Files.move(tmp, meta.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The record in {@code meta}, if there is one. */
  static Optional<LaunchRecord> read(Path meta) throws IOException {
    Path file = meta.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode n = MAPPER.readTree(file.toFile());
    List<ProcessConfig> processes = new ArrayList<>();
    for (JsonNode p : n.get("processes")) {
      processes.add(MAPPER.treeToValue(p, ProcessConfig.class));
    }
    TaskLaunch launch = TaskLaunch.builder()
        .taskId(TaskId.of(n.get("taskId").asText()))
        .instance(InstanceKey.parse(n.get("instance").asText()))
        .agentId(n.get("agentId").asText())
        .config(MAPPER.treeToValue(n.get("config"), TaskConfig.class))
        .ports(ints(n.get("launchPorts")))
        .processes(processes)
        .environment(strings(n.get("environment")))
        .healthCheck(n.has("healthCheck")
            ? Optional.of(MAPPER.treeToValue(n.get("healthCheck"), HealthCheck.class)) : Optional.empty())
        .build();
    return Optional.of(new LaunchRecord(launch, n.get("milliCpus").asLong(), n.get("ramMb").asLong(),
        n.get("diskMb").asLong(), ints(n.get("ports"))));
  }

  private static Map<String, Integer> ints(JsonNode node) {
    Map<String, Integer> map = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asInt()));
    return map;
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> map = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }
}
