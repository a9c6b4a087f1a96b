package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.HealthCheck;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.Test;

/**
 * The ACCEPT the backend encodes straight to bytes is the one protobuf's builders encode for the same
 * launches: the master reads the same call, byte for byte.
 */
class AcceptEncoderTest {
  private static final Protos.Resource.AllocationInfo ALLOCATION =
      Protos.Resource.AllocationInfo.newBuilder().setRole("web").build();
  private int seq;

  @Test
  void anAcceptsBytesEqualTheProtobufBuildersEncodingForTheSameLaunches() throws Exception {
    List<Protos.Offer> offers = List.of(offer("o-1", 4.0, 4096, 31000, 31099), offer("o-2", 2.0, 1024, 32000, 32009));
    TaskConfig plain = config(0.1, 64, List.of(ProcessConfig.of("server", "./server --port {{port.http}}")),
        Map.of(), null, null, "http");
    TaskConfig everything = config(0.25, 128, List.of(ProcessConfig.of("fetch", "curl -O x"),
        ProcessConfig.builder().name("serve").command("./serve").workingDirectory("/srv/é")
            .putEnvironment("MODE", "it's on").build()),
        Map.of(LaunchTranslation.URIS, "http://a/x.tgz, http://b/y.jar,,"), "docker.io/library/busybox:1",
        HealthCheck.http("http", "/health"), "http", "admin");
    TaskConfig noPorts = config(0.5, 256, List.of(ProcessConfig.of("batch", "echo done")), Map.of(), null, null);
    List<TaskLaunch> launches = new ArrayList<>();
    int port = 31000;
    for (int i = 0; i < 20; i++) { // equal tasks share resource parts and their processes
      launches.add(launch(plain, Map.of("http", port++)));
    }
    launches.add(launch(everything, ports("http", port++, "admin", port++)));
    launches.add(launch(noPorts, Map.of()));
    launches.add(launch(plain, Map.of("http", 32005))); // a port of the second offer

    byte[] expected = viaBuilders(offers, launches, 2.5);

    LaunchTranslation carve = new LaunchTranslation(offers);
    AcceptEncoder encoder = new AcceptEncoder();
    for (TaskLaunch t : launches) {
      encoder.add(t, carve.take(t, List.of()), HealthChecks.toMesos(t));
    }
    byte[] encoded = encoder.accept("fw-1", offers, 2.5);

    assertThat(Call.parseFrom(encoded)).isEqualTo(Call.parseFrom(expected));
    assertThat(encoded).isEqualTo(expected);
    assertThat(encoder.tasks()).isEqualTo(launches.size());
  }

  /**
   * The call connection's writer keeps one encoder and its buffers from one ACCEPT to the next (a launch
   * wave reuses memory already touched): each call still has exactly the builders' bytes, nothing of the
   * call before it (its tasks, resources, scripts, agent) carried over.
   */
  @Test
  void anEncoderReusedForTheNextCallEncodesItExactlyAsTheBuildersDo() throws Exception {
    List<Protos.Offer> first = List.of(offer("o-1", 4.0, 4096, 31000, 31099));
    List<Protos.Offer> second = List.of(offer("o-7", 2.0, 2048, 33000, 33009));
    TaskConfig plain = config(0.1, 64, List.of(ProcessConfig.of("server", "./server --port {{port.http}}")),
        Map.of(), null, null, "http");
    TaskConfig other = config(0.2, 128, List.of(ProcessConfig.builder().name("serve").command("./serve")
        .putEnvironment("GREETING", "grüß dich").build()), Map.of(), "docker.io/library/busybox:1", null, "http");
    TaskConfig batch = config(0.1, 64, List.of(ProcessConfig.of("batch", "echo done")), Map.of(), null, null);
    List<TaskLaunch> wave1 = new ArrayList<>();
    for (int i = 0; i < 300; i++) { // more than the launches buffer first holds: it grows
      wave1.add(launch(batch, Map.of()));
    }
    List<TaskLaunch> wave2 = List.of(launch(other, Map.of("http", 33001)), launch(plain, Map.of("http", 33002)));

    AcceptEncoder encoder = new AcceptEncoder();
    LaunchTranslation carve1 = new LaunchTranslation(List.of(offer("o-1", 400.0, 409_600, 31000, 31099)));
    for (TaskLaunch t : wave1) {
      encoder.add(t, carve1.take(t, List.of()), HealthChecks.toMesos(t));
    }
    encoder.accept("fw-1", first, 0);
    LaunchTranslation carve2 = new LaunchTranslation(second);
    encoder.reset();
    for (TaskLaunch t : wave2) {
      encoder.add(t, carve2.take(t, List.of()), HealthChecks.toMesos(t));
    }
    byte[] encoded = encoder.accept("fw-1", second, 5);

    assertThat(encoded).isEqualTo(viaBuilders(second, wave2, 5));
    assertThat(encoder.tasks()).isEqualTo(2);
  }

  /** The ACCEPT as the backend built it with protobuf's builders (and as it still does for other launches). */
  private static byte[] viaBuilders(List<Protos.Offer> offers, List<TaskLaunch> launches, double refuse)
      throws LaunchTranslation.Shortfall {
    LaunchTranslation carve = new LaunchTranslation(offers);
    List<Protos.TaskInfo> infos = new ArrayList<>();
    for (TaskLaunch t : launches) {
      infos.add(HealthChecks.withHealthCheck(carve.taskInfo(t), t));
    }
    Call.Accept.Builder accept = Call.Accept.newBuilder()
        .setFilters(Protos.Filters.newBuilder().setRefuseSeconds(refuse))
        .addOperations(Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH)
            .setLaunch(Protos.Offer.Operation.Launch.newBuilder().addAllTaskInfos(infos)));
    offers.forEach(o -> accept.addOfferIds(o.getId()));
    return Call.newBuilder().setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw-1"))
        .setType(Call.Type.ACCEPT).setAccept(accept).build().toByteArray();
  }

  private static Map<String, Integer> ports(String a, int pa, String b, int pb) {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put(a, pa);
    m.put(b, pb);
    return m;
  }

  private static TaskConfig config(double cpus, long ramMb, List<ProcessConfig> processes, Map<String, String> metadata,
      String image, HealthCheck check, String... ports) {
    dev.aurora.api.ImmutableTaskConfig.Builder b = TaskConfig.builder().addAllProcesses(processes).putAllMetadata(metadata)
        .resources(Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(0).addPorts(ports).build());
    if (image != null) {
      b.container(image);
    }
    if (check != null) {
      b.healthCheck(check);
    }
    return b.build();
  }

  private TaskLaunch launch(TaskConfig config, Map<String, Integer> ports) {
    TaskId id = TaskId.of("t-" + ++seq);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AURORA_TASK_ID", id.value());
    env.put("AURORA_INSTANCE", Integer.toString(seq));
    ports.forEach((name, number) -> env.put("AURORA_PORT_" + name.toUpperCase(java.util.Locale.ROOT),
        Integer.toString(number)));
    return TaskLaunch.builder().taskId(id).instance(InstanceKey.of(JobKey.of("www", "prod", "hello"), seq))
        .agentId("agent-1").config(config).ports(ports).processes(config.processes()).environment(env).build();
  }

  private static Protos.Offer offer(String id, double cpus, double mem, int portBegin, int portEnd) {
    Protos.Resource.ReservationInfo reservation = Protos.Resource.ReservationInfo.newBuilder()
        .setType(Protos.Resource.ReservationInfo.Type.STATIC).setRole("web").build();
    return Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue(id))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw-1"))
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-1")).setHostname("host-1")
        .addResources(scalar("cpus", cpus).addReservations(reservation))
        .addResources(scalar("mem", mem))
        .addResources(scalar("disk", 10_000))
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
}
