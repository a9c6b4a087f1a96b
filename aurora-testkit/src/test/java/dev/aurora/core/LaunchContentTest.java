package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the backend receives for each task of a job: every per-task value ({@code {{instance}}}, {@code
 * {{task_id}}}, {@code {{port.NAME}}}, the {@code AURORA_*} environment) is the task's own, whatever
 * the scheduler shares between the launches of a job's tasks, and everything else is as configured.
 */
class LaunchContentTest {
  /** Two agents for six instances: each agent gets several launches of the job in one turn. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2);

  static final HealthCheck HEALTH = HealthCheck.http("http", "/health/{{instance}}");

  static JobConfig job(String key, int instances) {
    return Job.service(key).instances(instances)
        .task(t -> t.process(ProcessConfig.builder().name("serve")
                .command("./serve --port {{port.http}} --admin {{ port.admin-ui }} --shard {{instance}}")
                .putEnvironment("PORT", "{{port.http}}").putEnvironment("MODE", "prod")
                .putEnvironment("ME", "{{task_id}}").workingDirectory("/srv/{{instance}}")
                .maxFailures(2).build())
            .process(ProcessConfig.of("plain", "./plain --fixed"))
            .process(ProcessConfig.daemon("beat", "./beat {{task_id}}", Duration.ofSeconds(3)))
            .finalizer("flush", "./flush {{instance}}")
            .healthCheck(HEALTH)
            .cpus(0.25).ramMb(64).port("http").port("admin-ui"))
        .build();
  }

  /** The launch a task must get, spelled out by hand from the task's id, instance, agent and ports. */
  static TaskLaunch expected(JobConfig job, ScheduledTask t) {
    int http = t.ports().get("http");
    int admin = t.ports().get("admin-ui");
    String id = t.id().value();
    int i = t.instance();
    List<ProcessConfig> configured = job.task().processes();
    List<ProcessConfig> processes = List.of(
        ProcessConfig.builder().from(configured.get(0))
            .command("./serve --port " + http + " --admin " + admin + " --shard " + i)
            .environment(orderedMap("PORT", Integer.toString(http), "MODE", "prod", "ME", id))
            .workingDirectory("/srv/" + i).build(),
        configured.get(1),
        ProcessConfig.builder().from(configured.get(2)).command("./beat " + id).build(),
        ProcessConfig.builder().from(configured.get(3)).command("./flush " + i).build());
    return TaskLaunch.builder().taskId(t.id()).instance(InstanceKey.of(job.key(), i))
        .agentId(t.agent().orElseThrow()).config(job.task())
        .ports(orderedMap("admin-ui", admin, "http", http))
        .processes(processes)
        .environment(orderedMap("AURORA_TASK_ID", id, "AURORA_INSTANCE", Integer.toString(i),
            "AURORA_JOB", job.key().toString(), "AURORA_PORT_ADMIN_UI", Integer.toString(admin),
            "AURORA_PORT_HTTP", Integer.toString(http)))
        .healthCheck(HealthCheck.http("http", "/health/" + i))
        .build();
  }

  @SuppressWarnings("unchecked")
  static <V> Map<String, V> orderedMap(Object... kv) {
    Map<String, V> m = new LinkedHashMap<>();
    for (int k = 0; k < kv.length; k += 2) {
      m.put((String) kv[k], (V) kv[k + 1]);
    }
    return m;
  }

  static void assertSameLaunch(TaskLaunch got, TaskLaunch want) {
    assertThat(got).isEqualTo(want);
    // both ways, whatever class the scheduler's launch is of
    assertThat(want).isEqualTo(got);
    assertThat(got.hashCode()).isEqualTo(want.hashCode());
    assertThat(got.toString()).isEqualTo(want.toString());
    // the same order too (backends turn these into command lines and environments)
    assertThat(got.environment().entrySet()).containsExactlyElementsOf(want.environment().entrySet());
    assertThat(got.ports().entrySet()).containsExactlyElementsOf(want.ports().entrySet());
    for (int p = 0; p < want.processes().size(); p++) {
      assertThat(got.processes().get(p).environment().entrySet())
          .containsExactlyElementsOf(want.processes().get(p).environment().entrySet());
    }
  }

  /** Creates {@code job} and lets it run: every instance RUNNING. */
  private List<ScheduledTask> createAndRunAll(JobConfig job) {
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    List<ScheduledTask> running = aurora.running(job.key());
    assertThat(running).hasSize(job.instances());
    return running;
  }

  @Test
  void eachInstanceOfAJobIsLaunchedWithItsOwnIdInstanceAndPortsAndTheRestAsConfigured() {
    JobConfig job = job("www-data/prod/shards", 6);
    List<ScheduledTask> running = createAndRunAll(job);
    for (ScheduledTask t : running) {
      assertSameLaunch(aurora.cluster().launchOf(t.id()).orElseThrow(), expected(job, t));
    }
  }

  @Test
  void tasksOfTheSameConfigInTwoJobsEachGetTheirOwnJobInTheirLaunch() {
    JobConfig first = job("www-data/prod/first", 3);
    JobConfig second = job("www-data/prod/second", 3);
    assertThat(second.task()).isEqualTo(first.task());
    aurora.scheduler().createJobs(List.of(first, second), TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    for (JobConfig job : List.of(first, second)) {
      List<ScheduledTask> running = aurora.running(job.key());
      assertThat(running).hasSize(3);
      for (ScheduledTask t : running) {
        TaskLaunch got = aurora.cluster().launchOf(t.id()).orElseThrow();
        assertThat(got.environment()).containsEntry("AURORA_JOB", job.key().toString());
        assertSameLaunch(got, expected(job, t));
      }
    }
  }

  @Test
  void aReplacementTaskIsLaunchedWithItsOwnIdAndPortsNotThoseOfTheTaskItReplaces() {
    JobConfig job = job("www-data/prod/replaced", 4);
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    ScheduledTask victim = aurora.running(job.key()).get(1);
    TaskLaunch before = aurora.cluster().launchOf(victim.id()).orElseThrow();

    aurora.cluster().killTask(victim.id());
    aurora.advance(Duration.ofMinutes(1));

    ScheduledTask replacement = aurora.running(job.key()).stream()
        .filter(t -> t.instance() == victim.instance()).findFirst().orElseThrow();
    assertThat(replacement.id()).isNotEqualTo(victim.id());
    TaskLaunch after = aurora.cluster().launchOf(replacement.id()).orElseThrow();
    assertSameLaunch(after, expected(job, replacement));
    assertThat(after.environment().get("AURORA_TASK_ID")).isNotEqualTo(before.environment().get("AURORA_TASK_ID"));
    // every other task still holds the launch it was given
    for (ScheduledTask t : aurora.running(job.key())) {
      assertSameLaunch(aurora.cluster().launchOf(t.id()).orElseThrow(), expected(job, t));
    }
  }

  @Test
  void noTwoTasksShareAPerTaskValueInTheirLaunches() {
    JobConfig job = job("www-data/prod/many", 8);
    List<ScheduledTask> running = createAndRunAll(job);
    Set<String> commands = new HashSet<>();
    Set<String> ids = new HashSet<>();
    Set<String> instances = new HashSet<>();
    Set<Map.Entry<String, String>> hostPorts = new HashSet<>();
    List<TaskLaunch> launches = new ArrayList<>();
    for (ScheduledTask t : running) {
      TaskLaunch l = aurora.cluster().launchOf(t.id()).orElseThrow();
      launches.add(l);
      commands.add(l.processes().get(0).command());
      ids.add(l.environment().get("AURORA_TASK_ID"));
      instances.add(l.environment().get("AURORA_INSTANCE"));
      hostPorts.add(Map.entry(l.agentId(), l.environment().get("AURORA_PORT_HTTP")));
      assertThat(l.environment().get("AURORA_TASK_ID")).isEqualTo(t.id().value());
      assertThat(l.processes().get(0).environment()).containsEntry("ME", t.id().value());
      assertThat(l.healthCheck().orElseThrow().path()).contains("/health/" + t.instance());
    }
    assertThat(commands).hasSize(8);
    assertThat(ids).hasSize(8);
    assertThat(instances).hasSize(8);
    assertThat(hostPorts).hasSize(8);
    // the config handed over is the job's, untouched by any task's values
    TaskConfig configured = job.task();
    assertThat(launches).allSatisfy(l -> assertThat(l.config()).isEqualTo(configured));
  }
}
