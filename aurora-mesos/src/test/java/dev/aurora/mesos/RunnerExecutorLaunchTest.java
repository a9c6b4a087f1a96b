package dev.aurora.mesos;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.HttpLifecycle;
import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.Offer;
import dev.aurora.testkit.mesos.FakeMesosMaster;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With {@code executor(jar, java)} a launch runs the task's process graph through the runner's executor jar. */
class RunnerExecutorLaunchTest {
  static final URI JAR = URI.create("https://repo.example.com/aurora/aurora-runner-0.1.0-executor.jar");
  Harness h;

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  static TaskConfig graph() {
    return Job.adhoc("www/prod/hello").task(t -> t.cpus(0.5).ramMb(64).diskMb(10).port("http")
        .process("fetch", "echo fetched")
        .process("serve", "exec ./serve --port {{port.http}}")
        .finalizer("upload", "./upload-logs")
        .order("fetch", "serve")
        .killGracePeriod(Duration.ofSeconds(10))
        .finalizationWait(Duration.ofSeconds(20))
        .httpLifecycle(HttpLifecycle.onPort("http"))
        .metadata("mesos.uris", "https://repo.example.com/site.tar.gz")).build().task();
  }

  @Test
  void aLaunchRunsTheWholeGraphThroughTheExecutorJarFetchedByTheAgent() throws Exception {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> b.executor(JAR, "/usr/bin/java"));
    Offer o = h.freshOffer();
    TaskId id = h.launch(o, graph());

    Protos.TaskInfo info = Await.value("the task launched", () -> h.master.taskInfo(id.value()));
    Protos.CommandInfo command = info.getCommand();
    assertThat(command.getShell()).isTrue();
    assertThat(command.getValue()).isEqualTo("printf '%s' \"$AURORA_EXECUTOR_TASK\" > aurora-task.json"
        + " && exec '/usr/bin/java' -jar 'aurora-runner-0.1.0-executor.jar' aurora-task.json");
    assertThat(command.getUrisList()).extracting(Protos.CommandInfo.URI::getValue)
        .containsExactly(JAR.toString(), "https://repo.example.com/site.tar.gz");
    Protos.CommandInfo.URI jar = command.getUris(0);
    assertThat(jar.getExtract()).isFalse();
    assertThat(jar.getCache()).isTrue();
    assertThat(jar.getOutputFile()).isEqualTo("aurora-runner-0.1.0-executor.jar");

    Map<String, String> env = command.getEnvironment().getVariablesList().stream()
        .collect(Collectors.toMap(Protos.Environment.Variable::getName, Protos.Environment.Variable::getValue));
    assertThat(env).containsEntry("AURORA_TASK_ID", id.value());
    JsonNode description = AuroraJson.newMapper().readTree(env.get("AURORA_EXECUTOR_TASK"));
    assertThat(description.get("taskId").asText()).isEqualTo(id.value());
    assertThat(description.get("ports").get("http").asInt()).isEqualTo(o.ports().get(0).begin());
    assertThat(description.get("environment").get("AURORA_TASK_ID").asText()).isEqualTo(id.value());
    TaskConfig task = AuroraJson.newMapper().treeToValue(description.get("task"), TaskConfig.class);
    assertThat(task).isEqualTo(graph());

    // the command executor's SIGTERM-to-SIGKILL wait covers the runner's graceful shutdown and finalizers:
    // 5 s + 5 s HTTP lifecycle, 10 s grace, 20 s finalization, 5 s for the JVM
    assertThat(Duration.ofNanos(info.getKillPolicy().getGracePeriod().getNanoseconds())).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void withoutTheExecutorTheProcessesRunInOneShellAsBefore() {
    h = new Harness(FakeMesosMaster.builder().agents(1), b -> { });
    TaskId id = h.launch(h.freshOffer(), Harness.task("./serve"));
    Protos.TaskInfo info = Await.value("the task launched", () -> h.master.taskInfo(id.value()));
    assertThat(info.getCommand().getValue()).isEqualTo("./serve");
    assertThat(info.hasKillPolicy()).isFalse();
  }

  @Test
  void aBadExecutorSettingIsNamed() {
    assertThatThrownBy(() -> MesosBackend.builder().masters(MasterDetector.parse("m:5050"))
        .executor(URI.create("aurora-runner.jar"), "java").build())
        .hasMessageContaining("executor: the jar's URI needs a scheme");
    assertThatThrownBy(() -> MesosBackend.builder().masters(MasterDetector.parse("m:5050"))
        .executor(JAR, " ").build())
        .hasMessageContaining("executor: the java command must not be blank");
  }
}
