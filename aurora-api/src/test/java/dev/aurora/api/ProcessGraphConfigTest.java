package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessGraphConfigTest {

  private static JobConfig job(java.util.function.Consumer<TaskBuilder> task) {
    return Job.adhoc("www-data/prod/graph").task(t -> {
      t.cpus(1).ramMb(64).port("http");
      task.accept(t);
    }).build();
  }

  private static List<String> problems(java.util.function.Consumer<TaskBuilder> task) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> job(task));
    assertThat(e).as("expected an InvalidConfigException").isNotNull();
    return e.problems();
  }

  @Test
  void aListOfProcessesStillRunsInSequence() {
    TaskConfig task = job(t -> t.process("a", "true").process("b", "true")).task();
    assertThat(task.sequential()).isTrue();
    assertThat(task.processOrders()).isEmpty();
    assertThat(task.processes()).allSatisfy(p -> {
      assertThat(p.maxFailures()).isEqualTo(1);
      assertThat(p.daemon() || p.ephemeral() || p.finalizer()).isFalse();
    });
  }

  @Test
  void anOrderMakesUnorderedProcessesParallel() {
    TaskConfig task = job(t -> t.process("fetch", "true").process("build", "true").process("serve", "true")
        .process("logs", "true").order("fetch", "build", "serve")).task();
    assertThat(task.sequential()).isFalse();
    assertThat(task.processOrders()).containsExactly(List.of("fetch", "build", "serve"));
  }

  @Test
  void processFlagsAndTaskShutdownSurviveTemplatesAndJson() {
    JobConfig job = job(t -> t
        .process(ProcessConfig.builder().name("serve").command("./serve {{port.http}}").maxFailures(3)
            .minDuration(Duration.ofSeconds(2)).build())
        .process(ProcessConfig.daemon("logs", "true", Duration.ofSeconds(1)))
        .process(ProcessConfig.ephemeral("side", "true"))
        .finalizer("flush", "true")
        .parallel()
        .finalizationWait(Duration.ofSeconds(7))
        .killGracePeriod(Duration.ofSeconds(3))
        .httpLifecycle(HttpLifecycle.onPort("http")));
    TaskConfig task = job.task();
    assertThat(task.processes().get(0).maxFailures()).isEqualTo(3);
    assertThat(task.processes().get(0).minDuration()).isEqualTo(Duration.ofSeconds(2));
    assertThat(task.processes().get(1).daemon()).isTrue();
    assertThat(task.processes().get(2).ephemeral()).isTrue();
    assertThat(task.processes().get(3).finalizer()).isTrue();
    assertThat(task.sequential()).isFalse();
    assertThat(task.finalizationWait()).isEqualTo(Duration.ofSeconds(7));
    assertThat(task.killGracePeriod()).contains(Duration.ofSeconds(3));
    assertThat(task.httpLifecycle().get().gracefulShutdownEndpoint()).isEqualTo("/quitquitquit");
    assertThat(AuroraJson.readJob(AuroraJson.toJson(job))).isEqualTo(job);
  }

  @Test
  void aConfigSavedBeforeProcessGraphsLoadsAsASequence() {
    JobConfig job = job(t -> t.process("a", "true").process("b", "true"));
    com.fasterxml.jackson.databind.ObjectMapper mapper = AuroraJson.newMapper();
    com.fasterxml.jackson.databind.node.ObjectNode tree;
    try {
      tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(AuroraJson.toJson(job));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    com.fasterxml.jackson.databind.node.ObjectNode t = (com.fasterxml.jackson.databind.node.ObjectNode) tree.get("task");
    t.remove(List.of("processOrders", "sequential", "finalizationWait", "killGracePeriod", "httpLifecycle",
        "maxFailures", "maxConcurrency", "logger"));
    t.get("processes").forEach(p -> ((com.fasterxml.jackson.databind.node.ObjectNode) p)
        .remove(List.of("maxFailures", "minDuration", "daemon", "ephemeral", "finalizer", "logger")));
    String old = tree.toString();
    assertThat(old).doesNotContain("sequential").doesNotContain("maxFailures");
    JobConfig loaded = AuroraJson.readJob(old);
    assertThat(loaded.task().sequential()).isTrue();
    assertThat(loaded).isEqualTo(job);
  }

  @Test
  void badProcessGraphListsEveryProblem() {
    List<String> problems = problems(t -> t
        .process(ProcessConfig.builder().name("a").command("true").maxFailures(-1).build())
        .process(ProcessConfig.daemon("d", "true", Duration.ofSeconds(1)))
        .process("b", "true")
        .finalizer("f", "true")
        .order("a", "nosuch")
        .order("d", "b")
        .order("b", "f")
        .order("a", "b")
        .order("b", "a")
        .killGracePeriod(Duration.ofSeconds(-1))
        .httpLifecycle(HttpLifecycle.onPort("admin")));
    assertThat(problems).contains(
        "task.processes[0].maxFailures: must be >= 0 (0: no limit), was -1",
        "task.processOrders[0]: \"nosuch\" is not a process of the task [a, d, b, f]",
        "task.processOrders[1]: \"d\" is a daemon, which never succeeds, so \"b\" would never start",
        "task.processOrders[2]: finalizers can be ordered only among themselves: [b, f]",
        "task.killGracePeriod: must be >= 0, was PT-1S",
        "task.httpLifecycle.port: \"admin\" is not a declared port (declared: http)");
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("the orders form a cycle"));
  }

  @Test
  void taskLevelLimitsAndLoggersSurviveTemplatesAndJson() {
    JobConfig job = job(t -> t
        .process(ProcessConfig.builder().name("serve").command("./serve")
            .logger(ProcessLogger.rotate(1024, 3)).build())
        .process("side", "true")
        .parallel()
        .maxFailures(2)
        .maxConcurrency(1)
        .logger(ProcessLogger.console()));
    TaskConfig task = job.task();
    assertThat(task.maxFailures()).isEqualTo(2);
    assertThat(task.maxConcurrency()).isEqualTo(1);
    assertThat(task.logger().destination()).isEqualTo(ProcessLogger.Destination.CONSOLE);
    assertThat(task.processes().get(0).logger()).contains(ProcessLogger.rotate(1024, 3));
    assertThat(task.processes().get(1).logger()).isEmpty();
    assertThat(task.loggerOf(task.processes().get(1))).isEqualTo(ProcessLogger.console());
    assertThat(AuroraJson.readJob(AuroraJson.toJson(job))).isEqualTo(job);
    JobTemplate template = Job.adhoc("www-data/prod/graph").task(t -> t.cpus(1).ramMb(64).port("http")
        .process(ProcessConfig.builder().name("serve").command("./serve")
            .logger(ProcessLogger.rotate(1024, 3)).build())
        .process("side", "true").parallel().maxFailures(2).maxConcurrency(1).logger(ProcessLogger.console()))
        .toTemplate();
    assertThat(AuroraJson.readTemplate(AuroraJson.toJson(template)).build()).isEqualTo(job);
  }

  @Test
  void aConfigSavedBeforeTaskLimitsAndLoggersLoadsWithThermosDefaults() {
    JobConfig job = job(t -> t.process("a", "true"));
    com.fasterxml.jackson.databind.node.ObjectNode tree;
    try {
      tree = (com.fasterxml.jackson.databind.node.ObjectNode) AuroraJson.newMapper().readTree(AuroraJson.toJson(job));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    com.fasterxml.jackson.databind.node.ObjectNode t = (com.fasterxml.jackson.databind.node.ObjectNode) tree.get("task");
    t.remove(List.of("maxFailures", "maxConcurrency", "logger"));
    t.get("processes").forEach(p -> ((com.fasterxml.jackson.databind.node.ObjectNode) p).remove("logger"));
    assertThat(tree.toString()).doesNotContain("maxConcurrency").doesNotContain("logger");
    JobConfig loaded = AuroraJson.readJob(tree.toString());
    assertThat(loaded.task().maxFailures()).isEqualTo(1);
    assertThat(loaded.task().maxConcurrency()).isZero();
    assertThat(loaded.task().logger()).isEqualTo(ProcessLogger.file());
    assertThat(loaded).isEqualTo(job);
  }

  @Test
  void badTaskLimitsAndLoggersListEveryProblem() {
    List<String> problems = problems(t -> t
        .process(ProcessConfig.builder().name("a").command("true")
            .logger(ProcessLogger.builder().mode(ProcessLogger.Mode.ROTATE).maxSizeBytes(0).backups(0).build())
            .build())
        .process(ProcessConfig.builder().name("b").command("true")
            .logger(ProcessLogger.builder().destination(ProcessLogger.Destination.CONSOLE)
                .mode(ProcessLogger.Mode.ROTATE).build())
            .build())
        .maxFailures(-1)
        .maxConcurrency(-2)
        .logger(ProcessLogger.rotate(-5, 1)));
    assertThat(problems).contains(
        "task.maxFailures: must be >= 0 (0: no limit), was -1",
        "task.maxConcurrency: must be >= 0 (0: no limit), was -2",
        "task.logger.maxSizeBytes: must be > 0 to rotate, was -5",
        "task.processes[0].logger.maxSizeBytes: must be > 0 to rotate, was 0",
        "task.processes[0].logger.backups: must be > 0 to rotate, was 0",
        "task.processes[1].logger.mode: ROTATE rotates files, but the destination CONSOLE writes none");
  }
}
