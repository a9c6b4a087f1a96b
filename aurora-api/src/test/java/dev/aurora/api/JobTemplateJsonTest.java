package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job config JSON that still holds {@code {{variables}}}: kept when read, validated when bound. */
class JobTemplateJsonTest {
  private static final String TEMPLATE = """
      {
        "key": "www-data/{{env}}/hello",
        "instances": 3,
        "task": {
          "processes": [ { "name": "server", "command": "./hello --port {{port.http}} --version {{version}}" } ],
          "resources": { "cpus": 0.5, "ramMb": 256, "ports": [ "http" ] },
          "service": true
        },
        "bindings": { "env": "prod" }
      }
      """;

  @Test
  void aTemplateFileWithUnboundVariablesIsReadNotRefused() {
    JobTemplate template = AuroraJson.readTemplate(TEMPLATE);

    assertThat(template.bindings()).isEqualTo(Map.of("env", "prod"));
    // readJob keeps refusing it: a job file holds finished configs.
    assertThatThrownBy(() -> AuroraJson.readJob(TEMPLATE)).isInstanceOf(InvalidConfigException.class);
  }

  @Test
  void bindingCompletesATemplateFileIntoAValidatedJob() {
    JobConfig job = AuroraJson.readTemplate(TEMPLATE).bind("version", "1.4.2").build();

    assertThat(job.key()).isEqualTo(JobKey.of("www-data", "prod", "hello"));
    assertThat(job.instances()).isEqualTo(3);
    assertThat(job.isService()).isTrue();
    assertThat(job.task().processes().get(0).command()).isEqualTo("./hello --port {{port.http}} --version 1.4.2");
  }

  @Test
  void aBindOverridesTheFilesDefaultBinding() {
    JobConfig job = AuroraJson.readTemplate(TEMPLATE).bind("env", "staging").bind("version", "2").build();

    assertThat(job.key()).isEqualTo(JobKey.of("www-data", "staging", "hello"));
  }

  @Test
  void aTemplateIsValidatedWhenBoundListingEveryProblem() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readTemplate(TEMPLATE.replace("\"ramMb\": 256", "\"ramMb\": -1")).build());

    assertThat(e.problems()).containsExactly(
        "task.processes[0].command: unbound template variable {{version}}",
        "task.resources.ramMb: must be > 0, was -1");
  }

  @Test
  void theTemplateFormKeepsUnboundVariablesAndRoundTrips() {
    JobTemplate template = AuroraJson.readTemplate(TEMPLATE);

    String json = AuroraJson.toJson(template);

    assertThat(json).contains("\"key\" : \"www-data/{{env}}/hello\"")
        .contains("--version {{version}}")
        .contains("\"bindings\" : {");
    JobTemplate again = AuroraJson.readTemplate(json);
    assertThat(again.bind("version", "1").build()).isEqualTo(template.bind("version", "1").build());
  }

  @Test
  void aBuilderTemplateIsWrittenWithItsVariablesAndReadBack() {
    JobTemplate web = Job.service("www-data/prod/hello")
        .instances(2)
        .task(t -> t.process("server", "./hello --version {{version}}").env("MODE", "{{mode}}")
            .cpus(0.5).ramMb(64))
        .bind("mode", "fast")
        .toTemplate();

    JobTemplate read = AuroraJson.readTemplate(AuroraJson.toJson(web));

    assertThat(read.bindings()).isEqualTo(Map.of("mode", "fast"));
    assertThat(read.bind("version", "3").build()).isEqualTo(web.bind("version", "3").build());
  }

  @Test
  void aTemplateKeepsItsProcessGraphShutdownTierAndPoliciesThroughJson() {
    JobTemplate web = Job.service("www-data/prod/graph")
        .instances(2)
        .task(t -> t.process("fetch", "./fetch {{version}}").process("serve", "./serve")
            .finalizer("flush", "./flush").order("fetch", "serve")
            .killGracePeriod(java.time.Duration.ofSeconds(7))
            .tier("preferred")
            .partitionPolicy(PartitionPolicy.of(false, java.time.Duration.ofMinutes(2)))
            .slaPolicy(SlaPolicy.count(1, java.time.Duration.ofSeconds(30)))
            .restartPolicy(RestartPolicy.backoff(java.time.Duration.ofSeconds(1), 2.0,
                java.time.Duration.ofMinutes(1)))
            .cpus(0.5).ramMb(64))
        .toTemplate();

    JobTemplate read = AuroraJson.readTemplate(AuroraJson.toJson(web));

    assertThat(read.bind("version", "3").build()).isEqualTo(web.bind("version", "3").build());
  }

  @Test
  void aJobFileIsATemplateWithoutVariablesThatBuildsTheSameJob() {
    JobConfig job = AuroraJsonTest.fullJob();

    assertThat(AuroraJson.readTemplate(AuroraJson.toJson(job)).build()).isEqualTo(job);
  }

  @Test
  void numbersStayLiteralInATemplate() {
    assertThat(problems(TEMPLATE.replace("\"instances\": 3", "\"instances\": \"{{n}}\"")))
        .singleElement().asString().startsWith("instances: expected a whole number");
  }

  @Test
  void nestedDefaultBindingsBindDottedNames() {
    JobTemplate template = AuroraJson.readTemplate(TEMPLATE.replace("\"env\": \"prod\"",
        "\"env\": \"prod\", \"profile\": { \"version\": \"2.0\", \"build\": 17 }"));

    assertThat(template.bindings()).containsEntry("profile.version", "2.0").containsEntry("profile.build", "17");
  }

  @Test
  void templateFileErrorsNameTheFieldAndLocation() {
    assertThat(problems("{\"key\": \"a/b/c\", \"task\": {}, \"bindngs\": {}}"))
        .singleElement().asString().startsWith("bindngs: unknown field (line 1, column");
    assertThat(problems("{\"instances\": 1}"))
        .singleElement().asString().startsWith("missing required field(s) key, task");
    assertThat(problems("{\"key\": \"a/b/c\", \"task\": {}, \"bindings\": {\"v\": [1]}}"))
        .containsExactly("bindings.v: expected a string, a number, true or false, or an object, found an array");
    assertThat(problems("{\"key\": \"a/b/c\", \"task\": {}, \"owner\": null}"))
        .singleElement().asString().startsWith("owner: null is not a value");
  }

  @Test
  void loadAndSaveATemplateFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jobs/hello.json");
    AuroraJson.saveTemplate(AuroraJson.readTemplate(TEMPLATE), file);

    assertThat(AuroraJson.loadTemplate(file).bind("version", "9").build().key().environment()).isEqualTo("prod");

    Files.writeString(file, "{\"key\": \"a/b/c\"}");
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> AuroraJson.loadTemplate(file));
    assertThat(e.problems()).singleElement().asString().startsWith(file + ": missing required field(s) task");
  }

  private static java.util.List<String> problems(String json) {
    return catchThrowableOfType(InvalidConfigException.class, () -> AuroraJson.readTemplate(json)).problems();
  }
}
