package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuroraJsonTest {
  static JobConfig fullJob() {
    return Job.service("www-data/prod/hello")
        .owner("alice")
        .instances(3)
        .task(t -> t.process(ProcessConfig.builder().name("server").command("./s --port {{port.http}}")
                .putEnvironment("A", "1").workingDirectory("bin").build())
            .process("sidecar", "./side")
            .cpus(0.25).ramMb(128).diskMb(64).gpus(1).port("http", "admin")
            .constraint(Constraint.limit("host", 1))
            .constraint(Constraint.value("zone", "a", "b"))
            .constraint(Constraint.notValue("rack", "r9"))
            .priority(5).tier(Tier.PREFERRED).production(true).maxTaskFailures(3)
            .healthCheck(HealthCheck.http("admin", "/health").withInterval(Duration.ofSeconds(3))
                .withMaxConsecutiveFailures(2))
            .announce(Announce.of("http", "/aurora"))
            .metadata("team", "web")
            .container("debian:12")
            .partitionPolicy(PartitionPolicy.of(true, Duration.ofMinutes(5))))
        .update(UpdateSettings.builder().batchSizes(1, 5).waitForBatchCompletion(true)
            .watch(Duration.ofSeconds(12)).maxPerInstanceFailures(1).maxFailedInstances(2)
            .rollbackOnFailure(false).pulseInterval(Duration.ofMinutes(5)).build())
        .build();
  }

  @Test
  void everyTypeRoundTrips() {
    JobConfig job = fullJob();
    assertThat(AuroraJson.readJob(AuroraJson.toJson(job))).isEqualTo(job);

    JobConfig cron = Job.cron("a/b/c", "0 3 * * MON-FRI").task(t -> t.process("p", "true").cpus(1).ramMb(1))
        .build();
    cron = JobConfig.builder().from(cron)
        .cron(CronSchedule.of("0 3 * * MON-FRI", ZoneId.of("Europe/Berlin"), CronCollisionPolicy.RUN_OVERLAP))
        .build();
    assertThat(AuroraJson.readJob(AuroraJson.toJson(cron))).isEqualTo(cron);

    Object[][] values = {
        {JobKey.of("a", "b", "c"), JobKey.class},
        {InstanceKey.of(JobKey.of("a", "b", "c"), 4), InstanceKey.class},
        {TaskId.of("t-1"), TaskId.class},
        {Principal.of("bob"), Principal.class},
        {ResourceQuota.of(1.5, 2, 3, 4), ResourceQuota.class},
        {Tier.REVOCABLE, Tier.class},
        {Resources.builder().cpus(1).ramMb(2).addPorts("x").build(), Resources.class},
        {HealthCheck.command("true"), HealthCheck.class},
        {UpdateSettings.DEFAULT, UpdateSettings.class},
        {PartitionPolicy.of(false, Duration.ofSeconds(90)), PartitionPolicy.class},
        {Constraint.dedicated("db"), Constraint.class},
        {CronSchedule.of("* * * * *"), CronSchedule.class},
        {Announce.of("http", "/a"), Announce.class},
        {ProcessConfig.of("a", "b"), ProcessConfig.class},
    };
    for (Object[] v : values) {
      assertThat(AuroraJson.fromJson(AuroraJson.toJson(v[0]), (Class<?>) v[1])).as("round trip of %s", v[0])
          .isEqualTo(v[0]);
    }
  }

  @Test
  void jsonIsReadable() {
    String json = AuroraJson.toJson(fullJob());
    assertThat(json).contains("\"key\" : \"www-data/prod/hello\"", "\"tier\" : \"preferred\"", "\"watch\" : \"PT12S\"");
  }

  @Test
  void saveAndLoadFiles(@TempDir Path dir) {
    Path file = dir.resolve("jobs/hello.json");
    AuroraJson.saveJob(fullJob(), file);
    assertThat(AuroraJson.loadJob(file)).isEqualTo(fullJob());
  }

  @Test
  void malformedJsonSaysWhere() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob("{\n  \"key\": \"a/b/c\",\n  \"instances\": ,\n}"));
    assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p)
        .startsWith("malformed JSON (line 3, column 16)"));
  }

  @Test
  void unknownFieldIsNamed() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob("{\"key\": \"a/b/c\", \"instnaces\": 3}"));
    assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p)
        .startsWith("instnaces: unknown field (line 1, column ")
        .contains("known fields"));
  }

  @Test
  void missingFieldsAndInvalidValuesAreNamed() {
    InvalidConfigException missing = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob("{\"instances\": 3}"));
    assertThat(missing.problems()).singleElement().satisfies(p -> assertThat(p)
        .startsWith("missing required field(s) key, task"));

    InvalidConfigException invalid = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob("{\"key\": \"a/b/c\", \"instances\": -1, \"task\": {\"processes\": [], "
            + "\"resources\": {\"cpus\": 1, \"ramMb\": 1}}}"));
    assertThat(invalid.problems()).containsExactly(
        "instances: must be >= 0, was -1", "task.processes: at least one process is needed");

    InvalidConfigException badKey = catchThrowableOfType(InvalidConfigException.class,
        () -> AuroraJson.readJob("{\"key\": \"a b/c\"}"));
    assertThat(badKey.problems()).containsExactly("key: \"a b/c\" is not of the form role/environment/name");
  }
}
