package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ProcessConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process whose command names a task variable ({@code {{port.http}}}, {@code {{instance}}}) reaches
 * the backend with its variables resolved and everything else it was configured with: whether it is a
 * daemon, ephemeral or a finalizer, its failure limit and minimum duration.
 */
class LaunchProcessFlagsTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  @Test
  void resolvingTaskVariablesKeepsEachProcesssKindAndLimits() {
    JobConfig job = Job.service("www-data/prod/graph").instances(1)
        .task(t -> t.process(ProcessConfig.builder().name("serve").command("./serve --port {{port.http}}")
                .maxFailures(3).minDuration(Duration.ofSeconds(5)).build())
            .process(ProcessConfig.daemon("beat", "./beat {{instance}}", Duration.ofSeconds(2)))
            .process(ProcessConfig.ephemeral("log", "./log {{instance}}"))
            .finalizer("flush", "./flush --port {{port.http}}")
            .cpus(0.5).ramMb(64).port("http"))
        .build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    ScheduledTask task = aurora.running(job.key()).get(0);
    int port = task.ports().get("http");
    List<ProcessConfig> launched = aurora.cluster().launchOf(task.id()).orElseThrow().processes();

    assertThat(launched).extracting(ProcessConfig::command).containsExactly("./serve --port " + port,
        "./beat " + task.instance(), "./log " + task.instance(), "./flush --port " + port);
    List<ProcessConfig> configured = job.task().processes();
    for (int i = 0; i < configured.size(); i++) {
      ProcessConfig want = configured.get(i);
      ProcessConfig got = launched.get(i);
      assertThat(got.daemon()).as(want.name() + " daemon").isEqualTo(want.daemon());
      assertThat(got.ephemeral()).as(want.name() + " ephemeral").isEqualTo(want.ephemeral());
      assertThat(got.finalizer()).as(want.name() + " finalizer").isEqualTo(want.finalizer());
      assertThat(got.maxFailures()).as(want.name() + " maxFailures").isEqualTo(want.maxFailures());
      assertThat(got.minDuration()).as(want.name() + " minDuration").isEqualTo(want.minDuration());
    }
  }

  @Test
  void taskVariablesInAProcesssEnvironmentAndWorkingDirectoryAreResolvedTheRestKept() {
    JobConfig job = Job.service("www-data/prod/env").instances(1)
        .task(t -> t.process(ProcessConfig.builder().name("serve").command("./serve --port {{port.http}}")
                .putEnvironment("PORT", "{{port.http}}").putEnvironment("MODE", "prod")
                .workingDirectory("/srv/{{instance}}").build())
            .process(ProcessConfig.builder().name("plain").command("./plain").putEnvironment("X", "{{task_id}}")
                .build())
            .cpus(0.5).ramMb(64).port("http"))
        .build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    ScheduledTask task = aurora.running(job.key()).get(0);
    int port = task.ports().get("http");
    List<ProcessConfig> launched = aurora.cluster().launchOf(task.id()).orElseThrow().processes();

    assertThat(launched.get(0).command()).isEqualTo("./serve --port " + port);
    assertThat(launched.get(0).environment()).containsExactly(java.util.Map.entry("PORT", Integer.toString(port)),
        java.util.Map.entry("MODE", "prod"));
    assertThat(launched.get(0).workingDirectory()).contains("/srv/" + task.instance());
    assertThat(launched.get(1).command()).isEqualTo("./plain");
    assertThat(launched.get(1).environment()).containsExactly(java.util.Map.entry("X", task.id().value()));
    assertThat(launched.get(1).workingDirectory()).isEqualTo(job.task().processes().get(1).workingDirectory());
  }
}
