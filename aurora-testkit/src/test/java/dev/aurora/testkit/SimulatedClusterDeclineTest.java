package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A decline refuses the declined resources, as Mesos' refusal filter does, not the whole agent. */
class SimulatedClusterDeclineTest {
  private final ManualStateLoop loop = new ManualStateLoop(FakeClock.startingAtEpoch2026());
  private final SimulatedCluster cluster = SimulatedCluster.builder(loop).agents(1).resources(8, 8192, 10_000, 0).build();
  private final List<Offer> offers = new ArrayList<>();

  @BeforeEach
  void start() {
    cluster.start(new BackendListener() {
      @Override
      public void offers(List<Offer> o) {
        offers.addAll(o);
      }

      @Override
      public void offerRescinded(String offerId) {}

      @Override
      public void statusUpdate(TaskStatus status) {}

      @Override
      public void agentLost(String agentId) {}
    });
    loop.runUntilIdle();
  }

  /** Launches a 2-cpu task on the offer; returns its id. */
  private TaskId launch(Offer offer) {
    TaskId id = TaskId.of("t-" + offers.size());
    TaskConfig config = TaskConfig.builder().addProcesses(ProcessConfig.of("p", "./serve"))
        .resources(dev.aurora.api.Resources.of(2, 1024, 100)).build();
    cluster.launch(List.of(offer.id()), List.of(TaskLaunch.builder().taskId(id)
        .instance(InstanceKey.of(JobKey.of("test", "prod", "job"), 0)).agentId(offer.agentId()).config(config)
        .ports(Map.of()).processes(config.processes()).environment(Map.of()).build()));
    loop.runUntilIdle();
    return id;
  }

  private Offer last() {
    return offers.get(offers.size() - 1);
  }

  @Test
  void declinedLeftoversStayRefusedButATaskEndingThereIsOfferedAtOnce() {
    TaskId task = launch(last());
    Offer leftover = last();
    assertThat(leftover.cpus()).isEqualTo(6.0);

    cluster.decline(leftover.id(), Duration.ofMinutes(1));
    loop.advance(Duration.ofSeconds(30));
    assertThat(last()).isSameAs(leftover); // the leftover alone is refused

    cluster.killTask(task);
    loop.runUntilIdle();
    assertThat(last()).isNotSameAs(leftover); // more than was declined: offered well before the minute
    assertThat(last().cpus()).isEqualTo(8.0);
  }

  @Test
  void declinedResourcesComeBackWhenTheRefusalEnds() {
    launch(last());
    Offer leftover = last();
    cluster.decline(leftover.id(), Duration.ofMinutes(1));
    loop.advance(Duration.ofSeconds(59));
    assertThat(last()).isSameAs(leftover);
    loop.advance(Duration.ofSeconds(2));
    assertThat(last()).isNotSameAs(leftover);
    assertThat(last().cpus()).isEqualTo(6.0);
  }
}
