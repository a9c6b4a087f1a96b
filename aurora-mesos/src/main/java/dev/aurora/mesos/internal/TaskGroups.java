package dev.aurora.mesos.internal;

import dev.aurora.api.Resources;
import dev.aurora.api.TaskConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos;

/**
 * The LAUNCH_GROUP launch mode: each task runs in a task group of its own under Mesos's default
 * executor. A group holds one {@code TaskInfo} (an Aurora instance is one task, and the default
 * executor ends a whole group when one of its tasks fails, so several instances in one group would
 * fail together) and its own executor ({@code aurora-<task id>}: the default executor runs every
 * group given the same executor id in one container, so a shared id would tie the tasks' lives and
 * resources together). The executor's resources ({@link Share}) are carved out of the task's own,
 * so what is launched is exactly what the scheduler placed on the offer; a task too small to give the
 * executor its share cannot run in this mode ({@link #cannotRun}).
 */
public final class TaskGroups {
  /** The prefix of each group's executor id; the task id follows. */
  public static final String EXECUTOR_PREFIX = "aurora-";

  /** The default executor's resources, taken from each task's. */
  public record Share(double cpus, double memMb) {}

  private TaskGroups() {}

  /** Why a task of {@code config} cannot give the default executor its share, if it cannot. */
  public static Optional<String> cannotRun(TaskConfig config, Share share) {
    Resources r = config.resources();
    List<String> short_ = new ArrayList<>();
    if (r.cpus() <= share.cpus() + 1e-9) {
      short_.add(r.cpus() + " cpus");
    }
    if (r.ramMb() <= share.memMb() + 1e-9) {
      short_.add(r.ramMb() + " MiB of memory");
    }
    if (short_.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("launched as a task group, a task gives Mesos's default executor " + share.cpus()
        + " cpus and " + share.memMb() + " MiB of its own resources, and must keep some: it asks for only "
        + String.join(" and ", short_));
  }

  /**
   * The LAUNCH_GROUP operation of one task: its {@code TaskInfo} (as for LAUNCH) less the executor's
   * share, and a DEFAULT executor of the framework holding that share (each resource keeping the role,
   * reservation and allocation of the part of the offer it came from).
   */
  public static Protos.Offer.Operation launchGroup(Protos.TaskInfo task, String frameworkId, Share share) {
    List<Protos.Resource.Builder> left = new ArrayList<>();
    for (Protos.Resource r : task.getResourcesList()) {
      left.add(r.toBuilder());
    }
    List<Protos.Resource> executor = new ArrayList<>();
    carve(left, "cpus", share.cpus(), executor);
    carve(left, "mem", share.memMb(), executor);
    Protos.TaskInfo.Builder t = task.toBuilder().clearResources();
    for (Protos.Resource.Builder r : left) {
      if (r.getType() != Protos.Value.Type.SCALAR || r.getScalar().getValue() > 1e-9) {
        t.addResources(r);
      }
    }
    Protos.ExecutorInfo e = Protos.ExecutorInfo.newBuilder().setType(Protos.ExecutorInfo.Type.DEFAULT)
        .setExecutorId(Protos.ExecutorID.newBuilder().setValue(EXECUTOR_PREFIX + task.getTaskId().getValue()))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId))
        .addAllResources(executor).build();
    return Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH_GROUP)
        .setLaunchGroup(Protos.Offer.Operation.LaunchGroup.newBuilder().setExecutor(e)
            .setTaskGroup(Protos.TaskGroupInfo.newBuilder().addTasks(t))).build();
  }

  /** Moves {@code amount} of scalar {@code name} from the task's resources to the executor's. */
  private static void carve(List<Protos.Resource.Builder> from, String name, double amount,
      List<Protos.Resource> to) {
    double need = amount;
    for (Protos.Resource.Builder r : from) {
      if (need <= 1e-9) {
        return;
      }
      if (!r.getName().equals(name) || r.getType() != Protos.Value.Type.SCALAR) {
        continue;
      }
      double have = r.getScalar().getValue();
      double use = Math.min(have, need);
      r.setScalar(Protos.Value.Scalar.newBuilder().setValue(have - use));
      to.add(r.clone().setScalar(Protos.Value.Scalar.newBuilder().setValue(use)).build());
      need -= use;
    }
  }
}
