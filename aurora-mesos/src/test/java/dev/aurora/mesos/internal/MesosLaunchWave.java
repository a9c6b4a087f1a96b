package dev.aurora.mesos.internal;

import com.sun.management.OperatingSystemMXBean;
import dev.aurora.api.InstanceKey;
import dev.aurora.api.JobKey;
import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import dev.aurora.api.TaskId;
import dev.aurora.core.TaskLaunch;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * The Mesos backend's launch wave alone, as {@code MesosLoopback}'s (aurora-benchmarks) at 10,000 agents and 100,000 tasks:
 * 625 ACCEPTs of 160 tasks, each task's resources carved from its agent's offer and the call encoded,
 * three times in one JVM (the first on cold code and memory). {@code builders} encodes as the backend
 * did before wave 11 (protobuf's builders), {@code encoder} as it does now for plain command tasks
 * ({@link AcceptEncoder}); both give the same bytes. Prints the thread's CPU time per task, the
 * process's (the JIT compiler's threads and the GC included) and the wall time; the launches are made
 * before each measured part.
 *
 * <pre>
 * mvn -o -q -pl aurora-mesos -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xms2g -Xmx2g -XX:+UseParallelGC [-XX:+AlwaysPreTouch] \
 *     -cp aurora-mesos/target/test-classes:aurora-mesos/target/classes:$(cat /tmp/cp.txt) \
 *     dev.aurora.mesos.internal.MesosLaunchWave builders|encoder|reused
 * </pre>
 */
// A diagnostic program, not a test: it lives beside the backend because it drives its internal
// encoder, which the benchmarks module may not use (aurora-architecture's LayersTest).
public final class MesosLaunchWave {
  private static final int AGENTS = 625;
  private static final int PER_AGENT = 160;

  private MesosLaunchWave() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "builders";
    boolean encoder = !mode.equals("builders");
    // "reused": one encoder for every call, reset between them, as the backend's writer thread keeps it
    AcceptEncoder reused = mode.equals("reused") ? new AcceptEncoder() : null;
    com.sun.management.ThreadMXBean allocation = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    TaskConfig config = TaskConfig.builder().addProcesses(ProcessConfig.of("main", "sleep 3600"))
        .resources(Resources.builder().cpus(0.1).ramMb(64).diskMb(0).build()).build();
    for (int round = 1; round <= 3; round++) {
      List<List<TaskLaunch>> waves = new ArrayList<>();
      List<Protos.Offer> offers = new ArrayList<>();
      int seq = 0;
      for (int agent = 0; agent < AGENTS; agent++) {
        offers.add(Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue("o-" + round + "-" + agent))
            .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw"))
            .setAgentId(Protos.AgentID.newBuilder().setValue("agent-" + agent)).setHostname("host-" + agent)
            .addResources(scalar("cpus", 16)).addResources(scalar("mem", 65536)).addResources(scalar("disk", 100_000))
            .build());
        List<TaskLaunch> wave = new ArrayList<>(PER_AGENT);
        for (int t = 0; t < PER_AGENT; t++) {
          seq++;
          JobKey job = JobKey.of("www", "prod", "job" + seq % 100);
          TaskId id = TaskId.of("www-prod-job" + seq % 100 + "-" + seq + "-" + UUID.randomUUID());
          wave.add(TaskLaunch.builder().taskId(id).instance(InstanceKey.of(job, seq)).agentId("agent-" + agent)
              .config(config).ports(Map.of()).processes(config.processes())
              .environment(Map.of("AURORA_TASK_ID", id.value(), "AURORA_INSTANCE", Integer.toString(seq),
                  "AURORA_JOB", job.toString()))
              .build());
        }
        waves.add(wave);
      }
      long process0 = os.getProcessCpuTime();
      long thread0 = threads.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      long allocated0 = allocation.getThreadAllocatedBytes(Thread.currentThread().getId());
      long bytes = 0;
      for (int i = 0; i < AGENTS; i++) {
        List<Protos.Offer> used = List.of(offers.get(i));
        bytes += (encoder ? encoded(reused, used, waves.get(i)) : viaBuilders(used, waves.get(i))).length;
      }
      long allocated = allocation.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocated0;
      long thread = threads.getCurrentThreadCpuTime() - thread0;
      long process = os.getProcessCpuTime() - process0;
      long wall = System.nanoTime() - wall0;
      int tasks = AGENTS * PER_AGENT;
      System.out.printf("%s round %d: %.2f us CPU per task (thread %.0f ms, process %.0f ms, wall %.0f ms for %,d"
          + " tasks), %,d bytes, %,d bytes allocated per task%n", mode, round, thread / 1e3 / tasks, thread / 1e6,
          process / 1e6, wall / 1e6, tasks, bytes, allocated / tasks);
    }
  }

  private static byte[] encoded(AcceptEncoder reused, List<Protos.Offer> used, List<TaskLaunch> tasks)
      throws Exception {
    LaunchTranslation carve = new LaunchTranslation(used);
    AcceptEncoder e = reused != null ? reused.reset() : new AcceptEncoder();
    for (TaskLaunch t : tasks) {
      e.add(t, carve.take(t, List.of()), HealthChecks.toMesos(t));
    }
    return e.accept("fw", used, 0);
  }

  private static byte[] viaBuilders(List<Protos.Offer> used, List<TaskLaunch> tasks) throws Exception {
    LaunchTranslation carve = new LaunchTranslation(used);
    List<Protos.TaskInfo> infos = new ArrayList<>(tasks.size());
    for (TaskLaunch t : tasks) {
      infos.add(HealthChecks.withHealthCheck(carve.taskInfo(t), t));
    }
    Call.Accept.Builder accept = Call.Accept.newBuilder().setFilters(Protos.Filters.newBuilder().setRefuseSeconds(0))
        .addOperations(Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH)
            .setLaunch(Protos.Offer.Operation.Launch.newBuilder().addAllTaskInfos(infos)));
    used.forEach(o -> accept.addOfferIds(o.getId()));
    Call call = Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(accept).build();
    return call.toBuilder().setFrameworkId(Protos.FrameworkID.newBuilder().setValue("fw")).build().toByteArray();
  }

  private static Protos.Resource scalar(String name, double value) {
    return Protos.Resource.newBuilder().setName(name).setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(value))
        .setAllocationInfo(Protos.Resource.AllocationInfo.newBuilder().setRole("*")).build();
  }
}
