package dev.aurora.api;

import dev.aurora.api.internal.Templates;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A mutable, fluent job definition whose strings may hold {@code {{template}} variables}. Freeze it
 * with {@link #toTemplate()}, or bind and {@link #build()} it directly. Start from {@link Job}.
 */
public final class JobBuilder {
  private String role;
  private String environment;
  private String name;
  /** The key as given, when it was not of the form role/environment/name; reported at build. */
  private @Nullable String malformedKey;
  private @Nullable String owner;
  private int instances = 1;
  private final TaskBuilder task;
  private @Nullable CronSchedule cron;
  private @Nullable UpdateSettings update;
  private final Map<String, String> bindings;

  JobBuilder(String key, boolean service) {
    this(key, new TaskBuilder(service));
  }

  private JobBuilder(String key, TaskBuilder task) {
    String[] parts = key.split("/", -1);
    if (parts.length == 3) {
      this.role = parts[0];
      this.environment = parts[1];
      this.name = parts[2];
    } else {
      // Reported by build() with every other problem of the config, not thrown here.
      this.malformedKey = key;
      this.role = "";
      this.environment = "";
      this.name = "";
    }
    this.task = task;
    this.bindings = new LinkedHashMap<>();
  }

  JobBuilder(JobBuilder o) {
    this.role = o.role;
    this.environment = o.environment;
    this.name = o.name;
    this.malformedKey = o.malformedKey;
    this.owner = o.owner;
    this.instances = o.instances;
    this.task = new TaskBuilder(o.task);
    this.cron = o.cron;
    this.update = o.update;
    this.bindings = new LinkedHashMap<>(o.bindings);
  }

  /** Sets the role (the first part of the key). */
  public JobBuilder role(String role) {
    this.role = role;
    return this;
  }

  /** Sets the environment (the second part of the key). */
  public JobBuilder environment(String environment) {
    this.environment = environment;
    return this;
  }

  /** Sets the job's name (the last part of the key). */
  public JobBuilder name(String name) {
    this.name = name;
    return this;
  }

  /** Sets the owner; the role unless set. */
  public JobBuilder owner(String owner) {
    this.owner = owner;
    return this;
  }

  /** Sets how many instances run. */
  public JobBuilder instances(int instances) {
    this.instances = instances;
    return this;
  }

  /** Configures the task every instance runs. */
  public JobBuilder task(Consumer<TaskBuilder> spec) {
    spec.accept(task);
    return this;
  }

  /** Adds a placement constraint to the task. */
  public JobBuilder constraint(Constraint constraint) {
    task.constraint(constraint);
    return this;
  }

  /** Sets the settings rolling updates of this job use. */
  public JobBuilder update(UpdateSettings update) {
    this.update = update;
    return this;
  }

  /** Announces running tasks in ZooKeeper under {@code zkPath}, with port {@code primaryPort}. */
  public JobBuilder announce(String primaryPort, String zkPath) {
    task.announce(Announce.of(primaryPort, zkPath));
    return this;
  }

  /** Makes this a cron job on a Unix cron expression in UTC (Aurora's default collision policy). */
  public JobBuilder cron(String expression) {
    return cron(CronSchedule.of(expression));
  }

  /** Makes this a cron job on {@code expression} in {@code zone}, with {@code policy}. */
  public JobBuilder cron(String expression, ZoneId zone, CronCollisionPolicy policy) {
    return cron(CronSchedule.of(expression, zone, policy));
  }

  /** Makes this a cron job on {@code schedule}. */
  public JobBuilder cron(CronSchedule schedule) {
    this.cron = schedule;
    task.service(false);
    return this;
  }

  /** Binds {@code {{name}}} to {@code value} (its string form); a later bind of a name wins. */
  public JobBuilder bind(String name, Object value) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        bind(name + "." + e.getKey(), e.getValue());
      }
    } else {
      bindings.put(name, String.valueOf(value));
    }
    return this;
  }

  /**
   * Binds every entry of {@code values}; nested maps bind dotted names, so {@code {"profile":
   * {"version": "1.0"}}} binds {@code {{profile.version}}}.
   */
  public JobBuilder bind(Map<String, ?> values) {
    for (Map.Entry<String, ?> e : values.entrySet()) {
      bind(e.getKey(), e.getValue());
    }
    return this;
  }

  /** Freezes this definition into an immutable template; later changes here do not affect it. */
  public JobTemplate toTemplate() {
    return new JobTemplate(new JobBuilder(this));
  }

  /**
   * Resolves every binding and builds the validated job.
   *
   * @throws InvalidConfigException listing every problem: unbound or cyclic variables, invalid
   *     fields, bad constraints or cron expressions
   */
  public JobConfig build() {
    List<String> problems = new ArrayList<>();
    TaskBuilder.Resolver r = (text, path) -> Templates.resolveBindings(text, bindings, path, problems);

    String resolvedRole = r.resolve(role, "key.role");
    String resolvedEnv = r.resolve(environment, "key.environment");
    String resolvedName = r.resolve(name, "key.name");
    List<String> keyProblems = new ArrayList<>();
    if (malformedKey != null) {
      keyProblems.add("key: \"" + malformedKey + "\" is not of the form role/environment/name");
    } else {
      JobKey.checkPart("key.role", resolvedRole, keyProblems);
      JobKey.checkPart("key.environment", resolvedEnv, keyProblems);
      JobKey.checkPart("key.name", resolvedName, keyProblems);
    }
    for (String p : keyProblems) {
      problems.add(p.contains("{{") ? p + " (unbound template variable?)" : p);
    }
    JobKey key = keyProblems.isEmpty()
        ? JobKey.of(resolvedRole, resolvedEnv, resolvedName)
        : JobKey.of("invalid", "invalid", "invalid");

    ImmutableJobConfig.Builder b = JobConfig.builder().key(key).instances(instances).task(task.build(r));
    if (owner != null) {
      b.owner(r.resolve(owner, "owner"));
    }
    if (cron != null) {
      b.cron(ImmutableCronSchedule.copyOf(cron).withExpression(r.resolve(cron.expression(), "cron.expression")));
    }
    if (update != null) {
      b.update(update);
    }
    try {
      JobConfig job = b.build();
      if (problems.isEmpty()) {
        return job;
      }
    } catch (InvalidConfigException e) {
      problems.addAll(e.problems());
    }
    throw new InvalidConfigException(problems);
  }

  Map<String, String> bindings() {
    return bindings;
  }

  /** A draft from the JSON form of a template (see {@link JobTemplateJson}); nothing is resolved. */
  static JobBuilder fromTemplateJson(String key, @Nullable String owner, @Nullable Integer instances,
      TaskConfig task, @Nullable CronSchedule cron, @Nullable UpdateSettings update, Map<String, ?> bindings) {
    JobBuilder b = new JobBuilder(key, new TaskBuilder(task));
    b.owner = owner;
    if (instances != null) {
      b.instances = instances;
    }
    b.cron = cron;
    b.update = update;
    b.bind(bindings);
    return b;
  }

  /** The key as written: {@code role/environment/name}, variables kept. */
  String keyText() {
    return malformedKey != null ? malformedKey : role + "/" + environment + "/" + name;
  }

  @Nullable String ownerOrNull() {
    return owner;
  }

  int instancesValue() {
    return instances;
  }

  @Nullable CronSchedule cronOrNull() {
    return cron;
  }

  @Nullable UpdateSettings updateOrNull() {
    return update;
  }

  /** The task with its variables kept, not validated. */
  TaskConfig unresolvedTask() {
    return task.build((text, path) -> text);
  }
}
