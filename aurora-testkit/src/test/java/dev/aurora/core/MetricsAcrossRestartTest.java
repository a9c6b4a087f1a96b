package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.Failover;
import dev.aurora.testkit.FakeClock;
import dev.aurora.testkit.ManualStateLoop;
import dev.aurora.testkit.SimulatedCluster;
import dev.aurora.testkit.internal.sim.ScopedLoop;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A scheduler closed and started again in the same process on the same meter registry (a restart, or
 * a new term in HA mode) reports the new scheduler's gauges, not the closed one's.
 */
class MetricsAcrossRestartTest {
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(4).build();
  private final Storage storage = Storage.inMemory();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private Scheduler start() {
    Scheduler s = Scheduler.builder().backend(Failover.keepRunning(cluster)).storage(Failover.keepOpen(storage))
        .clock(loop.clock()).loop(new ScopedLoop(loop)).meterRegistry(registry).randomSeed(1).build();
    s.start();
    loop.runUntilIdle();
    return s;
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  @Test
  void aSchedulerRestartedOnTheSameRegistryReportsItsOwnTaskAndDrainingGauges() {
    Scheduler first = start();
    first.close();
    Scheduler second = start();

    JobConfig web = Job.service("www-data/prod/web").instances(3)
        .task(t -> t.process("server", "./server --port {{port.http}}").cpus(1).ramMb(256).port("http")
            .healthCheck(HealthCheck.http("http", "/health")))
        .constraint(Constraint.limit("host", 1))
        .build();
    second.createJob(web, TEST_PRINCIPAL);
    loop.advance(Duration.ofSeconds(5));
    List<ScheduledTask> running = second.tasks(TaskQuery.all().states(ScheduleStatus.RUNNING));
    assertThat(running).hasSize(3);
    assertThat(gauge("aurora.tasks", "state", "RUNNING")).isEqualTo(3);

    // 3 instances need 2 healthy others to drain one: with one sick, the host stays DRAINING
    cluster.setHealthy(running.get(1).id(), false);
    loop.runUntilIdle();
    second.setMaintenance(Set.of(running.get(0).host().orElseThrow()), MaintenanceMode.DRAINING, TEST_PRINCIPAL);
    loop.advance(Duration.ofSeconds(30));
    assertThat(second.maintenance()).containsValue(MaintenanceMode.DRAINING);
    assertThat(gauge("aurora.maintenance.hosts.draining")).isEqualTo(1);
    second.close();
  }
}
