package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobTemplateTest {
  private static final JobTemplate WEB = Job.service("www-data/prod/hello")
      .instances(5)
      .task(t -> t.process("server", "./hello --port {{port.http}} --version {{version}}")
          .cpus(0.5).ramMb(256).diskMb(128).port("http")
          .healthCheck(HealthCheck.http("http", "/health")))
      .constraint(Constraint.limit("host", 1))
      .update(UpdateSettings.builder().batchSizes(1, 2, 5).watch(Duration.ofSeconds(10)).build())
      .announce("http", "/aurora")
      .toTemplate();

  @Test
  void fluentBuilderReadsLikeTheConfig() {
    JobConfig job = WEB.bind("version", "1.4.2").build();

    assertThat(job.key()).isEqualTo(JobKey.of("www-data", "prod", "hello"));
    assertThat(job.owner()).isEqualTo("www-data");
    assertThat(job.instances()).isEqualTo(5);
    assertThat(job.isService()).isTrue();
    assertThat(job.task().processes()).containsExactly(
        ProcessConfig.of("server", "./hello --port {{port.http}} --version 1.4.2"));
    assertThat(job.task().resources()).isEqualTo(Resources.of(0.5, 256, 128).withPorts(java.util.Set.of("http")));
    assertThat(job.task().constraints()).containsExactly(Constraint.limit("host", 1));
    assertThat(job.task().announce()).contains(Announce.of("http", "/aurora"));
    assertThat(job.update().batchSizes()).containsExactly(1, 2, 5);
    assertThat(job.update().batchSize(7)).isEqualTo(5);
  }

  @Test
  void bindingReturnsANewTemplateAndLeavesTheOldOneAlone() {
    JobTemplate bound = WEB.bind("version", "1");
    assertThat(bound.bindings()).containsEntry("version", "1");
    assertThat(WEB.bindings()).isEmpty();
    assertThatThrownBy(WEB::build)
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(e -> assertThat(((InvalidConfigException) e).problems()).containsExactly(
            "task.processes[0].command: unbound template variable {{version}}"));
  }

  @Test
  void bindingsResolveThroughOtherBindingsAndNestedMaps() {
    JobConfig job = Job.adhoc("{{team}}/prod/report")
        .task(t -> t.process("run", "./report --release {{release}}").cpus(1).ramMb(64))
        .bind("release", "{{profile.version}}-{{profile.build}}")
        .bind(Map.of("profile", Map.of("version", "2.0", "build", 17)))
        .bind("team", "analytics")
        .build();

    assertThat(job.key().toString()).isEqualTo("analytics/prod/report");
    assertThat(job.task().processes().get(0).command()).isEqualTo("./report --release 2.0-17");
  }

  @Test
  void taskVariablesStayForLaunch() {
    JobConfig job = Job.service("a/b/c")
        .task(t -> t.process("p", "echo {{instance}} {{task_id}} {{port.admin}}").cpus(1).ramMb(1).port("admin"))
        .build();
    assertThat(job.task().processes().get(0).command()).isEqualTo("echo {{instance}} {{task_id}} {{port.admin}}");
  }

  @Test
  void cyclicBindingsAreReportedWithTheCycle() {
    assertThatThrownBy(() -> Job.adhoc("a/b/c")
            .task(t -> t.process("p", "echo {{a}}").cpus(1).ramMb(1))
            .bind("a", "x{{b}}").bind("b", "y{{a}}")
            .build())
        .isInstanceOf(InvalidConfigException.class)
        .satisfies(e -> assertThat(((InvalidConfigException) e).problems())
            .anySatisfy(p -> assertThat(p).isEqualTo(
                "task.processes[0].command: cyclic template binding {{a}} -> {{b}} -> {{a}}")));
  }

  @Test
  void derivationSharesOneDefinitionAcrossEnvironments() {
    JobTemplate base = Job.service("www-data/{{env}}/hello")
        .task(t -> t.process("server", "./hello --env {{env}}").cpus(1).ramMb(128))
        .toTemplate();

    JobConfig prod = base.bind("env", "prod").build();
    JobConfig staging = base.toBuilder().name("hello-staging").bind("env", "staging").build();

    assertThat(prod.key().toString()).isEqualTo("www-data/prod/hello");
    assertThat(staging.key().toString()).isEqualTo("www-data/staging/hello-staging");
    assertThat(staging.task().processes().get(0).command()).isEqualTo("./hello --env staging");
    assertThat(prod.task().processes().get(0).command()).isEqualTo("./hello --env prod");
  }

  @Test
  void toBuilderDoesNotChangeTheTemplate() {
    JobBuilder copy = WEB.toBuilder().instances(99).environment("devel");
    assertThat(copy.bind("version", "x").build().instances()).isEqualTo(99);
    assertThat(WEB.bind("version", "x").build().instances()).isEqualTo(5);
    assertThat(WEB.bind("version", "x").build().key().environment()).isEqualTo("prod");
  }

  @Test
  void taskEnvironmentAppliesToEveryProcess() {
    JobConfig job = Job.adhoc("a/b/c")
        .task(t -> t.env("MODE", "{{mode}}").process("one", "true").process("two", "true").cpus(1).ramMb(1))
        .bind("mode", "fast")
        .build();
    assertThat(job.task().processes()).allSatisfy(p -> assertThat(p.environment()).containsEntry("MODE", "fast"));
  }

  @Test
  void aProcessesOwnEnvironmentWinsOverTheTaskWideOne() {
    JobConfig job = Job.adhoc("a/b/c")
        .task(t -> t.env("MODE", "task").process(ProcessConfig.builder().name("p").command("true")
            .putEnvironment("MODE", "process").build()).cpus(1).ramMb(1))
        .build();
    assertThat(job.task().processes().get(0).environment()).containsEntry("MODE", "process");
  }

  @Test
  void anUnboundOwnerIsReported() {
    assertThatThrownBy(() -> Job.adhoc("a/b/c").owner("{{team}}")
            .task(t -> t.process("p", "true").cpus(1).ramMb(1)).build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("owner: unbound template variable {{team}}");
  }

  @Test
  void cronBuilderMakesANonServiceJob() {
    JobConfig job = Job.cron("a/b/nightly", "0 3 * * *")
        .task(t -> t.process("p", "true").cpus(1).ramMb(1))
        .build();
    assertThat(job.isCron()).isTrue();
    assertThat(job.isService()).isFalse();
    assertThat(job.cron().get().collisionPolicy()).isEqualTo(CronCollisionPolicy.KILL_EXISTING);
  }
}
