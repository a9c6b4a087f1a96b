package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A task needing what its backend cannot run (a container) is refused, visibly, never run without it. */
class ContainerRefusalTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(3).cluster(c -> c.containers(false));

  static final JobConfig IN_CONTAINER = Job.service("www-data/prod/boxed").instances(2)
      .task(t -> t.process("p", "./serve").cpus(1).ramMb(128).container("docker.io/library/nginx:1.27"))
      .build();
  static final JobConfig PLAIN = Job.service("www-data/prod/plain").instances(2)
      .task(t -> t.process("p", "./serve").cpus(1).ramMb(128))
      .build();

  @Test
  void aTaskInAContainerTheBackendCannotRunStaysPendingWithTheReasonInWhyPending() {
    aurora.scheduler().createJob(IN_CONTAINER, TEST_PRINCIPAL);
    aurora.scheduler().createJob(PLAIN, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(10));

    assertThat(aurora.running(PLAIN.key())).hasSize(2);
    assertThat(aurora.running(IN_CONTAINER.key())).isEmpty();
    assertThat(aurora.scheduler().whyPending(IN_CONTAINER.key()).vetoes())
        .containsEntry("the backend cannot run task.container docker.io/library/nginx:1.27: the simulated"
            + " cluster is built without containers", 3);
  }
}
