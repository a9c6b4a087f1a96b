package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of a {@link JobTemplate}: a job config whose strings may still hold {@code
 * {{variables}}}, plus optional default {@code bindings}. Read strictly by {@link AuroraJson}, like a
 * job; nothing but the key's shape is checked until the template is bound and built.
 */
@JsonDeserialize(builder = JobTemplateJson.Builder.class)
final class JobTemplateJson {
  private final JobBuilder draft;

  private JobTemplateJson(JobBuilder draft) {
    this.draft = draft;
  }

  /** Jackson fills this from the JSON object, field by field; {@link #build} checks the whole. */
  @JsonPOJOBuilder(withPrefix = "")
  static final class Builder {
    private @Nullable String key;
    private @Nullable String owner;
    private @Nullable Integer instances;
    private @Nullable TaskConfig task;
    private @Nullable CronSchedule cron;
    private @Nullable UpdateSettings update;
    private @Nullable Map<String, Object> bindings;

    Builder key(String key) {
      this.key = key;
      return this;
    }

    Builder owner(String owner) {
      this.owner = owner;
      return this;
    }

    Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    Builder task(TaskConfig task) {
      this.task = task;
      return this;
    }

    Builder cron(CronSchedule cron) {
      this.cron = cron;
      return this;
    }

    Builder update(UpdateSettings update) {
      this.update = update;
      return this;
    }

    Builder bindings(Map<String, Object> bindings) {
      this.bindings = bindings;
      return this;
    }

    JobTemplateJson build() {
      List<String> missing = new ArrayList<>();
      if (key == null) {
        missing.add("key");
      }
      if (task == null) {
        missing.add("task");
      }
      if (key == null || task == null) {
        // AuroraJson turns this into "missing required field(s) key, task", as for a job.
        throw new IllegalStateException(
            "Cannot build JobTemplate, some of required attributes are not set [" + String.join(", ", missing) + "]");
      }
      if (bindings != null) {
        List<String> problems = new ArrayList<>();
        checkBindings("bindings", bindings, problems);
        if (!problems.isEmpty()) {
          throw new InvalidConfigException(problems);
        }
      }
      return new JobTemplateJson(JobBuilder.fromTemplateJson(key, owner, instances, task, cron, update,
          bindings == null ? Map.of() : bindings));
    }
  }

  private static void checkBindings(String path, Map<?, ?> values, List<String> problems) {
    for (Map.Entry<?, ?> e : values.entrySet()) {
      String at = path + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> nested) {
        checkBindings(at, nested, problems);
      } else if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
        problems.add(at + ": expected a string, a number, true or false, or an object, found "
            + (v instanceof List<?> ? "an array" : "null"));
      }
    }
  }

  JobTemplate toTemplate() {
    return draft.toTemplate();
  }

  /** The JSON form of {@code draft}, its variables and bindings kept, fields in the job's order. */
  static Map<String, Object> form(JobBuilder draft) {
    Map<String, Object> form = new LinkedHashMap<>();
    form.put("key", draft.keyText());
    Optional.ofNullable(draft.ownerOrNull()).ifPresent(o -> form.put("owner", o));
    form.put("instances", draft.instancesValue());
    form.put("task", draft.unresolvedTask());
    Optional.ofNullable(draft.cronOrNull()).ifPresent(c -> form.put("cron", c));
    Optional.ofNullable(draft.updateOrNull()).ifPresent(u -> form.put("update", u));
    if (!draft.bindings().isEmpty()) {
      form.put("bindings", new LinkedHashMap<>(draft.bindings()));
    }
    return form;
  }
}
