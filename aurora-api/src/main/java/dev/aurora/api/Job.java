package dev.aurora.api;

/**
 * Where job definitions start. Each method returns a {@link JobBuilder} that reads like the config:
 *
 * <pre>{@code
 * JobTemplate web = Job.service("www-data/prod/hello")
 *     .instances(5)
 *     .task(t -> t.process("server", "./hello --port {{port.http}} --version {{version}}")
 *                 .cpus(0.5).ramMb(256).diskMb(128).port("http")
 *                 .healthCheck(HealthCheck.http("http", "/health")))
 *     .constraint(Constraint.limit("host", 1))
 *     .toTemplate();
 * JobConfig prod = web.bind("version", "1.4.2").build();
 * }</pre>
 */
public final class Job {
  private Job() {}

  /**
   * A service: each instance runs forever and is replaced whenever its task ends. The key is {@code
   * role/environment/name}; its parts may hold template variables. A key of another form is reported
   * by {@link JobBuilder#build()}, together with every other problem of the config.
   */
  public static JobBuilder service(String key) {
    return new JobBuilder(key, true);
  }

  /** A one-off (ad hoc) job: each instance runs to completion, retried up to {@code maxTaskFailures}. */
  public static JobBuilder adhoc(String key) {
    return new JobBuilder(key, false);
  }

  /** A cron job: all instances run to completion at each firing of the Unix cron {@code expression}. */
  public static JobBuilder cron(String key, String expression) {
    return new JobBuilder(key, false).cron(expression);
  }
}
