package dev.aurora.samples;

import dev.aurora.api.AuroraJson;
import dev.aurora.api.Constraint;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.UpdateSettings;
import java.time.Duration;

/**
 * Defines a service once as a template, derives a production and a staging job from it, prints them
 * as JSON, and shows what a broken definition reports.
 */
public final class HelloTemplates {
  private HelloTemplates() {}

  /** Runs the sample. */
  public static void main(String[] args) {
    JobTemplate web = Job.service("www-data/{{env}}/hello")
        .instances(5)
        .task(t -> t.process("server", "./hello --port {{port.http}} --version {{version}}")
            .cpus(0.5).ramMb(256).diskMb(128).port("http")
            .healthCheck(HealthCheck.http("http", "/health")))
        .constraint(Constraint.limit("host", 1))
        .update(UpdateSettings.builder().batchSizes(1, 2, 5).watch(Duration.ofSeconds(10)).build())
        .announce("http", "/aurora")
        .toTemplate();

    JobConfig prod = web.bind("env", "prod").bind("version", "1.4.2").build();
    JobConfig staging = web.toBuilder().instances(1).bind("env", "staging").bind("version", "1.5.0-rc1").build();

    System.out.println("== production ==");
    System.out.println(AuroraJson.toJson(prod));
    System.out.println("== staging: " + staging.key() + ", " + staging.instances() + " instance, command "
        + staging.task().processes().get(0).command());

    System.out.println("== a broken definition ==");
    try {
      web.toBuilder().instances(-1).task(t -> t.cpus(0)).bind("env", "prod").build();
    } catch (InvalidConfigException e) {
      System.out.println(e.getMessage());
    }
  }
}
