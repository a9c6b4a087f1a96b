package dev.aurora.api;

import java.util.Map;

/**
 * An immutable job definition that may still hold {@code {{variables}}}: write it once, derive many
 * jobs from it.
 *
 * <pre>{@code
 * JobConfig prod = web.bind("version", "1.4.2").build();
 * JobConfig staging = web.toBuilder().environment("staging").bind("version", "1.5.0-rc1").build();
 * }</pre>
 *
 * <p>A template can also be kept as JSON: {@link AuroraJson#readTemplate} reads one (unbound
 * variables kept, validated when built) and {@link AuroraJson#toJson} writes one.
 *
 * <p>Bindings may refer to other bindings; {@code {{port.NAME}}}, {@code {{instance}}} and {@code
 * {{task_id}}} are left for each task's launch.
 */
public final class JobTemplate {
  private final JobBuilder draft;

  JobTemplate(JobBuilder draft) {
    this.draft = draft;
  }

  /** A new template with {@code {{name}}} bound to {@code value}; this one is unchanged. */
  public JobTemplate bind(String name, Object value) {
    return new JobBuilder(draft).bind(name, value).toTemplate();
  }

  /** A new template with every entry of {@code values} bound (nested maps bind dotted names). */
  public JobTemplate bind(Map<String, ?> values) {
    return new JobBuilder(draft).bind(values).toTemplate();
  }

  /** A builder holding a copy of this template, to derive a new definition from it. */
  public JobBuilder toBuilder() {
    return new JobBuilder(draft);
  }

  /** The bindings made so far. */
  public Map<String, String> bindings() {
    return Map.copyOf(draft.bindings());
  }

  /** The JSON form (see {@link AuroraJson#readTemplate}): variables kept, bindings under "bindings". */
  Map<String, Object> jsonForm() {
    return JobTemplateJson.form(draft);
  }

  /**
   * Resolves the bindings and builds the validated job.
   *
   * @throws InvalidConfigException listing every problem
   */
  public JobConfig build() {
    return new JobBuilder(draft).build();
  }
}
