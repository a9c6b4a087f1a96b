package dev.aurora.mesos.internal;

import dev.aurora.api.ProcessConfig;
import dev.aurora.api.Resources;
import dev.aurora.api.Tier;
import dev.aurora.core.TaskLaunch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos;

/**
 * The core's launches as Mesos {@code TaskInfo}s, each with resources carved from the offers the
 * launch uses (keeping each resource's role, reservations and allocation): the processes as one shell
 * command run in order, the environment, the URIs to fetch (metadata {@value #URIS}, comma-separated),
 * the named ports as discovery info, and a Docker image through the Mesos containerizer when the task
 * asks for a container.
 */
public final class LaunchTranslation {
  /** The task metadata key listing URIs the agent fetches into the sandbox, comma-separated. */
  public static final String URIS = "mesos.uris";

  /** A launch that the offers cannot hold. */
  public static final class Shortfall extends Exception {
    private static final long serialVersionUID = 1L;

    Shortfall(String message) {
      super(message);
    }
  }

  /**
   * What is left of one offered resource: the resource as offered (immutable, so a taken part is a copy
   * with only the amount or range changed) and what launches have not taken yet. A scalar remembers the
   * last part it gave, as the tasks of one group take equal parts and can share that (immutable) message.
   */
  private static final class Left {
    final Protos.Resource offered;
    double scalar;
    List<Protos.Value.Range> ranges;
    double lastUse = Double.NaN;
    Protos.Resource lastPart;

    Left(Protos.Resource offered) {
      this.offered = offered;
      this.scalar = offered.getScalar().getValue();
      this.ranges = offered.getRanges().getRangeList();
    }

    Protos.Resource part(double use) {
      if (use != lastUse) {
        lastPart = offered.toBuilder().setScalar(Protos.Value.Scalar.newBuilder().setValue(use)).build();
        lastUse = use;
      }
      return lastPart;
    }
  }

  /** How to put back what a launch took before it fell short: the resource and what it had. */
  private record Undo(Left left, double scalar, List<Protos.Value.Range> ranges) {}

  private final List<Left> pool = new ArrayList<>();
  private final Optional<RunnerCommand> runner;
  private final Optional<CustomExecutor> custom;

  /** Carves from the resources of {@code offers}; each task's processes run in one shell. */
  public LaunchTranslation(List<Protos.Offer> offers) {
    this(offers, Optional.empty());
  }

  /**
   * Carves from the resources of {@code offers}; with {@code runner}, each task runs its whole process
   * graph through the task runner's executor jar (see {@link RunnerCommand}).
   */
  public LaunchTranslation(List<Protos.Offer> offers, Optional<RunnerCommand> runner) {
    this(offers, runner, Optional.empty());
  }

  /**
   * Carves from the resources of {@code offers}; with {@code custom}, each task runs under the task
   * runner's Mesos custom executor (see {@link CustomExecutor}), whose resources are carved too;
   * else as {@link #LaunchTranslation(List, Optional)}.
   */
  public LaunchTranslation(List<Protos.Offer> offers, Optional<RunnerCommand> runner, Optional<CustomExecutor> custom) {
    this.runner = runner;
    this.custom = custom;
    for (Protos.Offer o : offers) {
      for (Protos.Resource r : o.getResourcesList()) {
        pool.add(new Left(r));
      }
    }
  }

  /** The TaskInfo for {@code launch}, its resources taken from the pool; a shortfall takes nothing. */
  public Protos.TaskInfo taskInfo(TaskLaunch launch) throws Shortfall {
    List<Protos.Resource> executorTaken = new ArrayList<>();
    List<Protos.Resource> taken = take(launch, executorTaken);
    return taskInfo(launch, taken, executorTaken);
  }

  /**
   * The resources {@code launch} takes from the pool (its executor's, if a custom executor runs it, put
   * in {@code executorTaken}); a shortfall takes nothing. Equal tasks get the same (immutable) scalar
   * parts, so an encoder can encode each once.
   */
  public List<Protos.Resource> take(TaskLaunch launch, List<Protos.Resource> executorTaken) throws Shortfall {
    Resources res = launch.config().resources();
    boolean revocable = launch.config().tier() == Tier.REVOCABLE;
    // what this launch takes, to put back if it falls short (no copy of the whole pool per task)
    List<Undo> undo = new ArrayList<>(4);
    List<Protos.Resource> taken = new ArrayList<>();
    try {
      if (custom.isPresent()) {
        take("cpus", custom.get().cpus(), revocable, executorTaken, undo);
        take("mem", custom.get().memMb(), revocable, executorTaken, undo);
      }
      take("cpus", res.cpus(), revocable, taken, undo);
      take("mem", res.ramMb(), revocable, taken, undo);
      take("disk", res.diskMb(), revocable, taken, undo);
      take("gpus", res.gpus(), revocable, taken, undo);
      for (Map.Entry<String, Integer> port : launch.ports().entrySet()) {
        takePort(port.getKey(), port.getValue(), revocable, taken, undo);
      }
    } catch (Shortfall e) {
      for (int i = undo.size() - 1; i >= 0; i--) {
        Undo u = undo.get(i);
        u.left().scalar = u.scalar();
        u.left().ranges = u.ranges();
      }
      throw new Shortfall("task " + launch.taskId() + (custom.isPresent() ? " (with its executor)" : "") + ": "
          + e.getMessage());
    }
    return taken;
  }

  private Protos.TaskInfo taskInfo(TaskLaunch launch, List<Protos.Resource> taken,
      List<Protos.Resource> executorTaken) {
    Protos.TaskInfo.Builder t = Protos.TaskInfo.newBuilder()
        .setName(launch.instance().toString())
        .setTaskId(Protos.TaskID.newBuilder().setValue(launch.taskId().value()))
        .setAgentId(Protos.AgentID.newBuilder().setValue(launch.agentId()))
        .addAllResources(taken)
        .setCommand(runner.isPresent() ? runnerCommand(launch, runner.get()) : command(launch));
    if (custom.isPresent()) {
      t.setKillPolicy(Protos.KillPolicy.newBuilder().setGracePeriod(
          Protos.DurationInfo.newBuilder().setNanoseconds(RunnerCommand.killGracePeriod(launch.config()).toNanos())));
    }
    runner.ifPresent(r -> t.setKillPolicy(Protos.KillPolicy.newBuilder().setGracePeriod(
        Protos.DurationInfo.newBuilder().setNanoseconds(RunnerCommand.killGracePeriod(launch.config()).toNanos()))));
    if (!launch.ports().isEmpty()) {
      Protos.Ports.Builder ports = Protos.Ports.newBuilder();
      launch.ports().forEach((name, number) ->
          ports.addPorts(Protos.Port.newBuilder().setName(name).setNumber(number).setProtocol("tcp")));
      t.setDiscovery(Protos.DiscoveryInfo.newBuilder().setVisibility(Protos.DiscoveryInfo.Visibility.FRAMEWORK)
          .setName(launch.instance().job().toString()).setPorts(ports));
    }
    launch.config().container().ifPresent(image -> t.setContainer(Protos.ContainerInfo.newBuilder()
        .setType(Protos.ContainerInfo.Type.MESOS)
        .setMesos(Protos.ContainerInfo.MesosInfo.newBuilder().setImage(Protos.Image.newBuilder()
            .setType(Protos.Image.Type.DOCKER).setDocker(Protos.Image.Docker.newBuilder().setName(image))))));
    custom.ifPresent(c -> c.applyTo(t, launch, executorTaken));
    return t.build();
  }

  private void take(String name, double amount, boolean revocable, List<Protos.Resource> taken, List<Undo> undo)
      throws Shortfall {
    double left = amount;
    for (Left r : pool) {
      if (left <= 1e-9) {
        break;
      }
      Protos.Resource o = r.offered;
      if (o.getType() != Protos.Value.Type.SCALAR || o.hasRevocable() != revocable || !o.getName().equals(name)) {
        continue;
      }
      double have = r.scalar;
      double use = Math.min(have, left);
      if (use <= 1e-9) {
        continue;
      }
      undo.add(new Undo(r, have, r.ranges));
      r.scalar = have - use;
      taken.add(r.part(use));
      left -= use;
    }
    if (left > 1e-9) {
      throw new Shortfall("needs " + amount + " " + name + ", the offers hold " + (amount - left));
    }
  }

  private void takePort(String name, int port, boolean revocable, List<Protos.Resource> taken, List<Undo> undo)
      throws Shortfall {
    for (Left r : pool) {
      Protos.Resource o = r.offered;
      if (o.getType() != Protos.Value.Type.RANGES || o.hasRevocable() != revocable || !o.getName().equals("ports")) {
        continue;
      }
      List<Protos.Value.Range> ranges = r.ranges;
      for (int i = 0; i < ranges.size(); i++) {
        Protos.Value.Range range = ranges.get(i);
        if (port >= range.getBegin() && port <= range.getEnd()) {
          List<Protos.Value.Range> rest = new ArrayList<>(ranges.size() + 1);
          for (int j = 0; j < ranges.size(); j++) {
            Protos.Value.Range x = ranges.get(j);
            if (j != i) {
              rest.add(x);
              continue;
            }
            if (x.getBegin() < port) {
              rest.add(Protos.Value.Range.newBuilder().setBegin(x.getBegin()).setEnd(port - 1).build());
            }
            if (port < x.getEnd()) {
              rest.add(Protos.Value.Range.newBuilder().setBegin(port + 1).setEnd(x.getEnd()).build());
            }
          }
          undo.add(new Undo(r, r.scalar, ranges));
          r.ranges = rest;
          taken.add(o.toBuilder().setRanges(Protos.Value.Ranges.newBuilder()
              .addRange(Protos.Value.Range.newBuilder().setBegin(port).setEnd(port))).build());
          return;
        }
      }
    }
    throw new Shortfall("port " + port + " ('" + name + "') is not in the offers");
  }

  static Protos.CommandInfo command(TaskLaunch launch) {
    Protos.Environment.Builder env = Protos.Environment.newBuilder();
    launch.environment().forEach((k, v) -> env.addVariables(Protos.Environment.Variable.newBuilder()
        .setName(k).setType(Protos.Environment.Variable.Type.VALUE).setValue(v)));
    Protos.CommandInfo.Builder c = Protos.CommandInfo.newBuilder().setShell(true).setValue(script(launch.processes()))
        .setEnvironment(env);
    addUris(launch, c);
    return c.build();
  }

  /**
   * The command that runs the task's process graph through the executor jar: the jar fetched (not
   * extracted, cached by the agent's fetcher), the description in {@value RunnerCommand#DESCRIPTION_VARIABLE}
   * beside the {@code AURORA_*} variables, and the task's own URIs.
   */
  static Protos.CommandInfo runnerCommand(TaskLaunch launch, RunnerCommand runner) {
    Protos.Environment.Builder env = Protos.Environment.newBuilder();
    launch.environment().forEach((k, v) -> env.addVariables(Protos.Environment.Variable.newBuilder()
        .setName(k).setType(Protos.Environment.Variable.Type.VALUE).setValue(v)));
    env.addVariables(Protos.Environment.Variable.newBuilder().setName(RunnerCommand.DESCRIPTION_VARIABLE)
        .setType(Protos.Environment.Variable.Type.VALUE).setValue(RunnerCommand.description(launch)));
    Protos.CommandInfo.Builder c = Protos.CommandInfo.newBuilder().setShell(true).setValue(runner.shellCommand())
        .setEnvironment(env)
        .addUris(Protos.CommandInfo.URI.newBuilder().setValue(runner.jar().toString()).setExtract(false)
            .setExecutable(false).setCache(true).setOutputFile(runner.jarFile()));
    addUris(launch, c);
    return c.build();
  }

  static void addUris(TaskLaunch launch, Protos.CommandInfo.Builder c) {
    String uris = launch.config().metadata().get(URIS);
    if (uris != null) {
      for (String u : uris.split(",")) {
        if (!u.isBlank()) {
          c.addUris(Protos.CommandInfo.URI.newBuilder().setValue(u.trim()).setExtract(true));
        }
      }
    }
  }

  /** The processes run in order in one shell; the first to fail ends the task with its exit code. */
  static String script(List<ProcessConfig> processes) {
    if (processes.size() == 1 && processes.get(0).environment().isEmpty()
        && processes.get(0).workingDirectory().isEmpty()) {
      return processes.get(0).command();
    }
    StringBuilder s = new StringBuilder();
    for (ProcessConfig p : processes) {
      s.append("( ");
      p.workingDirectory().ifPresent(d -> s.append("cd ").append(quote(d)).append(" && "));
      p.environment().forEach((k, v) -> s.append("export ").append(k).append('=').append(quote(v)).append("; "));
      s.append(p.command()).append(" ) || exit $?\n");
    }
    return s.toString();
  }

  static String quote(String v) {
    return "'" + v.replace("'", "'\\''") + "'";
  }
}
