package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationTest {

  private static List<String> problems(Runnable build) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, build::run);
    assertThat(e).as("expected an InvalidConfigException").isNotNull();
    return e.problems();
  }

  @Test
  void everyProblemIsListedWithItsPath() {
    List<String> problems = problems(() -> Job.service("www data/prod/{{missing}}")
        .instances(-1)
        .task(t -> t.process("server", "./s --v {{profile.version}} --p {{port.web}}")
            .cpus(0).ramMb(-1).port("http")
            .healthCheck(HealthCheck.http("admin", "health")))
        .constraint(Constraint.limit("host", 0))
        .build());

    assertThat(problems).contains(
        "key.role: \"www data\" may hold only letters, digits, '_', '.' and '-'",
        "instances: must be >= 0, was -1",
        "task.processes[0].command: unbound template variable {{profile.version}}",
        "task.processes[0].command: {{port.web}} names a port that is not declared (declared: http)",
        "task.resources.cpus: must be > 0, was 0.0",
        "task.resources.ramMb: must be > 0, was -1",
        "task.constraints[0]: constraint limit host:0: the limit must be >= 1",
        "task.healthCheck.port: \"admin\" is not a declared port (declared: http)",
        "task.healthCheck.path: an HTTP health check needs a path starting with '/'");
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("key.name: \"{{missing}}\""));
  }

  @Test
  void cronExpressionOutOfRangeNamesTheField() {
    List<String> problems = problems(() -> Job.cron("a/b/c", "61 * * * *")
        .task(t -> t.process("p", "true").cpus(1).ramMb(1)).build());
    assertThat(problems).singleElement().satisfies(p -> assertThat(p)
        .startsWith("cron.expression: \"61 * * * *\": minute \"61\" out of range"));
  }

  @Test
  void cronExpressionWithWrongFieldCount() {
    assertThat(problems(() -> Job.cron("a/b/c", "* * *").task(t -> t.process("p", "true").cpus(1).ramMb(1)).build()))
        .containsExactly("cron.expression: \"* * *\": a Unix cron expression has 5 fields "
            + "(minute hour day-of-month month day-of-week), found 3");
  }

  @Test
  void cronServiceIsRefused() {
    assertThat(problems(() -> JobConfig.builder()
            .key(JobKey.of("a", "b", "c"))
            .task(TaskConfig.builder().addProcesses(ProcessConfig.of("p", "true"))
                .resources(Resources.of(1, 1, 0)).service(true).build())
            .cron(CronSchedule.of("* * * * *"))
            .build()))
        .containsExactly("cron: a cron job cannot be a service (its runs end; a service runs forever)");
  }

  @Test
  void taskRules() {
    List<String> problems = problems(() -> Job.adhoc("a/b/c")
        .task(t -> t.process("p", " ").process("p", "x").cpus(1).ramMb(1).maxTaskFailures(0)
            .tier(Tier.PREEMPTIBLE).production(true)
            .constraint(Constraint.value("zone"))
            .constraint(Constraint.limit("zone", 2))
            .announce(Announce.of("http", "aurora"))
            .healthCheck(HealthCheck.command("check").withInterval(Duration.ZERO)))
        .build());
    assertThat(problems).containsExactlyInAnyOrder(
        "task.processes[0].command: must not be blank",
        "task.processes[1].name: \"p\" is used by an earlier process",
        "task.constraints[0]: value constraint on \"zone\" needs at least one value",
        "task.constraints[1]: a second constraint on attribute \"zone\"; combine them into one",
        "task.maxTaskFailures: must be >= 1, or -1 for unlimited, was 0",
        "task.production: a production task must be in tier preferred, was preemptible",
        "task.healthCheck.interval: must be > 0, was PT0S",
        "task.announce.primaryPort: \"http\" is not a declared port (no ports are declared)",
        "task.announce.zkPath: must start with '/', was \"aurora\"");
  }

  @Test
  void noProcessesAtAll() {
    assertThat(problems(() -> Job.adhoc("a/b/c").task(t -> t.cpus(1).ramMb(1)).build()))
        .containsExactly("task.processes: at least one process is needed");
  }

  @Test
  void updateSettingsCheckThemselves() {
    assertThat(problems(() -> UpdateSettings.builder().batchSizes(1, 0).maxFailedInstances(-1)
            .pulseInterval(Duration.ZERO).build()))
        .containsExactly(
            "update.batchSizes[1]: must be >= 1, was 0",
            "update.maxFailedInstances: must be >= 0, was -1",
            "update.pulseInterval: must be > 0, was PT0S");
  }

  @Test
  void jobKeyParts() {
    assertThat(problems(() -> JobKey.of("", "x".repeat(65), "ok")))
        .containsExactly(
            "key.role: must not be empty",
            "key.environment: \"" + "x".repeat(65) + "\" is longer than 64 characters");
    assertThat(problems(() -> JobKey.parse("a/b"))).containsExactly("key: \"a/b\" is not of the form role/environment/name");
    assertThat(JobKey.parse("a.b/c_d/e-f").toString()).isEqualTo("a.b/c_d/e-f");
  }

  @Test
  void validConfigPasses() {
    JobConfig job = Job.adhoc("a/b/c").task(t -> t.process("p", "true").cpus(0.1).ramMb(16)).build();
    assertThat(job.task().maxTaskFailures()).isEqualTo(1);
    assertThatThrownBy(() -> job.withInstances(-3)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("instances: must be >= 0, was -3");
  }

  @Test
  void cpusMustBeAFiniteNumber() {
    assertThat(problems(() -> Job.service("a/b/c")
        .task(t -> t.process("p", "./p").cpus(Double.POSITIVE_INFINITY).ramMb(1)).build()))
        .containsExactly("task.resources.cpus: must be a finite number > 0, was Infinity");
    assertThat(problems(() -> Job.service("a/b/c").task(t -> t.process("p", "./p").cpus(Double.NaN).ramMb(1)).build()))
        .containsExactly("task.resources.cpus: must be a finite number > 0, was NaN");
  }

  @Test
  void aValueConstraintWithAnEmptyValueIsRefused() {
    assertThat(problems(() -> Constraint.parse("zone=")))
        .containsExactly("constraint \"zone=\": an empty value; a value constraint names one or more values, "
            + "such as zone=a|b");
    assertThat(problems(() -> Constraint.parse("rack!=r1||r2")))
        .containsExactly("constraint \"rack!=r1||r2\": an empty value; a value constraint names one or more values, "
            + "such as rack!=a|b");
    assertThat(problems(() -> Job.service("a/b/c")
        .task(t -> t.process("p", "./p").cpus(1).ramMb(1).constraint(Constraint.value("zone", "a", " "))).build()))
        .containsExactly("task.constraints[0].values: must not hold an empty value");
  }

  @Test
  void aCronExpressionThatNeverFiresIsRefused() {
    assertThat(problems(() -> Job.cron("a/b/c", "0 3 31 2 *").task(t -> t.process("p", "true").cpus(1).ramMb(1)).build()))
        .containsExactly("cron.expression: \"0 3 31 2 *\": never fires (no such date)");
    JobConfig april30 = Job.cron("a/b/c", "0 3 30,31 2,4 *").task(t -> t.process("p", "true").cpus(1).ramMb(1)).build();
    assertThat(april30.cron()).as("April 30 exists").isPresent();
  }

  @Test
  void aCronExpressionThatFiresOnlyInLeapYearsIsValid() {
    JobConfig job = Job.cron("a/b/c", "0 3 29 2 *").task(t -> t.process("p", "true").cpus(1).ramMb(1)).build();
    assertThat(job.cron()).isPresent();
  }

  @Test
  void aQuotaMustBeFinite() {
    assertThatThrownBy(() -> ResourceQuota.of(Double.NaN, 1, 1, 0))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: quota.cpus: must be a finite number >= 0, was NaN");
    assertThatThrownBy(() -> ResourceQuota.of(Double.POSITIVE_INFINITY, 1, 1, 0))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: quota.cpus: must be a finite number >= 0, was Infinity");
  }

  @Test
  void aMalformedKeyIsReportedWithTheOtherProblemsAtBuild() {
    JobBuilder builder = Job.service("a/b/c/d");
    assertThat(problems(() -> builder.instances(-1).task(t -> t.process("p", "./p").cpus(1).ramMb(1)).build()))
        .containsExactly("key: \"a/b/c/d\" is not of the form role/environment/name", "instances: must be >= 0, was -1");
    assertThat(problems(() -> Job.cron("nokey", "0 3 * * *").toTemplate().build()))
        .startsWith("key: \"nokey\" is not of the form role/environment/name");
  }

  @Test
  void aTcpHealthCheckNeedsADeclaredPort() {
    assertThat(problems(() -> Job.service("www/prod/tcp").task(t -> t.process("p", "./s").cpus(1).ramMb(1)
        .port("http").healthCheck(HealthCheck.tcp("admin"))).build()))
        .containsExactly("task.healthCheck.port: \"admin\" is not a declared port (declared: http)");
    assertThat(problems(() -> Job.service("www/prod/tcp").task(t -> t.process("p", "./s").cpus(1).ramMb(1)
        .port("http").healthCheck(ImmutableHealthCheck.builder().type(HealthCheck.Type.TCP).build())).build()))
        .containsExactly("task.healthCheck.port: a TCP health check needs a port name");
    Job.service("www/prod/tcp").task(t -> t.process("p", "./s").cpus(1).ramMb(1).port("http")
        .healthCheck(HealthCheck.tcp("http"))).build();
  }
}
