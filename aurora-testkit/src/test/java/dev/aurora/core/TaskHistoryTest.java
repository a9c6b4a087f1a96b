package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a task's history says, as users read it: live, and after its stored form is read back. */
class TaskHistoryTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(3);

  @Test
  void anAssignedTaskSaysWhichHostItWasPlacedOnAlsoWhenReadBackFromStorage() throws Exception {
    JobConfig job = SchedulerLifecycleTest.service("www-data/prod/hello", 2);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask t = aurora.running(job.key()).get(0);
    String host = t.host().orElseThrow();

    TaskEvent assigned = t.events().stream().filter(e -> e.status() == ScheduleStatus.ASSIGNED).findFirst()
        .orElseThrow();
    assertThat(assigned.message()).isEqualTo("placed on " + host);

    ObjectMapper json = AuroraJson.newMapper();
    String stored = json.writeValueAsString(t);
    assertThat(stored).contains("\"placed on " + host + "\"");
    ScheduledTask back = json.readValue(stored, ScheduledTask.class);
    assertThat(back).isEqualTo(t);
    assertThat(back.events()).isEqualTo(t.events());
    assertThat(back.events()).contains(assigned);
    assertThat(back.lastMessage()).isEqualTo(t.lastMessage());
  }
}
