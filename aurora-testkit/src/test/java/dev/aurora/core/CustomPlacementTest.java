package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CustomPlacementTest {
  /** Hosts with an even index are "warm" (have the image cached). */
  static final class PreferWarmHosts implements PlacementScorer {
    @Override
    public double score(PlacementTask task, AgentView agent) {
      return agent.attribute("warm", "false").equals("true") ? 1 : 0;
    }
  }

  /** GPU jobs must not land on spot hosts. */
  static final class NoGpuJobsOnSpotHosts implements PlacementFilter {
    static final Veto SPOT = Veto.of("gpu job on spot host");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      return task.config().metadata().containsKey("gpu-like") && agent.attribute("spot", "false").equals("true")
          ? SPOT : Veto.none();
    }
  }

  static final java.util.function.IntFunction<Map<String, String>> ATTRS = i -> Map.of(
      "warm", Boolean.toString(i % 2 == 0), "spot", Boolean.toString(i < 5));

  @RegisterExtension
  AuroraExtension plain = AuroraExtension.withAgents(10).attributes(ATTRS);

  @RegisterExtension
  AuroraExtension custom = AuroraExtension.withAgents(10).attributes(ATTRS)
      .scheduler(b -> b.placement(p -> p.addFilter(new NoGpuJobsOnSpotHosts()).addScorer(new PreferWarmHosts(), 2.0)));

  static final JobConfig JOB = Job.service("ml/prod/train").instances(5)
      .task(t -> t.process("p", "./train").cpus(1).ramMb(128).metadata("gpu-like", "yes"))
      .constraint(dev.aurora.api.Constraint.limit("host", 1))
      .build();

  @Test
  void aCustomScorerAndFilterChangePlacement() {
    // two instances, one per host: the non-spot warm hosts are host-6 and host-8
    plain.scheduler().createJob(JOB.withInstances(2), TEST_PRINCIPAL);
    plain.advance(Duration.ofSeconds(5));
    custom.scheduler().createJob(JOB.withInstances(2), TEST_PRINCIPAL);
    custom.advance(Duration.ofSeconds(5));

    assertThat(warmth(custom).keySet()).containsExactlyInAnyOrder("host-6", "host-8");
    assertThat(warmth(plain).keySet()).isNotEqualTo(java.util.Set.of("host-6", "host-8")); // bin-pack alone does not care
    assertThat(custom.running(JOB.key())).allSatisfy(t ->
        assertThat(custom.cluster().agentOnHost(t.host().orElseThrow()).attributes()).containsEntry("spot", "false"));
  }

  @Test
  void customVetoesShowInWhyPending() {
    custom.scheduler().createJob(JOB.withInstances(10), TEST_PRINCIPAL);
    custom.advance(Duration.ofSeconds(5));
    assertThat(custom.running(JOB.key())).hasSize(5); // hosts 5..9 are not spot
    assertThat(custom.scheduler().whyPending(JOB.key()).vetoes())
        .containsEntry("gpu job on spot host", 5).containsEntry("limit host:1", 5);
  }

  private static Map<String, String> warmth(AuroraExtension a) {
    return a.running(JOB.key()).stream().collect(Collectors.toMap(t -> t.host().orElseThrow(),
        t -> a.cluster().agentOnHost(t.host().orElseThrow()).attributes().get("warm")));
  }
}
