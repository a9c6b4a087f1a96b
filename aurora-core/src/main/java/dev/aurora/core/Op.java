package dev.aurora.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One change to the scheduler's durable state. The scheduler appends ops to {@link Storage} in
 * batches; replaying the last snapshot and then every op appended after it rebuilds the state.
 * Storage implementations store ops without interpreting them; each op is a JSON-serializable record.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Op.SaveJob.class, name = "saveJob"),
  @JsonSubTypes.Type(value = Op.RemoveJob.class, name = "removeJob"),
  @JsonSubTypes.Type(value = Op.SaveTask.class, name = "saveTask"),
  @JsonSubTypes.Type(value = Op.RemoveTasks.class, name = "removeTasks"),
  @JsonSubTypes.Type(value = Op.SaveHostMaintenance.class, name = "saveHostMaintenance"),
  @JsonSubTypes.Type(value = Op.SaveQuota.class, name = "saveQuota"),
  @JsonSubTypes.Type(value = Op.RemoveQuota.class, name = "removeQuota"),
  @JsonSubTypes.Type(value = Op.SaveAgent.class, name = "saveAgent"),
  @JsonSubTypes.Type(value = Op.SaveUpdate.class, name = "saveUpdate"),
  @JsonSubTypes.Type(value = Op.SaveCronState.class, name = "saveCronState"),
  @JsonSubTypes.Type(value = Op.SaveAuditEntry.class, name = "saveAuditEntry"),
  @JsonSubTypes.Type(value = Op.SaveDrainStart.class, name = "saveDrainStart"),
  @JsonSubTypes.Type(value = Op.SaveTaskStatus.class, name = "taskStatus"),
  @JsonSubTypes.Type(value = Op.AssignTask.class, name = "assignTask"),
  @JsonSubTypes.Type(value = Op.CreateTasks.class, name = "createTasks"),
  @JsonSubTypes.Type(value = Op.SaveBackendProperties.class, name = "saveBackendProperties"),
})
public sealed interface Op {

  /** A job was created or its config changed. */
  record SaveJob(JobConfig job) implements Op {}

  /** A job is gone (its tasks may still be in history). */
  record RemoveJob(JobKey key) implements Op {}

  /** A task was created or changed; the whole task is stored. */
  record SaveTask(ScheduledTask task) implements Op {}

  /**
   * A stored task moved to {@code status} at {@code timeMillis} (milliseconds since 1970) with {@code
   * message}: replayed as that event appended to the task as stored before (what else the move changes,
   * such as a health result dropped on leaving the agent, follows from the task and the state). The
   * scheduler writes it for every move of a task that is already stored, except its placement ({@link
   * AssignTask}): a few dozen bytes instead of the whole task. Written since the release after 0.1.0;
   * earlier releases do not read it (see docs/storage.md).
   *
   * @param message empty when there is nothing to say (then left out of the JSON)
   */
  record SaveTaskStatus(TaskId id, ScheduleStatus status, long timeMillis,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
      String message) implements Op {
    /** Checks the id and status are given; a null message is empty. */
    public SaveTaskStatus {
      java.util.Objects.requireNonNull(id, "id");
      java.util.Objects.requireNonNull(status, "status");
      message = message == null ? "" : message;
    }
  }

  /**
   * A stored PENDING task was placed on agent {@code agentId} ({@code host}) with {@code ports} (in the
   * order of its config's named ports) at {@code timeMillis}: replayed as that placement of the task as
   * stored before, with its ASSIGNED event. Written since the release after 0.1.0 instead of the whole
   * task; earlier releases do not read it (see docs/storage.md).
   */
  record AssignTask(TaskId id, String agentId, String host, List<Integer> ports, long timeMillis) implements Op {
    /** Checks every part is given and copies the ports. */
    public AssignTask {
      java.util.Objects.requireNonNull(id, "id");
      java.util.Objects.requireNonNull(agentId, "agentId");
      java.util.Objects.requireNonNull(host, "host");
      ports = ports == null ? List.of() : List.copyOf(ports);
    }
  }

  /**
   * New tasks of one job, all running {@code config}, were created at {@code timeMillis} and moved at
   * once to {@code status} (PENDING): task {@code ids[i]} is instance {@code instances[i]}, with no
   * failures, no flaps and no message. Replayed as those tasks, each as if stored whole by {@link
   * SaveTask}, sharing the one config. The scheduler writes it where it creates tasks (createJob,
   * createJobs, addInstances, updates, replacements), one op for the tasks of one job and config created
   * one after another in a transaction: the config is stored once rather than with every task (a
   * 100,000-task job takes about 5 MB instead of 90). Written since the release after 0.1.0; earlier
   * releases do not read it (see docs/storage.md).
   *
   * <p>A task's instance and id are kept in two aligned arrays (an {@code int[]}, so a large job's op
   * holds no boxed numbers); {@link #equals} compares their contents.
   */
  record CreateTasks(JobKey job, TaskConfig config, ScheduleStatus status, long timeMillis, int[] instances,
      List<TaskId> ids) implements Op {
    /** Checks every part is given and the arrays are aligned, and copies them. */
    public CreateTasks {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(status, "status");
      instances = instances == null ? new int[0] : instances.clone();
      ids = ids == null ? List.of() : List.copyOf(ids);
      if (instances.length != ids.size()) {
        throw new IllegalArgumentException("createTasks of " + job + ": " + instances.length + " instances but "
            + ids.size() + " task ids");
      }
      if (status == ScheduleStatus.INIT || status.isTerminal()) {
        throw new IllegalArgumentException("createTasks of " + job + ": tasks cannot be created " + status);
      }
    }

    /** The instances, aligned with {@link #ids} (a copy). */
    @Override
    public int[] instances() {
      return instances.clone();
    }

    /** How many tasks it creates. */
    public int size() {
      return instances.length;
    }

    /** The tasks it creates, in order, as they were when created. */
    List<ScheduledTask> tasks() {
      List<ScheduledTask> out = new ArrayList<>(instances.length);
      for (int i = 0; i < instances.length; i++) {
        out.add(ScheduledTask.create(ids.get(i), job, instances[i], config, timeMillis, 0, 0)
            .withStatus(status, timeMillis, ""));
      }
      return out;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CreateTasks c && job.equals(c.job) && config.equals(c.config) && status == c.status
          && timeMillis == c.timeMillis && Arrays.equals(instances, c.instances) && ids.equals(c.ids);
    }

    @Override
    public int hashCode() {
      return (job.hashCode() * 31 + Long.hashCode(timeMillis)) * 31 + ids.hashCode();
    }

    @Override
    public String toString() {
      return "CreateTasks[job=" + job + ", status=" + status + ", timeMillis=" + timeMillis + ", tasks="
          + ids.size() + (ids.isEmpty() ? "" : " (" + ids.get(0) + (ids.size() > 1 ? " .. " + ids.get(ids.size() - 1) : "")
          + ")") + "]";
    }
  }

  /** Tasks were pruned from history. */
  record RemoveTasks(List<TaskId> ids) implements Op {}

  /** A host's maintenance mode changed. */
  record SaveHostMaintenance(String host, MaintenanceMode mode) implements Op {}

  /**
   * A host began draining at {@code since} (written after the {@link SaveHostMaintenance} that makes
   * it DRAINING), so the drain timeout counts from then across restarts. Storage written before this
   * op existed has none: a recovered drain then counts from the scheduler's start.
   */
  record SaveDrainStart(String host, java.time.Instant since) implements Op {}

  /** An agent was seen with this hostname and these attributes (limit constraints count by them). */
  record SaveAgent(String agentId, String hostname, java.util.Map<String, String> attributes) implements Op {}

  /** A rolling update started or changed. */
  record SaveUpdate(UpdateDetails update) implements Op {}

  /** A cron job fired (so a restart knows which firings it missed). */
  record SaveCronState(JobKey job, java.time.Instant lastFired) implements Op {}

  /** A role's quota was set. */
  record SaveQuota(String role, ResourceQuota quota) implements Op {}

  /** A role's quota was removed: the role has no limit again, as if no quota had ever been set. */
  record RemoveQuota(String role) implements Op {}

  /** A mutating call was audited (the trail keeps only the newest entries). */
  record SaveAuditEntry(AuditEntry entry) implements Op {}

  /**
   * The backend's own durable properties changed (the Mesos backend keeps its framework id here): each
   * key of {@code properties} now has its value; keys not named keep theirs. Written when a backend
   * calls {@link BackendListener#storeBackendProperties}, in a transaction of its own; a snapshot holds
   * one such op with every property. Storage written before this op existed has none: the backend then
   * finds no property stored.
   */
  record SaveBackendProperties(java.util.Map<String, String> properties) implements Op {
    /** Creates the op, copying {@code properties} (sorted by key, so the same properties write the same bytes). */
    public SaveBackendProperties {
      java.util.TreeMap<String, String> copy = new java.util.TreeMap<>();
      properties.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, k)));
      properties = java.util.Collections.unmodifiableMap(copy);
    }
  }
}
