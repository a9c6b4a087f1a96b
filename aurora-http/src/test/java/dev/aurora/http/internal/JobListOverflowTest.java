package dev.aurora.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.Job;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.testkit.AuroraExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The job list when more events come between two reads than it keeps for the next read. */
class JobListOverflowTest {
  static final JobKey WEB = JobKey.of("www-data", "prod", "web");
  static final JobKey ADS = JobKey.of("ads", "prod", "banner");
  static final Principal OPS = Principal.of("ops");

  @RegisterExtension AuroraExtension aurora = AuroraExtension.withAgents(4);

  void create(JobKey key, int instances) {
    aurora.scheduler().createJob(Job.service(key.toString()).instances(instances)
        .task(t -> t.process("server", "./run").cpus(0.5).ramMb(64)).build(), OPS);
    settle();
  }

  void settle() {
    aurora.runUntilIdle();
    aurora.advance(Duration.ofSeconds(10));
  }

  static JsonNode list(JobList list) throws IOException {
    return new ObjectMapper().readTree(list.read(Optional.empty()).json());
  }

  static int running(JsonNode list, JobKey key) {
    for (JsonNode j : list) {
      if (j.get("key").asText().equals(key.toString())) {
        return j.get("active").path("RUNNING").asInt(0);
      }
    }
    throw new AssertionError(key + " is not in " + list);
  }

  @Test
  void afterMoreChangesThanItKeepsWithoutAReadTheNextReadShowsEveryChange() throws IOException {
    create(WEB, 3);
    try (JobList jobs = new JobList(aurora.scheduler(), Duration.ZERO, System::nanoTime, 4)) {
      assertThat(running(list(jobs), WEB)).isEqualTo(3);

      aurora.scheduler().killInstances(WEB, Set.of(0), OPS);
      create(ADS, 3);   // with the kill, well over 4 events

      JsonNode after = list(jobs);
      assertThat(running(after, WEB)).isEqualTo(2);
      assertThat(running(after, ADS)).isEqualTo(3);

      aurora.scheduler().killJob(WEB, OPS);   // and the inbox takes events again after that
      settle();
      assertThat(list(jobs)).extracting(j -> j.get("key").asText()).containsExactly(ADS.toString());
    }
  }
}
