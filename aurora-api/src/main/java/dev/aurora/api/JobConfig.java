package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A validated job: its key, owner, instance count, the task config every instance runs, an optional
 * cron schedule and the settings its rolling updates use.
 *
 * <p>A {@code JobConfig} is always valid: building one checks the whole config and throws one {@link
 * InvalidConfigException} listing every problem. Write jobs with {@link Job}'s fluent builders and
 * {@link JobTemplate}s, or load them from JSON with {@link AuroraJson}.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableJobConfig.class)
@JsonDeserialize(as = ImmutableJobConfig.class)
public abstract class JobConfig {

  /** The job's key. */
  public abstract JobKey key();

  /** Who owns the job (for people and audit); the role unless set. */
  @Value.Default
  public String owner() {
    return key().role();
  }

  /** How many instances (0 to instances-1) the job runs. */
  @Value.Default
  public int instances() {
    return 1;
  }

  /** What every instance runs. */
  public abstract TaskConfig task();

  /** For a cron job: when it runs. */
  public abstract Optional<CronSchedule> cron();

  /** How rolling updates of this job proceed unless the update says otherwise. */
  @Value.Default
  public UpdateSettings update() {
    return UpdateSettings.DEFAULT;
  }

  /** Whether the job is a service (its tasks are replaced whenever they end). */
  @JsonIgnore
  public boolean isService() {
    return task().service();
  }

  /** Whether the job runs on a cron schedule. */
  @JsonIgnore
  public boolean isCron() {
    return cron().isPresent();
  }

  /** A builder. */
  public static ImmutableJobConfig.Builder builder() {
    return ImmutableJobConfig.builder();
  }

  /** A copy with a different instance count, validated. */
  public JobConfig withInstances(int instances) {
    return ImmutableJobConfig.copyOf(this).withInstances(instances);
  }

  /** A copy with a different task config, validated. */
  public JobConfig withTask(TaskConfig task) {
    return ImmutableJobConfig.copyOf(this).withTask(task);
  }

  @Value.Check
  protected void check() {
    List<String> problems = JobValidator.problems(this);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}
