package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos;
import org.junit.jupiter.api.Test;

/** Resources carved from an ACCEPT's offers, task by task, as {@code HttpMesosBackend.launch} does. */
class LaunchTranslationTest {
  private static final Protos.Resource.AllocationInfo ALLOCATION =
      Protos.Resource.AllocationInfo.newBuilder().setRole("web").build();
  private int seq;

  @Test
  void aTaskThatDoesNotFitTakesNothingSoTheTasksAfterItStillFit() throws Exception {
    LaunchTranslation carve = new LaunchTranslation(List.of(offer(1.0, 1024, 31000, 31001)));
    carve.taskInfo(launch(0.5, 256, Map.of("http", 31000)));

    // fits in cpus and ports, then falls short of memory: what it took before is put back
    assertThatThrownBy(() -> carve.taskInfo(launch(0.5, 4096, Map.of("http", 31001))))
        .isInstanceOf(LaunchTranslation.Shortfall.class)
        .hasMessageContaining("needs 4096.0 mem, the offers hold 768.0");

    Protos.TaskInfo next = carve.taskInfo(launch(0.5, 768, Map.of("http", 31001)));
    assertThat(amounts(next)).containsEntry("cpus", 0.5).containsEntry("mem", 768.0);
    assertThat(portsOf(next)).containsExactly(31001L);
    assertThatThrownBy(() -> carve.taskInfo(launch(0.01, 1, Map.of())))
        .isInstanceOf(LaunchTranslation.Shortfall.class).hasMessageContaining("cpus");
  }

  @Test
  void equalTasksEachTakeTheirShareWithTheOffersRoleAndAllocation() throws Exception {
    LaunchTranslation carve = new LaunchTranslation(List.of(offer(1.0, 1024, 31000, 31009)));
    List<Protos.TaskInfo> infos = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      infos.add(carve.taskInfo(launch(0.1, 64, Map.of("http", 31000 + i))));
    }
    for (int i = 0; i < 10; i++) {
      Protos.TaskInfo t = infos.get(i);
      assertThat(amounts(t)).containsEntry("cpus", 0.1).containsEntry("mem", 64.0);
      assertThat(portsOf(t)).containsExactly(31000L + i);
      assertThat(t.getResourcesList()).allSatisfy(r -> {
        assertThat(r.getAllocationInfo()).isEqualTo(ALLOCATION);
        assertThat(r.getReservationsList()).hasSize(1);
      });
    }
    // ten tenths of a cpu: the offer's cpus are used up (within rounding)
    assertThatThrownBy(() -> carve.taskInfo(launch(0.1, 64, Map.of())))
        .isInstanceOf(LaunchTranslation.Shortfall.class).hasMessageContaining("cpus");
  }

  private TaskLaunch launch(double cpus, long ramMb, Map<String, Integer> ports) {
    TaskId id = TaskId.of("t-" + ++seq);
    TaskConfig config = TaskConfig.builder().addProcesses(ProcessConfig.of("server", "./server"))
        .resources(Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(0).addPorts(ports.keySet().toArray(String[]::new))
            .build()).build();
    return TaskLaunch.builder().taskId(id).instance(InstanceKey.of(JobKey.of("www", "prod", "hello"), seq))
        .agentId("agent-1").config(config).ports(ports).processes(config.processes())
        .environment(Map.of("AURORA_TASK_ID", id.value())).build();
  }

  private static Protos.Offer offer(double cpus, double mem, int portBegin, int portEnd) {
    Protos.Resource.ReservationInfo reservation = Protos.Resource.ReservationInfo.newBuilder()
        .setType(Protos.Resource.ReservationInfo.Type.STATIC).setRole("web").build();
    return Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue("o-1"))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw"))
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-1")).setHostname("host-1")
        .addResources(scalar("cpus", cpus).addReservations(reservation))
        .addResources(scalar("mem", mem).addReservations(reservation))
        .addResources(Protos.Resource.newBuilder().setName("ports").setType(Protos.Value.Type.RANGES)
            .setAllocationInfo(ALLOCATION).addReservations(reservation)
            .setRanges(Protos.Value.Ranges.newBuilder().addRange(
                Protos.Value.Range.newBuilder().setBegin(portBegin).setEnd(portEnd))))
        .build();
  }

  private static Protos.Resource.Builder scalar(String name, double value) {
    return Protos.Resource.newBuilder().setName(name).setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(value)).setAllocationInfo(ALLOCATION);
  }

  private static Map<String, Double> amounts(Protos.TaskInfo t) {
    Map<String, Double> out = new java.util.HashMap<>();
    for (Protos.Resource r : t.getResourcesList()) {
      if (r.getType() == Protos.Value.Type.SCALAR) {
        out.merge(r.getName(), r.getScalar().getValue(), Double::sum);
      }
    }
    return out;
  }

  private static List<Long> portsOf(Protos.TaskInfo t) {
    List<Long> out = new ArrayList<>();
    for (Protos.Resource r : t.getResourcesList()) {
      if (r.getName().equals("ports")) {
        r.getRanges().getRangeList().forEach(x -> {
          for (long p = x.getBegin(); p <= x.getEnd(); p++) {
            out.add(p);
          }
        });
      }
    }
    return out;
  }
}
