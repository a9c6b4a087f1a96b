package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.CronCollisionPolicy;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import dev.aurora.testkit.SimulatedCluster.TaskBehavior;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CronJobTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(5).scheduler(b -> b.history(100, Duration.ofDays(30)));

  private final List<SchedulerEvent.CronFired> firings = new ArrayList<>();

  private JobConfig cron(String name, String expression, CronCollisionPolicy policy, int instances) {
    return Job.cron("ops/prod/" + name, expression)
        .cron(expression, ZoneId.of("UTC"), policy)
        .instances(instances)
        .task(t -> t.process("p", "./report").cpus(0.5).ramMb(64))
        .build();
  }

  private void record() {
    aurora.scheduler().events().subscribe(e -> {
      if (e instanceof SchedulerEvent.CronFired f) {
        firings.add(f);
      }
    });
  }

  @Test
  void aDailyJobFiresOncePerDayOverAWeekAndEachRunFinishes() {
    record();
    JobConfig daily = cron("daily", "30 2 * * *", CronCollisionPolicy.KILL_EXISTING, 2);
    aurora.cluster().behave(daily.key(), TaskBehavior.finishAfter(Duration.ofMinutes(10)));
    aurora.scheduler().createJob(daily, TEST_PRINCIPAL);
    assertThat(aurora.scheduler().nextCronRuns(daily.key(), 2))
        .containsExactly(Instant.parse("2026-01-01T02:30:00Z"), Instant.parse("2026-01-02T02:30:00Z"));
    assertThat(aurora.active(daily.key())).isEmpty();

    aurora.advance(Duration.ofDays(7));

    assertThat(firings).hasSize(7).allSatisfy(f -> assertThat(f.launched()).isTrue());
    assertThat(firings).extracting(f -> f.time().toString())
        .first().isEqualTo("2026-01-01T02:30:00Z");
    assertThat(aurora.tasks(daily.key())).hasSize(14)
        .allSatisfy(t -> assertThat(t.status()).isEqualTo(ScheduleStatus.FINISHED));
    assertThat(aurora.scheduler().job(daily.key())).isPresent(); // a cron job stays between runs
  }

  @Test
  void killExistingKillsTheRunStillActive() {
    record();
    JobConfig hourly = cron("hourly", "0 * * * *", CronCollisionPolicy.KILL_EXISTING, 1);
    aurora.cluster().behave(hourly.key(), TaskBehavior.runForever()); // never ends on its own
    aurora.scheduler().createJob(hourly, TEST_PRINCIPAL);
    aurora.advance(Duration.ofHours(3).plusMinutes(5));
    assertThat(firings).hasSize(3);
    assertThat(aurora.running(hourly.key())).hasSize(1);
    assertThat(aurora.tasks(hourly.key()).stream().filter(t -> t.status() == ScheduleStatus.KILLED)).hasSize(2);
  }

  @Test
  void cancelNewSkipsFiringsWhileARunIsActive() {
    record();
    JobConfig job = cron("slow", "0 * * * *", CronCollisionPolicy.CANCEL_NEW, 1);
    aurora.cluster().behave(job.key(), TaskBehavior.finishAfter(Duration.ofMinutes(150)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofHours(6).plusMinutes(5));
    // fires at 00:00? no: first at 01:00; runs 2.5h; 02:00 and 03:00 skipped; 04:00 runs; 05:00, 06:00 skipped
    assertThat(firings).extracting(SchedulerEvent.CronFired::launched)
        .containsExactly(true, false, false, true, false, false);
    assertThat(aurora.tasks(job.key())).hasSize(2);
  }

  @Test
  void runOverlapStartsBesideTheActiveRun() {
    record();
    JobConfig job = cron("overlap", "*/30 * * * *", CronCollisionPolicy.RUN_OVERLAP, 1);
    aurora.cluster().behave(job.key(), TaskBehavior.finishAfter(Duration.ofMinutes(45)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(62));
    assertThat(firings).hasSize(2).allSatisfy(f -> assertThat(f.launched()).isTrue());
    assertThat(aurora.running(job.key())).hasSize(2);
  }

  @Test
  void timezoneAndDaylightSavingFollowTheZone() {
    // 02:30 daily in New York: on 2026-03-08 clocks jump from 02:00 to 03:00 (no 02:30 that day)
    JobConfig ny = Job.cron("ops/prod/ny", "30 2 * * *")
        .cron("30 2 * * *", ZoneId.of("America/New_York"), CronCollisionPolicy.KILL_EXISTING)
        .task(t -> t.process("p", "true").cpus(0.1).ramMb(16)).build();
    aurora.clock().set(Instant.parse("2026-03-06T12:00:00Z"));
    aurora.scheduler().createJob(ny, TEST_PRINCIPAL);
    List<Instant> next = aurora.scheduler().nextCronRuns(ny.key(), 4);
    assertThat(next.get(0)).isEqualTo(Instant.parse("2026-03-07T07:30:00Z")); // EST: UTC-5
    assertThat(next).doesNotHaveDuplicates();
    assertThat(next.get(next.size() - 1)).isAfter(Instant.parse("2026-03-09T06:00:00Z")); // EDT: UTC-4
    // 2026-03-08 has no 02:30 in New York (clocks jump 02:00 -> 03:00): no firing that day
    assertThat(next.get(1)).isEqualTo(Instant.parse("2026-03-09T06:30:00Z"));
    record();
    aurora.advance(Duration.ofDays(4));
    assertThat(firings).extracting(SchedulerEvent.CronFired::time).containsExactlyElementsOf(
        next.stream().filter(t -> t.isBefore(Instant.parse("2026-03-10T12:00:00Z"))).toList());
  }

  @Test
  void startNowReplaceScheduleAndKillDeschedules() {
    record();
    JobConfig job = cron("manual", "0 0 1 * *", CronCollisionPolicy.KILL_EXISTING, 1);
    aurora.cluster().behave(job.key(), TaskBehavior.finishAfter(Duration.ofMinutes(1)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.scheduler().startCronJob(job.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(5));
    assertThat(firings).hasSize(1);
    assertThat(aurora.tasks(job.key())).hasSize(1).allSatisfy(t -> assertThat(t.status()).isEqualTo(ScheduleStatus.FINISHED));

    JobConfig every10 = cron("manual", "*/10 * * * *", CronCollisionPolicy.KILL_EXISTING, 1);
    aurora.scheduler().replaceCronTemplate(every10, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(30));
    assertThat(firings).hasSize(4);

    aurora.scheduler().killJob(job.key(), TEST_PRINCIPAL);
    aurora.advance(Duration.ofHours(1));
    assertThat(firings).hasSize(4);
    assertThatThrownBy(() -> aurora.scheduler().nextCronRuns(job.key(), 1)).isInstanceOf(NoSuchJobException.class);
  }

  @Test
  void aMissedFiringRunsOnceAfterARestart() {
    record();
    JobConfig job = cron("missed", "0 * * * *", CronCollisionPolicy.KILL_EXISTING, 1);
    aurora.cluster().behave(job.key(), TaskBehavior.finishAfter(Duration.ofMinutes(1)));
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofMinutes(70)); // fired at 01:00
    assertThat(firings).hasSize(1);

    aurora.scheduler().close();               // down from 01:10 ...
    aurora.clock().advance(Duration.ofHours(5)); // ... to 06:10: five firings missed
    aurora.restartScheduler();
    record();
    aurora.advance(Duration.ofMinutes(5));
    assertThat(aurora.tasks(job.key())).hasSize(2); // the run before, plus one catch-up run at start
    assertThat(aurora.tasks(job.key())).extracting(t -> t.timeOf(ScheduleStatus.PENDING).orElseThrow().toString())
        .contains("2026-01-01T06:10:00Z");
    aurora.advance(Duration.ofMinutes(50));   // 07:05: the regular 07:00 firing
    assertThat(firings).hasSize(2);
    assertThat(firings.get(1).time()).isEqualTo(Instant.parse("2026-01-01T07:00:00Z"));
  }

  @Test
  void badCronInputIsRefused() {
    assertThatThrownBy(() -> cron("bad", "61 * * * *", CronCollisionPolicy.KILL_EXISTING, 1))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("minute \"61\"");
    JobConfig service = Job.service("ops/prod/svc").task(t -> t.process("p", "x").cpus(0.1).ramMb(1)).build();
    aurora.scheduler().createJob(service, TEST_PRINCIPAL);
    assertThatThrownBy(() -> aurora.scheduler().startCronJob(service.key(), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class).hasMessageContaining("not a cron job");
    assertThatThrownBy(() -> aurora.scheduler().replaceCronTemplate(cron("svc", "* * * * *",
        CronCollisionPolicy.KILL_EXISTING, 1), TEST_PRINCIPAL))
        .isInstanceOf(JobConflictException.class);
  }
}
