package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Two launches are equal when every attribute is, whatever class each is of: a backend or a test may
 * compare the launches the scheduler hands it with launches it builds with {@link TaskLaunch#builder()}.
 */
class TaskLaunchEqualityTest {
  static final JobKey JOB = JobKey.of("www-data", "prod", "hello");

  static ImmutableTaskLaunch built() {
    return TaskLaunch.builder().taskId(TaskId.of("hello-0-abc")).instance(InstanceKey.of(JOB, 0))
        .agentId("agent-1").config(Job.service("www-data/prod/hello")
            .task(t -> t.process("p", "./run --port {{port.http}}").cpus(1).ramMb(64).port("http")).build().task())
        .ports(Map.of("http", 31000)).processes(List.of(ProcessConfig.of("p", "./run --port 31000")))
        .environment(LaunchOrder.of("AURORA_TASK_ID", "hello-0-abc", "AURORA_PORT_HTTP", "31000"))
        .healthCheck(HealthCheck.http("http", "/health")).build();
  }

  /** A map in the order given (Map.of has none). */
  static final class LaunchOrder {
    static Map<String, String> of(String k1, String v1, String k2, String v2) {
      Map<String, String> m = new java.util.LinkedHashMap<>();
      m.put(k1, v1);
      m.put(k2, v2);
      return m;
    }
  }

  /** A launch of another class, answering with {@code values}' attributes. */
  static TaskLaunch otherClass(TaskLaunch values) {
    return new TaskLaunch() {
      @Override
      public TaskId taskId() {
        return values.taskId();
      }

      @Override
      public InstanceKey instance() {
        return values.instance();
      }

      @Override
      public String agentId() {
        return values.agentId();
      }

      @Override
      public TaskConfig config() {
        return values.config();
      }

      @Override
      public Map<String, Integer> ports() {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values.ports())); // same order: toString is compared
      }

      @Override
      public List<ProcessConfig> processes() {
        return List.copyOf(values.processes());
      }

      @Override
      public Map<String, String> environment() {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values.environment()));
      }

      @Override
      public Optional<HealthCheck> healthCheck() {
        return values.healthCheck();
      }
    };
  }

  @Test
  void launchesOfEqualValuesAreEqualWhateverTheirClass() {
    ImmutableTaskLaunch built = built();
    TaskLaunch other = otherClass(built);

    assertThat(built).isEqualTo(other);
    assertThat(other).isEqualTo(built);
    assertThat(other.hashCode()).isEqualTo(built.hashCode());
    assertThat(other.toString()).isEqualTo(built.toString());
  }

  @Test
  void launchesDifferingInOneAttributeAreNotEqual() {
    ImmutableTaskLaunch built = built();
    assertThat(otherClass(built.withAgentId("agent-2"))).isNotEqualTo(built);
    assertThat(built).isNotEqualTo(otherClass(built.withEnvironment(Map.of("AURORA_TASK_ID", "hello-0-abc"))));
    assertThat(built).isNotEqualTo(otherClass(built.withHealthCheck(Optional.empty())));
    assertThat(built).isNotEqualTo(built.withPorts(Map.of("http", 31001)));
    assertThat(built).isEqualTo(ImmutableTaskLaunch.copyOf(otherClass(built)));
  }

  @Test
  void aLaunchShowsEveryAttributeByName() {
    ImmutableTaskLaunch built = built();
    assertThat(built.toString()).isEqualTo("TaskLaunch{taskId=hello-0-abc, instance=www-data/prod/hello/0"
        + ", agentId=agent-1, config=" + built.config() + ", ports={http=31000}, processes=["
        + built.processes().get(0) + "], environment={AURORA_TASK_ID=hello-0-abc, AURORA_PORT_HTTP=31000}"
        + ", healthCheck=" + built.healthCheck().get() + "}");
    assertThat(built.withHealthCheck(Optional.empty()).toString()).endsWith("AURORA_PORT_HTTP=31000}}");
  }
}
