package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Micrometer holds a gauge's state object weakly: a gauge whose object only the registry knows reads
 * NaN once a collection clears weak references. A dashboard must see the scheduler's gauges for as
 * long as the scheduler lives.
 */
class GaugesAfterGarbageCollectionTest {
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).scheduler(b -> b.offerHold(Duration.ofMinutes(5)));

  @Test
  void everySchedulerGaugeStillReadsAfterACollectionClearedWeakReferences() {
    JobConfig job = Job.service("a/prod/gauged").instances(2)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(128)).build();
    aurora.scheduler().createJob(job, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));

    collectUntilWeakReferencesAreCleared();

    assertThat(aurora.registry().get("aurora.offers.held").gauge().value()).isEqualTo(4);
    assertThat(aurora.registry().get("aurora.loop.queue.depth").gauge().value()).isZero();
    assertThat(aurora.registry().get("aurora.tasks").tag("state", "RUNNING").gauge().value()).isEqualTo(2);
    assertThat(aurora.registry().get("aurora.tasks.pending").gauge().value()).isZero();
    assertThat(aurora.registry().get("aurora.tasks.pending.oldest.age").gauge().value()).isZero();
    aurora.registry().getMeters().stream()
        .filter(m -> m.getId().getType() == io.micrometer.core.instrument.Meter.Type.GAUGE)
        .filter(m -> m.getId().getName().startsWith("aurora."))
        .forEach(m -> assertThat(((io.micrometer.core.instrument.Gauge) m).value())
            .as(m.getId().toString()).isNotNaN());
  }

  /** Collects until an object reachable only weakly is gone, so weak references were cleared. */
  private static void collectUntilWeakReferencesAreCleared() {
    WeakReference<Object> sentinel = new WeakReference<>(new Object());
    for (int i = 0; i < 50 && sentinel.get() != null; i++) {
      System.gc();
    }
    assertThat(sentinel.get()).as("a collection cleared weak references").isNull();
  }
}
